"""``evidencia evaluate-search``: recall and nDCG of each search mode on judged queries,
held to floors like the enrichers' figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from evidencia import floors
from evidencia.cli.main import (
    CheckOption,
    HomeOption,
    UpdateBaselineOption,
    app,
    err,
    exit_if_below,
    open_store,
    out,
)
from evidencia.datafile import DataFileError
from evidencia.search.evaluate import DEFAULT_QUERIES, SearchEvaluation, evaluate_search
from evidencia.search.evaluate import load_queries as load_search_queries
from evidencia.search.modes import MODES, Request, Searcher

#: floors are recorded this far under the measured figures: the embedding engine's threads
#: make the last digits of cosines vary between runs, which can swap near-ties
FLOOR_MARGIN = 0.01
#: the figures the gate holds (the issue's measures): recall in the top 5, nDCG in the top 10
GATED = ("recall@5", "ndcg@10")


def evaluate_modes(
    searcher: Searcher, modes: list[str], queries_file: Path
) -> dict[str, SearchEvaluation]:
    queries = load_search_queries(queries_file)
    return {
        mode: evaluate_search(
            searcher.store,
            queries,
            lambda text, limit, mode=mode: [  # type: ignore[misc]
                hit.passage_id for hit in searcher.search(Request(text, limit), mode)
            ],
        )
        for mode in modes
    }


def below_floors(figures: floors.Figures, baseline: Path) -> list[str]:
    return floors.below(figures, baseline, DataFileError)


@app.command("evaluate-search")
def evaluate_search_cmd(
    mode: Annotated[
        list[str] | None, typer.Option("--mode", help="Mode to measure (repeatable).")
    ] = None,
    queries: Annotated[Path, typer.Option(help="Judged queries.")] = DEFAULT_QUERIES,
    baseline: Annotated[Path, typer.Option(help="Floors the figures must not fall under.")] = Path(
        "eval/search-baseline.json"
    ),
    check: CheckOption = False,
    update: UpdateBaselineOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (per query).")] = False,
    home: HomeOption = None,
) -> None:
    """Recall@5 and nDCG@10 of lexical, semantic and hybrid search on judged queries (the
    store must hold the demo corpus and seeds: `make demo`)."""
    modes = mode or list(MODES)
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise typer.BadParameter(f"unknown mode(s) {unknown}; known: {list(MODES)}")
    try:
        results = evaluate_modes(Searcher(open_store(home)), modes, queries)
    except DataFileError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    figures = {m: r.means() for m, r in results.items()}
    if as_json:
        print(json.dumps({m: r.as_json() for m, r in results.items()}, ensure_ascii=False))
    else:
        metrics = next((r.metrics() for r in results.values() if r.queries), [])
        table = Table("mode", "queries", *metrics)
        for name, result in results.items():
            table.add_row(
                name, str(len(result.queries)), *(f"{figures[name][m]:.3f}" for m in metrics)
            )
        out.print(table)
        for result in results.values():
            for unresolved in result.unresolved:
                err.print(f"[yellow]unresolved:[/] {escape(str(unresolved))}")
    if update:
        floors = {
            m: {k: round(max(0.0, v - FLOOR_MARGIN), 3) for k, v in f.items() if k in GATED}
            for m, f in figures.items()
        }
        baseline.write_text(json.dumps(floors, indent=2) + "\n", encoding="utf-8")
        err.print(f"Baseline written to {baseline}.")
    try:
        problems = below_floors(figures, baseline) if check else []
    except DataFileError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    exit_if_below(problems)

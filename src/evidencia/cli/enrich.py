"""``evidencia enrich``, ``analyze`` and ``evaluate``: running, trying and measuring the
enrichers that tag passages with countries, legal instruments and references."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from evidencia.cli.main import (
    CheckOption,
    HomeOption,
    UpdateBaselineOption,
    app,
    err,
    exit_if_below,
    open_store,
    out,
    progress_bar,
)
from evidencia.enrich import registry
from evidencia.enrich.analyze import analyze as analyze_text
from evidencia.enrich.base import Enricher
from evidencia.enrich.evaluate import GoldError, below_baseline, evaluate, write_baseline
from evidencia.enrich.stored import enrich_stored

OnlyOption = Annotated[
    list[str] | None,
    typer.Option("--only", help="Run just this enricher (repeatable).", show_default=False),
]


def _enrichers(only: list[str] | None) -> list[Enricher]:
    try:
        return registry.pipeline(only)
    except registry.UnknownEnricher as exc:
        raise typer.BadParameter(str(exc), param_hint="--only") from None


@app.command()
def enrich(
    only: OnlyOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Redo documents already up to date.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Run the enrichers over stored documents that lack their current results."""
    enrichers = _enrichers(only)
    store = open_store(home)
    progress = progress_bar("Enriching")
    with progress:
        task = progress.add_task("", total=None)
        report = enrich_stored(
            store,
            enrichers,
            force=force,
            on_document=lambda done, total: progress.update(task, completed=done, total=total),
        )
    names = ", ".join(e.name for e in enrichers)
    out.print(
        f"[bold]{report.documents} document(s)[/] enriched by {names}: "
        f"{report.annotations} annotations stored."
    )
    for (doc_id, name), error in sorted(report.errors.items()):
        out.print(f"  [red]failed[/] document {doc_id}, enricher {name}: {escape(error)}")
    if report.errors:
        raise typer.Exit(3)


@app.command()
def analyze(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    only: OnlyOption = None,
) -> None:
    """Read text on standard input; print its language, countries, instruments, references."""
    text = sys.stdin.read()
    result = analyze_text(text, _enrichers(only))
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    out.print(f"[bold]language[/]: {result['language'] or 'unknown'}")
    for field in ("countries", "scopes"):
        if field in result:
            out.print(f"[bold]{field}[/]: {', '.join(result[field]) or '-'}")
    for field, columns in (
        ("instruments", ("id", "kind", "label", "paragraph", "url")),
        ("references", ("author", "year", "title", "url")),
    ):
        if result.get(field):
            table = Table(*columns, title=field, title_justify="left")
            for entry in result[field]:
                table.add_row(*(escape(str(entry.get(c, ""))) for c in columns))
            out.print(table)


@app.command("evaluate")
def evaluate_cmd(
    gold: Annotated[Path, typer.Option(help="Folder of labelled gold files (*.yaml).")] = Path(
        "eval/enrich"
    ),
    baseline: Annotated[Path, typer.Option(help="Floors the figures must not fall under.")] = Path(
        "eval/baseline.json"
    ),
    check: CheckOption = False,
    update: UpdateBaselineOption = False,
    only: OnlyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with misses).")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="List the items got wrong.")] = False,
) -> None:
    """Precision, recall and F1 of each enricher on labelled examples."""
    files = sorted(gold.glob("*.yaml"))
    if not files:
        raise typer.BadParameter(f"no gold files (*.yaml) in {gold}", param_hint="--gold")
    try:
        evaluation = evaluate(files, only)
        problems = below_baseline(evaluation, baseline) if check else []
    except GoldError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(evaluation.as_json(), ensure_ascii=False, indent=2))
    else:
        table = Table("items", "expected", "P", "R", "F1", "langs")
        table.columns.insert(0, Column("metric", overflow="fold"))
        for metric, score in sorted(evaluation.scores.items()):
            langs = evaluation.languages.get(
                metric, evaluation.languages.get(metric.rsplit(".", 1)[0], set())
            )
            table.add_row(
                metric,
                str(score.items),
                str(score.expected),
                f"{score.precision:.3f}",
                f"{score.recall:.3f}",
                f"{score.f1:.3f}",
                str(len(langs)),
            )
        out.print(table)
        if misses:
            for miss in evaluation.misses:
                out.print(
                    f"  {miss.metric} {miss.item}: missing {escape(str(miss.missing))}, "
                    f"spurious {escape(str(miss.spurious))}"
                )
    if update:
        write_baseline(evaluation, baseline)
        err.print(f"Baseline written to {baseline}.")
    exit_if_below(problems)

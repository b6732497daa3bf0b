"""Tune hybrid search's rank fusion on the judged queries (``eval/search/queries.yaml``).

Each query's lexical and semantic rankings are computed once; every setting of the fusion
grid then only re-fuses them, so a grid of hundreds of settings takes seconds. Needs a data
directory holding the demo corpus and seeds, embedded (``make demo``).

Run: ``.venv/bin/python bench/tune_fusion.py [--home var/demo]``.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evidencia.config import resolve_home
from evidencia.search.evaluate import evaluate_search, load_queries
from evidencia.search.hits import Ranked, build
from evidencia.search.modes import DEFAULT_FUSION, Fusion, Request, Searcher, fuse
from evidencia.store.db import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--home", type=Path, default=Path("var/demo"))
    args = parser.parse_args()
    searcher = Searcher(Store(resolve_home(args.home)))
    queries = load_queries()
    legs: dict[str, tuple[list[Ranked], list[Ranked]]] = {}
    with searcher.store.session() as session:
        for query in queries:
            request = Request(query.text, 10)
            legs[query.text] = (
                searcher.lexical(session, request, loose=True),
                searcher.semantic(session, request),
            )

    def scored(fusion: Fusion) -> dict[str, float]:
        def run(text: str, limit: int) -> list[int]:
            words, meaning = legs[text]
            with searcher.store.session() as session:
                fused = fuse(words[: fusion.depth], meaning[: fusion.depth], fusion)
                return [h.passage_id for h in build(session, fused, text, limit)]

        return evaluate_search(searcher.store, queries, run).means()

    results = []
    for k, lexical_weight, depth in itertools.product(
        (5, 10, 20, 40, 60), (0.0, 0.2, 0.35, 0.5, 0.75, 1.0), (20, 50, 100)
    ):
        fusion = replace(DEFAULT_FUSION, k=k, lexical_weight=lexical_weight, depth=depth)
        results.append((fusion, scored(fusion)))
    results.sort(key=lambda item: -(item[1]["recall@5"] + item[1]["ndcg@10"]))
    table = Table("k", "lexical weight", "depth", "recall@5", "ndcg@10")
    for fusion, means in results[:12]:
        table.add_row(
            str(fusion.k),
            f"{fusion.lexical_weight:.2f}",
            str(fusion.depth),
            f"{means['recall@5']:.3f}",
            f"{means['ndcg@10']:.3f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()

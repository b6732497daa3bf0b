"""Enrichment throughput: passages per second for each enricher, against two floors.

The texts are the demo corpus and the network's seed documents, read and cut into passages
and footnotes exactly as ingestion does, repeated until there are ``--units`` texts. After a
warm-up (which builds each enricher's tables), each measurement is timed ``REPEATS`` times and
the median is shown next to:

* ``floor: \\w+ scan``: one regular-expression pass that splits every text into words, the
  least any enricher reading the whole text must spend;
* ``peer: language detection``: fastText language identification of every passage, which
  ingestion already pays per passage; an enricher much slower than this dominates ingest.

Run: ``.venv/bin/python bench/enrich_throughput.py [--units 5000] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evidencia.enrich import registry
from evidencia.enrich.base import TextUnit
from evidencia.enrich.run import enrich_units
from evidencia.ingest import language
from evidencia.ingest.limits import Limits
from evidencia.ingest.passages import make_passages
from evidencia.ingest.registry import choose
from evidencia.ingest.sniff import sniff

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "demo" / "corpus", ROOT.parent / "shared" / "seeds"]
REPEATS = 3
WORDS = re.compile(r"\w+")

console = Console(width=140)


def document_units(path: Path) -> list[TextUnit]:
    """One file's passages then footnotes, as the ingest worker hands them to enrichers."""
    read = choose(sniff(path, path.suffix))().read(path, Limits())
    passages = make_passages(read.blocks)
    units = [
        TextUnit(p.text, "passage", language.detect(p.text), tuple(p.heading_path))
        for p in passages
    ]
    return units + [TextUnit(f.text, "footnote") for f in read.footnotes]


def corpus(target: int) -> list[list[TextUnit]]:
    """Documents (as unit lists) repeated until there are ``target`` units in all."""
    files = [
        p
        for folder in SOURCES
        if folder.is_dir()
        for p in sorted(folder.iterdir())
        if p.suffix in {".md", ".txt", ".html", ".pdf", ".docx"} and p.name != "README.md"
    ]
    docs = [document_units(p) for p in files]
    out: list[list[TextUnit]] = []
    while sum(len(d) for d in out) < target:
        out.extend(docs)
    return out


def timed(run: Callable[[], object]) -> tuple[float, list[float]]:
    run()  # warm-up: tables, caches, first imports
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--units", type=int, default=5000, help="texts to enrich per run")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    docs = corpus(args.units)
    units = [u for d in docs for u in d]
    chars = sum(len(u.text) for u in units)
    console.print(
        f"{len(docs)} documents, {len(units)} texts "
        f"({sum(u.kind == 'passage' for u in units)} passages), {chars / 1e6:.2f} M characters"
    )

    rows: list[tuple[str, float]] = []
    floor, _ = timed(lambda: [WORDS.findall(u.text) for u in units])
    rows.append(("floor: \\w+ scan", floor))
    peer, _ = timed(lambda: [language.detect(u.text) for u in units if u.kind == "passage"])
    rows.append(("peer: language detection", peer))
    enrichers = registry.pipeline()
    for enricher in enrichers:
        seconds, _ = timed(lambda e=enricher: [e.find_all(d) for d in docs])  # type: ignore[misc]
        rows.append((f"enricher: {enricher.name}", seconds))
    total, _ = timed(lambda: [enrich_units(d, enrichers) for d in docs])
    rows.append(("whole pipeline", total))

    table = Table(
        "measure",
        "median s",
        "texts/s",
        "MB/s",
        "× floor time",
        "× language detection time",
        title=f"Enrichment throughput (median of {REPEATS} runs after a warm-up)",
    )
    figures = {}
    for name, seconds in rows:
        figures[name] = {
            "seconds": round(seconds, 4),
            "texts_per_s": round(len(units) / seconds, 1),
            "ratio_to_floor": round(seconds / floor, 2),
            "ratio_to_language_detection": round(seconds / peer, 2),
        }
        table.add_row(
            name,
            f"{seconds:.3f}",
            f"{len(units) / seconds:,.0f}",
            f"{chars / seconds / 1e6:.2f}",
            f"{seconds / floor:.1f}",
            f"{seconds / peer:.2f}",
        )
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

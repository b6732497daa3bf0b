"""Render the demo corpus sources (Markdown) into the PDF and DOCX files the manifest lists.

The demo report exists as PDF and as DOCX on purpose: ingesting both shows de-duplication
linking them as versions of one another. The seed documents, when present, are rendered to
PDF as well.
"""

from __future__ import annotations

from pathlib import Path

from evidencia.ingest.readers.markdown import parse_markdown
from evidencia.ingest.readers.text import parse_text
from evidencia.render import render

CORPUS = Path(__file__).with_name("corpus")
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
RENDERED_SEEDS = Path(__file__).with_name("seeds")
TARGETS = {
    "report-firewalls.md": ("pdf", "docx"),
    "rapport-sante.md": ("pdf",),
}


def main() -> None:
    for source, formats in TARGETS.items():
        doc = parse_markdown((CORPUS / "sources" / source).read_text(encoding="utf-8"))
        for fmt in formats:
            target = CORPUS / f"{Path(source).stem}.{fmt}"
            render(doc, fmt, target)
            print(f"rendered {target.relative_to(CORPUS.parent.parent)}")
    # The network's documents reached us as text converted from PDF; a PDF rendering gives
    # them pages again, so demo searches can cite a page as they would for the originals.
    if SEEDS.is_dir():
        RENDERED_SEEDS.mkdir(exist_ok=True)
        for seed in sorted(SEEDS.glob("0*.txt")):
            target = RENDERED_SEEDS / f"{seed.stem}.pdf"
            render(parse_text(seed.read_text(encoding="utf-8")), "pdf", target)
            print(f"rendered {target.relative_to(CORPUS.parent.parent)}")


if __name__ == "__main__":
    main()

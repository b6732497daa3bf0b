"""Text, Markdown and HTML readers on documents with known headings, lists and footnotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencia.ingest.limits import Limits
from evidencia.ingest.readers.html import HtmlReader, parse_html
from evidencia.ingest.readers.markdown import parse_markdown
from evidencia.ingest.readers.text import TextReader, parse_text
from evidencia.ingest.registry import choose
from evidencia.ingest.sniff import HTML, MARKDOWN, PDF, TEXT, sniff
from evidencia.model import BlockKind, ReadError


def test_text_footnotes_written_as_text_are_recovered() -> None:
    text = (
        "Safe reporting in Europe\n\n"
        "Police in the Netherlands let victims leave freely after reporting¹. "
        "Spain created special teams².\n\n"
        "Results\n\n"
        "Reporting rose in 2021, by 10 per cent³ over two years.\n\n"
        "1 Ministry of Justice, 2019, Instruction on reporting.\n\n"
        "2 Guardia Civil, 2018, EDATI.\n\n"
        "³ Survey by members, 2022.\n"
    )
    doc = parse_text(text)
    assert doc.title == "Safe reporting in Europe"
    headings = [b.text for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert headings == ["Safe reporting in Europe", "Results"]
    paragraphs = [b for b in doc.blocks if b.kind is BlockKind.PARAGRAPH]
    assert paragraphs[0].footnote_refs == ["1", "2"]
    assert "reporting." in paragraphs[0].text and "¹" not in paragraphs[0].text
    assert paragraphs[1].footnote_refs == ["3"]
    assert [(n.label, n.text) for n in doc.footnotes] == [
        ("1", "Ministry of Justice, 2019, Instruction on reporting."),
        ("2", "Guardia Civil, 2018, EDATI."),
        ("3", "Survey by members, 2022."),
    ]


def test_number_before_its_marker_is_not_a_footnote() -> None:
    doc = parse_text("Title line\n\n10 May 2023\n\nA paragraph that cites a source¹⁰.\n")
    assert doc.footnotes == []
    assert any(b.text == "10 May 2023" for b in doc.blocks)


def test_text_encoding_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    body = "Les sans-papiers ont droit à l'aide médicale urgente, même sans adresse fixe. " * 3
    path.write_bytes(("Santé et séjour\n\n" + body).encode("cp1252"))
    doc = TextReader().read(path, Limits())
    assert "aide médicale urgente" in doc.blocks[1].text


def test_markdown_structure_and_numbered_footnotes() -> None:
    doc = parse_markdown(
        "# Briefing\n\nIntro citing a source[^src] and another[^2].\n\n"
        "## Firewalls\n\n- first point\n- second point[^src]\n\n> a quotation\n\n"
        "| country | practice |\n|---|---|\n| NL | free in |\n\n"
        "[^src]: First source, 2020.\n[^2]: Second *source*.\n"
    )
    kinds = [(b.kind, b.level, b.text) for b in doc.blocks]
    assert kinds[0] == (BlockKind.HEADING, 1, "Briefing")
    assert (BlockKind.HEADING, 2, "Firewalls") in kinds
    assert doc.blocks[1].footnote_refs == ["1", "2"]
    items = [b for b in doc.blocks if b.kind is BlockKind.LIST_ITEM]
    assert [i.text for i in items] == ["first point", "second point"]
    assert items[1].footnote_refs == ["1"]
    assert any(b.kind is BlockKind.QUOTE and b.text == "a quotation" for b in doc.blocks)
    assert any(b.kind is BlockKind.TABLE and b.text == "NL | free in" for b in doc.blocks)
    assert [(n.label, n.text) for n in doc.footnotes] == [
        ("1", "First source, 2020."),
        ("2", "Second source."),
    ]


PAGE = """<!doctype html><html lang="es-ES"><head><title>Niños detenidos</title>
<meta property="article:published_time" content="2024-05-02T10:00:00Z">
<script>document.write('tracking')</script><style>p{}</style></head><body>
<nav><ul><li>Inicio</li><li>Política</li></ul></nav>
<div class="cookie-banner">Usamos cookies</div>
<main><article><h1>Niños detenidos en Europa</h1>
<p>Varios países siguen deteniendo a menores<sup><a href="#fn-1" id="fnref-1">1</a></sup>.</p>
<h2>Polonia</h2><p>Los centros vigilados acogen familias.</p>
<ul><li>Primera medida</li><li>Segunda medida</li></ul>
<aside class="related">Artículos relacionados</aside></article></main>
<section class="footnotes" role="doc-endnotes"><ol>
<li id="fn-1">Informe anual, 2023. <a href="#fnref-1">↩</a></li></ol></section>
<footer>© Diario</footer><script>alert('x')</script></body></html>"""


def test_html_main_text_headings_and_footnotes() -> None:
    doc = parse_html(PAGE)
    texts = [b.text for b in doc.blocks]
    assert texts[0] == "Niños detenidos en Europa"
    assert "Varios países siguen deteniendo a menores." in texts
    assert not any(t in " ".join(texts) for t in ("cookies", "Inicio", "tracking", "alert", "©"))
    assert not any("relacionados" in t for t in texts)
    heading = next(b for b in doc.blocks if b.text == "Polonia")
    assert heading.kind is BlockKind.HEADING and heading.level == 2
    cited = next(b for b in doc.blocks if b.text.startswith("Varios"))
    assert cited.footnote_refs == ["1"]
    assert [(n.label, n.text) for n in doc.footnotes] == [("1", "Informe anual, 2023.")]
    assert doc.title == "Niños detenidos"
    assert doc.metadata["language"] == "es" and doc.metadata["date"].startswith("2024-05-02")


def test_html_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    page = tmp_path / "x.html"
    page.write_text(
        f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<html><body><p>before &xxe; after</p></body></html>"
    )
    doc = HtmlReader().read(page, Limits())
    assert "TOP-SECRET" not in " ".join(b.text for b in doc.blocks)


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("a.pdf", b"<html><body><p>x</p></body></html>", HTML),
        ("a.txt", b"%PDF-1.7\n%\xe2\xe3\n", PDF),
        ("a.md", b"just some words\n", MARKDOWN),
        ("a.html", b"plain words, no markup at all\n", TEXT),
        ("notes", b"# Title\n\nText\n\n## Part\n\n- a\n- b\n", MARKDOWN),
    ],
)
def test_sniffing_trusts_content_over_names(
    tmp_path: Path, name: str, content: bytes, mime: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert sniff(path).mime == mime


def test_registry_refuses_unreadable_kinds(tmp_path: Path) -> None:
    blob = tmp_path / "x.bin"
    blob.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ReadError, match="unrecognised binary"):
        choose(sniff(blob))
    empty = tmp_path / "e.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="empty"):
        choose(sniff(empty))

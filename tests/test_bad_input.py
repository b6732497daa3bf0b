"""Hostile and broken files: each fails alone, with a plain reason, and harms nothing else.

Every bad file is built here, in ``tmp_path``. Each is ingested *together with* a good file
into a store that already holds an earlier document; the run must not crash, the bad file
must be reported ``failed`` with a reason a person can act on and recorded as a failed
``ingestion`` row, the good file must be stored, the earlier document must be untouched and
``evidencia check`` must still find the store consistent.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import threading
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import docx
import pymupdf
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from evidencia.cli import app
from evidencia.config import Home
from evidencia.ingest import language
from evidencia.ingest.limits import Limits
from evidencia.ingest.pipeline import DUPLICATE, FAILED, OK, FileResult, Ingestor
from evidencia.store.check import check
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import Document, Footnote, Ingestion, Passage

PASSWD = Path("/etc/passwd")
needs_passwd = pytest.mark.skipif(
    not PASSWD.is_file() or "root:" not in PASSWD.read_text(errors="replace"),
    reason="no /etc/passwd with a root entry to try to leak",
)


# -- helpers ---------------------------------------------------------------------------------


@dataclass
class Earlier:
    """The document stored before the hostile run, and its passages as they were."""

    document_id: int
    passages: list[tuple[int, str]]


def ingest(
    store: Store, paths: Iterable[Path], limits: Limits | None = None
) -> dict[str, FileResult]:
    results = Ingestor(store, limits or Limits(), workers=2).run(
        list(paths), lambda _p: DocumentMeta()
    )
    by_path = {r.path: r for r in results}
    assert len(by_path) == len(results), f"one result per path expected: {results}"
    return by_path


def passages_of(store: Store, document_id: int) -> list[tuple[int, str]]:
    with store.session() as session:
        rows = session.execute(
            select(Passage.id, Passage.text)
            .where(Passage.document_id == document_id)
            .order_by(Passage.order)
        )
        return [(pid, text) for pid, text in rows]


def stored_text(store: Store) -> str:
    """Everything a search or a reader of the store could see, as one string."""
    with store.session() as session:
        parts = list(session.scalars(select(Passage.text)))
        parts += session.scalars(select(Footnote.text))
        parts += session.scalars(select(Document.title))
        parts += [json.dumps(m) for m in session.scalars(select(Document.meta))]
    return "\n".join(parts)


def write_good(folder: Path, name: str = "good.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"# Access to healthcare ({name})\n\n"
        "Undocumented migrants in the region could see a doctor only in emergencies, and "
        "clinics reported that fear of being reported to the police kept many away.\n",
        encoding="utf-8",
    )
    return path


def assert_isolated_failure(
    store: Store,
    earlier: Earlier,
    results: dict[str, FileResult],
    bad: Path | str,
    good: Path,
    reason: str,
) -> FileResult:
    """The bad file failed for ``reason`` (a regex), and nothing else was harmed."""
    result = results[str(bad)]
    assert result.status == FAILED, result
    assert result.error and re.search(reason, result.error, re.I), result.error
    assert result.document_id is None and result.passages == 0
    assert_good_and_consistent(store, earlier, results, good)
    with store.session() as session:
        rows = session.scalars(
            select(Ingestion).where(Ingestion.path == str(bad)).order_by(Ingestion.id)
        ).all()
        assert rows, f"no ingestion row for {bad}"
        assert rows[-1].status == FAILED
        assert rows[-1].error == result.error
        assert rows[-1].document_id is None
        assert rows[-1].finished_at is not None
        assert session.scalar(select(Document).where(Document.origin == str(bad))) is None
    return result


def assert_good_and_consistent(
    store: Store, earlier: Earlier, results: dict[str, FileResult], good: Path
) -> None:
    ok = results[str(good)]
    assert ok.status == OK, ok
    assert ok.document_id is not None and ok.passages >= 1
    assert len(passages_of(store, ok.document_id)) == ok.passages
    assert passages_of(store, earlier.document_id) == earlier.passages
    report = check(store)
    assert report.ok, report.problems
    assert not report.warnings, report.warnings
    with store.session() as session:
        assert not session.scalars(select(Ingestion).where(Ingestion.status == "running")).all()


@pytest.fixture
def earlier(store: Store, tmp_path: Path) -> Earlier:
    path = tmp_path / "earlier" / "earlier.md"
    path.parent.mkdir()
    path.write_text(
        "# Detention of children\n\n"
        "Children were held in the detention centre for up to forty days in 2023.\n\n"
        "## Recommendations\n\n"
        "Alternatives to detention must be used for every family with children.\n",
        encoding="utf-8",
    )
    result = ingest(store, [path])[str(path)]
    assert result.status == OK and result.document_id is not None
    passages = passages_of(store, result.document_id)
    assert len(passages) == result.passages >= 2
    return Earlier(result.document_id, passages)


def pdf_bytes(pages: int = 4, text: str = "The tribunal found the detention unlawful. ") -> bytes:
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page()
        page.insert_textbox(pymupdf.Rect(72, 72, 520, 770), f"Page {n + 1}. " + text * 30)
    data: bytes = doc.tobytes()
    doc.close()
    return data


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_bytes(text: str = "A legitimate paragraph about reception conditions.") -> bytes:
    buf = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(buf)
    return buf.getvalue()


def document_xml(inner: str, dtd: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"{dtd}<w:document {_W}><w:body><w:p><w:r><w:t>{inner}</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )


def docx_with(path: Path, parts: dict[str, str | bytes]) -> Path:
    """A real DOCX (made by python-docx) with some parts replaced."""
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes())) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for info in src.infolist():
            out.writestr(info.filename, parts.get(info.filename, src.read(info.filename)))
    return path


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    + "]>\n"
)
XXE = '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


# -- the hostile files -----------------------------------------------------------------------


def corrupt_pdf(d: Path) -> Path:
    path = d / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + random.Random(1).randbytes(8192))
    return path


def encrypted_pdf(d: Path) -> Path:
    path = d / "encrypted.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Confidential witness statement")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")
    doc.close()
    return path


def empty_file(d: Path) -> Path:
    path = d / "empty.md"
    path.write_bytes(b"")
    return path


def blank_text(d: Path) -> Path:
    path = d / "blank.txt"
    path.write_text(" \n\n\t \n" * 100)
    return path


def binary_named_txt(d: Path) -> Path:
    path = d / "notes.txt"
    path.write_bytes(b"\x00\x01\x02" + random.Random(2).randbytes(6000))
    return path


def zip_not_docx(d: Path) -> Path:
    path = d / "archive.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("minutes.txt", "Minutes of the network meeting.")
    return path


def docx_zip_bomb(d: Path) -> Path:
    # 30 MiB of spaces deflate to ~30 KiB: far past any real document's ratio.
    padded = document_xml("start" + " " * (30 * 2**20) + "end")
    return docx_with(d / "bomb.docx", {"word/document.xml": padded})


def docx_billion_laughs(d: Path) -> Path:
    return docx_with(d / "laughs.docx", {"word/document.xml": document_xml("&lol9;", LAUGHS)})


def docx_xxe(d: Path) -> Path:
    return docx_with(d / "xxe.docx", {"word/document.xml": document_xml("&xxe;", XXE)})


def docx_xxe_utf16(d: Path) -> Path:
    """The DTD hidden from a byte scan by encoding the part as UTF-16."""
    xml = document_xml("&xxe;", XXE).replace("UTF-8", "UTF-16").encode("utf-16")
    return docx_with(d / "xxe16.docx", {"word/document.xml": xml})


def docx_xxe_utf32(d: Path) -> Path:
    xml = document_xml("&xxe;", XXE).replace("UTF-8", "UTF-32").encode("utf-32")
    return docx_with(d / "xxe32.docx", {"word/document.xml": xml})


def docx_xxe_in_footnotes(d: Path) -> Path:
    """The payload in a part other than the main document."""
    xml = document_xml("&xxe;", XXE).replace("w:document", "w:footnotes")
    return docx_with(d / "xxe-notes.docx", {"word/styles.xml": xml})


def docx_truncated(d: Path) -> Path:
    data = docx_bytes()
    path = d / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    return path


def legacy_doc(d: Path) -> Path:
    """An OLE2 compound file: a legacy .doc, or a password-protected .docx."""
    path = d / "protected.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "corrupt-pdf": (corrupt_pdf, r"not a valid PDF|damaged"),
    "encrypted-pdf": (encrypted_pdf, r"encrypted.*password"),
    "empty-file": (empty_file, r"\bempty\b"),
    "blank-text": (blank_text, r"no text"),
    "binary-named-txt": (binary_named_txt, r"unrecognised binary"),
    "zip-not-docx": (zip_not_docx, r"ZIP archive that is not a DOCX"),
    "docx-zip-bomb": (docx_zip_bomb, r"zip bomb"),
    "docx-billion-laughs": (docx_billion_laughs, r"DTD or entities"),
    "docx-xxe": (docx_xxe, r"DTD or entities"),
    "docx-xxe-utf16": (docx_xxe_utf16, r"DTD or entities"),
    "docx-xxe-utf32": (docx_xxe_utf32, r"encoding"),
    "docx-xxe-other-part": (docx_xxe_in_footnotes, r"DTD or entities"),
    "docx-truncated": (docx_truncated, r"ZIP|DOCX|damaged"),
    "legacy-doc": (legacy_doc, r"legacy \.doc|password"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_file_fails_alone(store: Store, earlier: Earlier, tmp_path: Path, case: str) -> None:
    build, reason = CASES[case]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = build(bad_dir)
    good = write_good(tmp_path / "good")
    results = ingest(store, [bad, good])
    assert_isolated_failure(store, earlier, results, bad, good, reason)
    assert "root:x:0" not in stored_text(store)


def test_truncated_pdf_is_repaired_or_refused(
    store: Store, earlier: Earlier, tmp_path: Path
) -> None:
    data = pdf_bytes(pages=6)
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(data[: len(data) // 2])
    good = write_good(tmp_path / "good")
    results = ingest(store, [bad, good])
    result = results[str(bad)]
    if result.status == OK:  # MuPDF rebuilds what it can from a cut-off file
        assert result.passages >= 1
        assert any("tribunal" in t for _, t in passages_of(store, result.document_id or 0))
        assert_good_and_consistent(store, earlier, results, good)
    else:
        assert_isolated_failure(store, earlier, results, bad, good, r"PDF|damaged|truncated")


def test_pdf_over_the_page_limit(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    bad = tmp_path / "long.pdf"
    bad.write_bytes(pdf_bytes(pages=5))
    good = write_good(tmp_path / "good")
    results = ingest(store, [bad, good], Limits(max_pages=3))
    assert_isolated_failure(store, earlier, results, bad, good, r"too many pages.*limit")


def test_mislabelled_html_named_pdf_is_read_as_html(
    store: Store, earlier: Earlier, tmp_path: Path
) -> None:
    page = tmp_path / "report.pdf"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Service unavailable</title></head><body>"
        "<p>The report you asked for is temporarily unavailable on this server.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    good = write_good(tmp_path / "good")
    results = ingest(store, [page, good])
    result = results[str(page)]
    assert result.status == OK and result.reader == "html"
    texts = [t for _, t in passages_of(store, result.document_id or 0)]
    assert texts == ["The report you asked for is temporarily unavailable on this server."]
    assert_good_and_consistent(store, earlier, results, good)


def test_file_over_the_size_limit(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    bad = tmp_path / "huge.txt"
    bad.write_text("Paragraph about border procedures.\n\n" * 45_000)  # ~1.5 MiB
    good = write_good(tmp_path / "good")
    results = ingest(store, [bad, good], Limits(max_file_bytes=2**20))
    result = assert_isolated_failure(store, earlier, results, bad, good, r"over the limit")
    assert "1.5 MiB" in (result.error or "") and "1 MiB" in (result.error or "")


def test_text_over_the_character_limit(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    bad = tmp_path / "long.txt"
    bad.write_text("Paragraph about border procedures.\n\n" * 500)
    good = write_good(tmp_path / "good")
    results = ingest(store, [bad, good], Limits(max_text_chars=10_000))
    assert_isolated_failure(store, earlier, results, bad, good, r"too long")


def test_file_that_takes_too_long(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    language.detect("warm the model up in this process, so forked workers start warm")
    bad = tmp_path / "slow.md"
    bad.write_text(
        "# Slow\n\n"
        + "\n\n".join(f"Paragraph {i} about seasonal migrant workers." for i in range(20_000)),
        encoding="utf-8",
    )  # about 2 s of reading: far past the limit below
    good = write_good(tmp_path / "good")
    results = ingest(store, [good, bad], Limits(max_seconds=0.8))
    assert_isolated_failure(store, earlier, results, bad, good, r"longer than 0\.8 s")


def test_deeply_nested_html(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    bad = tmp_path / "nested.html"
    depth = 100_000
    bad.write_text(
        "<html><body>" + "<div>" * depth + "buried text" + "</div>" * depth + "</body></html>"
    )
    good = write_good(tmp_path / "good")
    results = ingest(store, [bad, good])
    assert_isolated_failure(store, earlier, results, bad, good, r"nest|deep|depth")


def test_deeply_nested_markdown(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    bad = tmp_path / "nested.md"
    bad.write_text(">" * 10_000 + " buried quote\n", encoding="utf-8")
    good = write_good(tmp_path / "good")
    results = ingest(store, [bad, good])
    assert_isolated_failure(store, earlier, results, bad, good, r"nest|deep|depth")


@pytest.mark.parametrize(
    ("name", "nested"),
    [
        ("nested-list.md", "- " * 60 + "deep item\n"),
        ("nested-quote.md", ">" * 60 + " deep quote\n"),
        ("nested-div.html", "<div>" * 300 + "deep text" + "</div>" * 300),
    ],
    ids=["markdown-list", "markdown-quote", "html-div"],
)
def test_deep_nesting_never_silently_drops_the_rest(
    store: Store, earlier: Earlier, tmp_path: Path, name: str, nested: str
) -> None:
    """Too deep to read is a failure to report, not text to lose without a word."""
    path = tmp_path / name
    before = "The first paragraph is ordinary."
    after = "The closing paragraph must not be lost."
    if name.endswith(".html"):
        path.write_text(f"<html><body><p>{before}</p>{nested}<p>{after}</p></body></html>")
    else:
        path.write_text(f"{before}\n\n{nested}\n{after}\n", encoding="utf-8")
    good = write_good(tmp_path / "good")
    results = ingest(store, [path, good])
    result = results[str(path)]
    if result.status == FAILED:
        assert_isolated_failure(store, earlier, results, path, good, r"nest|deep|depth")
    else:
        assert result.status == OK
        texts = " ".join(t for _, t in passages_of(store, result.document_id or 0))
        assert before in texts
        assert "deep" in texts, f"{name}: stored 'ok' but lost the nested text"
        assert after in texts, f"{name}: stored 'ok' but lost the text after the nesting"
        assert_good_and_consistent(store, earlier, results, good)


@needs_passwd
@pytest.mark.parametrize(
    "prolog",
    ["", '<?xml version="1.0" encoding="UTF-8"?>\n'],
    ids=["doctype-first", "xml-declaration"],
)
def test_html_with_external_entity(
    store: Store, earlier: Earlier, tmp_path: Path, prolog: str
) -> None:
    page = tmp_path / "xxe.html"
    page.write_text(
        f'{prolog}<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<html><body><p>Leaked: &xxe;</p>"
        "<p>An ordinary paragraph about the asylum procedure.</p></body></html>",
        encoding="utf-8",
    )
    good = write_good(tmp_path / "good")
    results = ingest(store, [page, good])
    result = results[str(page)]
    assert "root:x:0" not in stored_text(store)
    if result.status == FAILED:
        assert_isolated_failure(store, earlier, results, page, good, r"DOCTYPE|entit")
    else:
        assert result.status == OK
        assert result.reader == "html", "an (X)HTML page must be read as HTML, not as text"
        texts = " ".join(t for _, t in passages_of(store, result.document_id or 0))
        assert "asylum procedure" in texts
        assert "<!ENTITY" not in texts and "<p>" not in texts
        assert_good_and_consistent(store, earlier, results, good)


def test_symlinks_out_of_the_folder_are_not_followed(
    store: Store, earlier: Earlier, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.md"
    secret.write_text("# Private\n\nThe safe house is at 12 Hidden Street.\n")
    (outside / "more.md").write_text("# More\n\nAnother private note kept elsewhere.\n")
    folder = tmp_path / "corpus"
    good = write_good(folder)
    (folder / "link.md").symlink_to(secret)
    (folder / "linked-dir").symlink_to(outside, target_is_directory=True)
    (folder / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    direct = tmp_path / "direct-link.md"
    direct.symlink_to(secret)

    results = ingest(store, [folder, direct])
    for link in ("link.md", "linked-dir", "dangling.md"):
        assert_isolated_failure(store, earlier, results, folder / link, good, r"symbolic link")
    assert_isolated_failure(store, earlier, results, direct, good, r"symbolic link")
    assert set(results) == {
        str(good),
        str(direct),
        *(str(folder / n) for n in ("link.md", "linked-dir", "dangling.md")),
    }
    text = stored_text(store)
    assert "Hidden Street" not in text and "private note" not in text


def run_guarded(fn: Callable[[], dict[str, FileResult]], fifo: Path) -> dict[str, FileResult]:
    """Run ``fn`` in a thread; if it blocks on the FIFO, unblock it and fail the test."""
    box: dict[str, dict[str, FileResult] | BaseException] = {}

    def target() -> None:
        try:
            box["out"] = fn()
        except BaseException as exc:
            box["out"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=60)
    if thread.is_alive():
        # a reader stuck opening the FIFO waits for a writer: give it one, then EOF
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
        pytest.fail("ingesting a FIFO hung")
    out = box["out"]
    if isinstance(out, BaseException):
        raise out
    return out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_hanging(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    good = write_good(folder)
    fifo = folder / "pipe.md"
    os.mkfifo(fifo)
    results = run_guarded(lambda: ingest(store, [folder]), fifo)
    assert_isolated_failure(store, earlier, results, fifo, good, r"FIFO")
    other = write_good(tmp_path / "other", "other.md")
    results = run_guarded(lambda: ingest(store, [fifo, other]), fifo)
    assert_isolated_failure(store, earlier, results, fifo, other, r"FIFO")


def test_missing_path(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-report.pdf"
    good = write_good(tmp_path / "good")
    results = ingest(store, [missing, good])
    assert_isolated_failure(store, earlier, results, missing, good, r"no such file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    bad = tmp_path / "locked.md"
    bad.write_text("# Locked\n\nNobody may read this.\n")
    bad.chmod(0)
    good = write_good(tmp_path / "good")
    results = ingest(store, [bad, good])
    assert_isolated_failure(store, earlier, results, bad, good, r"permission denied")


def test_many_bad_files_in_one_run(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    """All the hostile files at once, in one folder, with one good file among them."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    bad = {build(folder): reason for build, reason in CASES.values()}
    good = write_good(folder)
    results = ingest(store, [folder])
    assert set(results) == {str(good), *map(str, bad)}
    for path, reason in bad.items():
        assert_isolated_failure(store, earlier, results, path, good, reason)


# -- duplicates ------------------------------------------------------------------------------


def test_same_file_twice_is_a_duplicate(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    good = write_good(tmp_path / "good")
    first = ingest(store, [good])[str(good)]
    assert first.status == OK
    second = ingest(store, [good])[str(good)]
    assert second.status == DUPLICATE
    assert second.document_id == first.document_id
    assert second.error and f"document {first.document_id}" in second.error
    with store.session() as session:
        assert session.scalars(select(Document.id).order_by(Document.id)).all() == [
            earlier.document_id,
            first.document_id,
        ]
        statuses = session.scalars(
            select(Ingestion.status).where(Ingestion.path == str(good)).order_by(Ingestion.id)
        ).all()
        assert statuses == [OK, DUPLICATE]
    assert check(store).ok


def test_same_content_under_two_names_in_one_run(
    store: Store, earlier: Earlier, tmp_path: Path
) -> None:
    a = write_good(tmp_path / "copies", "a.md")
    b = tmp_path / "copies" / "b.md"
    b.write_bytes(a.read_bytes())
    results = Ingestor(store, Limits(), workers=2).run([a, b, a], lambda _p: DocumentMeta())
    # duplicates are known before reading, so they may be reported before the original
    assert sorted((r.path, r.status) for r in results) == [
        (str(a), DUPLICATE),  # the same path given twice
        (str(a), OK),
        (str(b), DUPLICATE),
    ]
    dupes = [r for r in results if r.status == DUPLICATE]
    assert all("another file in this run" in (r.error or "") for r in dupes)
    with store.session() as session:
        docs = session.scalars(select(Document).where(Document.id != earlier.document_id)).all()
        assert len(docs) == 1 and docs[0].origin == str(a)
        rows = session.scalars(
            select(Ingestion.status).where(Ingestion.path.in_([str(a), str(b)]))
        ).all()
        assert sorted(rows) == [DUPLICATE, DUPLICATE, OK]
    assert passages_of(store, earlier.document_id) == earlier.passages
    assert check(store).ok


# -- the command line ------------------------------------------------------------------------


def json_lines(output: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    for line in lines:
        assert {"path", "status", "document_id", "passages", "error"} <= set(line)
    return lines


def test_cli_exit_codes_and_json(home: Path, tmp_path: Path, cli: CliRunner) -> None:
    folder = tmp_path / "corpus"
    good = write_good(folder)
    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    args = ["ingest", "--home", str(home), "--json", "--workers", "2"]

    result = cli.invoke(app, [*args, str(folder)])
    assert result.exit_code == 3, result.output
    lines = {line["path"]: line for line in json_lines(result.stdout)}
    assert set(lines) == {str(good), str(empty)}
    assert lines[str(good)]["status"] == OK and lines[str(good)]["passages"] == 1
    assert lines[str(empty)]["status"] == FAILED
    assert "empty" in str(lines[str(empty)]["error"])
    assert lines[str(empty)]["document_id"] is None

    result = cli.invoke(app, [*args, str(good)])
    assert result.exit_code == 0, result.output
    (line,) = json_lines(result.stdout)
    assert line["status"] == DUPLICATE
    assert line["document_id"] == lines[str(good)]["document_id"]

    other = write_good(tmp_path / "other", "other.md")
    result = cli.invoke(app, [*args, str(other)])
    assert result.exit_code == 0, result.output
    assert [line["status"] for line in json_lines(result.stdout)] == [OK]

    result = cli.invoke(app, [*args, str(tmp_path / "missing.md")])
    assert result.exit_code == 3
    (line,) = json_lines(result.stdout)
    assert line["status"] == FAILED and "No such file" in str(line["error"])

    result = cli.invoke(app, ["check", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "consistent" in result.stdout


@pytest.mark.parametrize(
    "bad_args",
    [
        ["--access", "secret"],
        ["--type", "novel"],
        ["--workers", "0"],
        ["--timeout", "0"],
        [],  # no paths and no manifest
    ],
)
def test_cli_usage_errors_exit_2(
    home: Path, tmp_path: Path, cli: CliRunner, bad_args: list[str]
) -> None:
    good = write_good(tmp_path / "good")
    paths = [str(good)] if bad_args else []
    result = cli.invoke(app, ["ingest", "--home", str(home), "--json", *bad_args, *paths])
    assert result.exit_code == 2, result.output
    store = Store(Home(home))
    try:
        with store.session() as session:
            assert session.scalar(select(Document.id)) is None
    finally:
        store.close()


def test_file_changed_while_it_is_ingested(store: Store, earlier: Earlier, tmp_path: Path) -> None:
    """A file saved again mid-ingest (a synced folder, an editor) must not leave an original
    whose bytes do not match the sha256 it is stored under."""
    path = write_good(tmp_path / "changing", "changing.md")

    def meta_for(p: Path) -> DocumentMeta:  # runs after hashing, before reading and copying
        if p == path:
            with path.open("a", encoding="utf-8") as fh:
                fh.write("\nA paragraph added by someone else while ingest was running.\n")
        return DocumentMeta()

    (result,) = Ingestor(store, Limits(), workers=2).run([path], meta_for)
    if result.status == FAILED:
        assert result.error and re.search(r"changed|modified", result.error, re.I)
    else:
        assert result.status == OK
    report = check(store)
    assert report.ok, report.problems
    assert passages_of(store, earlier.document_id) == earlier.passages

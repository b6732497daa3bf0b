"""Kill ``evidencia ingest`` with SIGKILL mid-run: the store stays consistent, and re-running
the same command completes the job with every file stored exactly once.

The ingest runs as a real subprocess in its own session, so the kill takes its reader
processes down with it, as a power cut or the OOM killer would.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymupdf
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from evidencia.cli import app
from evidencia.config import Home
from evidencia.ingest.pipeline import DUPLICATE, INTERRUPTED, OK, RUNNING
from evidencia.store.db import Store
from evidencia.store.schema import Document, Ingestion

pytestmark = pytest.mark.slow

SAMPLES = {
    "en": "the asylum seekers were held in detention while the court examined their appeal and "
    "the ministry refused to publish figures on deportations or on family reunion",
    "fr": "les demandeurs d'asile ont été placés en rétention pendant que le tribunal examinait "
    "leur recours et le ministère a refusé de publier les chiffres des expulsions",
    "de": "die Asylsuchenden wurden in Abschiebungshaft genommen während das Gericht ihre "
    "Beschwerde prüfte und das Ministerium weigerte sich die Zahlen zu veröffentlichen",
    "es": "los solicitantes de asilo fueron detenidos mientras el tribunal examinaba su recurso "
    "y el ministerio se negó a publicar las cifras de expulsiones y de reagrupación",
    "it": "i richiedenti asilo sono stati trattenuti mentre il tribunale esaminava il ricorso e "
    "il ministero ha rifiutato di pubblicare i dati sulle espulsioni e sui ricongiungimenti",
}
WORDS = {lang: sample.split() for lang, sample in SAMPLES.items()}
N_TEXT = 60
N_PDF = 6
N_FILES = N_TEXT + N_PDF
TEXT_BYTES = 30_000


def _paragraph(rng: random.Random, words: list[str]) -> str:
    sentences = []
    for _ in range(rng.randint(3, 6)):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 18)))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def make_corpus(root: Path) -> list[Path]:
    """Sixty ~30 KB Markdown and text files in five languages, plus a few PDFs."""
    rng = random.Random(20240611)
    root.mkdir()
    paths = []
    langs = sorted(WORDS)
    for i in range(N_TEXT):
        lang = langs[i % len(langs)]
        markdown = i % 2 == 0
        parts = [f"# Report {i} ({lang})" if markdown else f"Report {i} ({lang})"]
        size = 0
        while size < TEXT_BYTES:
            if markdown and len(parts) % 6 == 0:
                parts.append(f"## Section {len(parts)}")
            para = _paragraph(rng, WORDS[lang])
            parts.append(para)
            size += len(para) + 2
        path = root / f"{i:03d}-{lang}.{'md' if markdown else 'txt'}"
        path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        paths.append(path)
    for i in range(N_PDF):
        doc = pymupdf.open()
        for page_no in range(4):
            page = doc.new_page()
            text = " ".join(_paragraph(rng, WORDS["en"]) for _ in range(6))
            page.insert_textbox(pymupdf.Rect(72, 72, 520, 770), f"Annex {i}, page {page_no + 1}.")
            page.insert_textbox(pymupdf.Rect(72, 100, 520, 770), text, fontsize=10)
        path = root / f"annex-{i}.pdf"
        doc.save(path)
        doc.close()
        paths.append(path)
    return sorted(paths)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ingest_command(home: Path, corpus: Path) -> list[str]:
    return [
        sys.executable, "-m", "evidencia", "ingest", "--home", str(home), "--json",
        "--workers", "2", str(corpus),
    ]  # fmt: skip


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)
    lines.put(None)


def ingest_and_kill(home: Path, corpus: Path, after_ok: int) -> list[dict[str, object]]:
    """Start the ingest, SIGKILL its whole process group once ``after_ok`` files are stored."""
    proc = subprocess.Popen(
        ingest_command(home, corpus),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    seen: list[dict[str, object]] = []
    deadline = time.monotonic() + 40
    try:
        while sum(1 for r in seen if r["status"] == OK) < after_ok:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, f"ingest ended before it could be killed: {seen}"
            seen.append(json.loads(line))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    return seen


def ingest_to_the_end(home: Path, corpus: Path) -> tuple[int, list[dict[str, object]]]:
    done = subprocess.run(
        ingest_command(home, corpus), capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines() if line]


def check_ok(cli: CliRunner, home: Path) -> str:
    result = cli.invoke(app, ["check", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "problem:" not in result.output
    return result.output


def stored_shas(home: Path) -> list[str]:
    store = Store(Home(home))
    try:
        with store.session() as session:
            return list(session.scalars(select(Document.sha256)))
    finally:
        store.close()


def ingestion_counts(home: Path) -> dict[str, int]:
    store = Store(Home(home))
    try:
        with store.session() as session:
            rows = session.execute(
                select(Ingestion.status, func.count()).group_by(Ingestion.status)
            )
            return {status: n for status, n in rows}
    finally:
        store.close()


def test_sigkill_mid_ingest_then_rerun(tmp_path: Path, cli: CliRunner) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    assert len(corpus) == N_FILES
    by_path = {str(p): sha(p) for p in corpus}
    assert len(set(by_path.values())) == N_FILES
    home = tmp_path / "home"

    # First kill: a few documents in; second kill: a few more, on top of the first's leftovers.
    interrupted_expected = 0
    reported_ok: set[str] = set()
    for after_ok in (3, 5):
        before = set(stored_shas(home)) if home.exists() else set()
        seen = ingest_and_kill(home, tmp_path / "corpus", after_ok)
        for line in seen:
            assert line["path"] in by_path
            if line["status"] == DUPLICATE:  # stored by an earlier run
                assert by_path[str(line["path"])] in before
            else:
                assert line["status"] == OK, line
                assert by_path[str(line["path"])] not in before
                reported_ok.add(str(line["path"]))
        check_ok(cli, home)
        shas = stored_shas(home)
        assert len(shas) == len(set(shas)) >= len(reported_ok)
        assert {by_path[p] for p in reported_ok} <= set(shas)
        counts = ingestion_counts(home)
        assert counts.get(RUNNING, 0) >= 1, f"nothing was in flight when killed: {counts}"
        interrupted_expected += counts[RUNNING]
        assert counts.get(INTERRUPTED, 0) == interrupted_expected - counts[RUNNING]

    stored_before = set(stored_shas(home))
    assert len(stored_before) < N_FILES, "the kills came too late to test anything"
    code, lines = ingest_to_the_end(home, tmp_path / "corpus")
    assert code == 0, lines
    assert sorted(str(line["path"]) for line in lines) == sorted(by_path)
    for line in lines:
        was_stored = by_path[str(line["path"])] in stored_before
        assert line["status"] == (DUPLICATE if was_stored else OK), line
        assert line["document_id"] is not None
    assert {str(line["path"]) for line in lines if line["status"] == DUPLICATE} >= reported_ok

    shas = stored_shas(home)
    assert len(shas) == N_FILES
    assert set(shas) == set(by_path.values())
    output = check_ok(cli, home)
    assert "Store is consistent" in output
    counts = ingestion_counts(home)
    assert counts.get(RUNNING, 0) == 0
    assert counts[INTERRUPTED] == interrupted_expected
    assert counts[OK] == N_FILES


def test_two_ingests_of_the_same_folder_at_once(tmp_path: Path, cli: CliRunner) -> None:
    """Two people (or a cron job and a person) ingesting the same folder into one data
    directory: each file is stored once; the run that loses the race calls it a duplicate."""
    corpus = make_corpus(tmp_path / "corpus")[:20]
    for extra in set((tmp_path / "corpus").iterdir()) - set(corpus):
        extra.unlink()
    home = tmp_path / "home"
    home.mkdir()
    Store(Home(home)).close()  # migrate once, before the two runs race to do it
    command = ingest_command(home, tmp_path / "corpus")
    command[command.index("--workers") + 1] = "1"
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, [ln for ln in err.splitlines() if "Error" in ln][-1:]
    statuses: dict[str, list[object]] = {str(p): [] for p in corpus}
    for out, _err in outputs:
        for line in out.splitlines():
            record = json.loads(line)
            statuses[str(record["path"])].append(record["status"])
    for path, seen in statuses.items():
        assert sorted(map(str, seen)) == [DUPLICATE, OK], path
    assert sorted(stored_shas(home)) == sorted(sha(p) for p in corpus)
    check_ok(cli, home)
    assert ingestion_counts(home).get(RUNNING, 0) == 0

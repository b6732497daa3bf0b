"""The command line, driven as a user would: ingest, docs, show, search, check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from evidencia.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "health.md").write_text(
        "# Santé\n\nL'aide médicale urgente reste difficile d'accès pour les sans-papiers.\n"
    )
    (folder / "sub" / "work.txt").write_text(
        "Labour\n\nUndocumented workers who report wage theft risk detention and removal.\n"
    )
    (folder / "sub" / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00\xff" * 500)
    return folder


def test_ingest_json_lines_and_exit_codes(cli: CliRunner, home: Path, tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    result = cli.invoke(
        app, ["ingest", "--home", str(home), "--json", "--org", "Puentes", str(folder)]
    )
    assert result.exit_code == 3, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_name = {Path(line["path"]).name: line for line in lines}
    assert set(by_name) == {"health.md", "work.txt", "broken.pdf"}
    assert by_name["health.md"]["status"] == "ok" and by_name["health.md"]["passages"] == 1
    assert by_name["broken.pdf"]["status"] == "failed" and by_name["broken.pdf"]["error"]
    assert set(by_name["work.txt"]) >= {"path", "status", "document_id", "passages", "error"}

    again = cli.invoke(app, ["ingest", "--home", str(home), str(folder / "health.md")])
    assert again.exit_code == 0 and "1 duplicate" in again.stdout

    bad_option = cli.invoke(app, ["ingest", "--home", str(home), "--access", "secret", str(folder)])
    assert bad_option.exit_code == 2


def test_docs_show_search_check(cli: CliRunner, home: Path, tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    cli.invoke(app, ["ingest", "--home", str(home), str(folder)])
    docs = cli.invoke(app, ["docs", "--home", str(home)], env={"COLUMNS": "200"})
    assert docs.exit_code == 0 and "Santé" in docs.stdout

    found = cli.invoke(app, ["search", "--home", str(home), "--json", "aide medicale"])
    assert found.exit_code == 0
    [hit] = [json.loads(line) for line in found.stdout.splitlines()]
    assert {"document_id", "title", "page", "passage_id", "text", "snippet", "score"} <= set(hit)
    assert hit["title"] == "Santé" and "<mark>aide</mark>" in hit["snippet"]
    assert hit["language"] == "fr"

    shown = cli.invoke(app, ["show", "--home", str(home), str(hit["document_id"])])
    assert shown.exit_code == 0 and "aide médicale urgente" in shown.stdout
    assert cli.invoke(app, ["show", "--home", str(home), "999"]).exit_code == 1

    nothing = cli.invoke(app, ["search", "--home", str(home), "(( OR"])
    assert nothing.exit_code == 2 and "nothing to search" in nothing.output

    checked = cli.invoke(app, ["check", "--home", str(home)])
    assert checked.exit_code == 0 and "consistent" in checked.stdout


def test_home_from_environment(cli: CliRunner, home: Path, tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    result = cli.invoke(
        app, ["ingest", str(folder / "health.md")], env={"EVIDENCIA_HOME": str(home)}
    )
    assert result.exit_code == 0
    assert (home / "evidencia.db").is_file()


def test_cli_reference_is_current(tmp_path: Path) -> None:
    """docs/cli.md is generated from the real --help; regenerate it with `make docs`."""
    target = tmp_path / "cli.md"
    typer_cli = Path(sys.executable).with_name("typer")
    subprocess.run(
        [
            str(typer_cli),
            "evidencia.cli",
            "utils",
            "docs",
            "--name",
            "evidencia",
            "--output",
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    assert target.read_text() == (ROOT / "docs" / "cli.md").read_text(), "run `make docs`"

"""`evidencia serve`: the first run creates an administrator and prints its login once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from evidencia.cli import app


def test_first_run_prints_the_admin_login_once(
    home: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append({"app": app, **kw}))
    first = cli.invoke(app, ["serve", "--home", str(home), "--port", "8123"])
    assert first.exit_code == 0, first.output
    assert "admin@localhost" in first.output and "password:" in first.output
    assert "http://localhost:8123/" in first.output
    assert served[0]["host"] == "127.0.0.1" and served[0]["port"] == 8123
    again = cli.invoke(app, ["serve", "--home", str(home)])
    assert again.exit_code == 0 and "password:" not in again.output
    assert (home / "web-secret.key").is_file()

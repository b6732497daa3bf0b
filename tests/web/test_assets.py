"""Front-end files are vendored, recorded and served by the app itself: nothing comes from
a CDN, and the committed files are the ones VERSIONS.json describes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "evidencia" / "web"


def test_vendored_files_match_their_record() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "vendor_assets.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads((WEB / "static" / "vendor" / "VERSIONS.json").read_text())
    htmx = record["htmx.org"]
    assert htmx["version"] and htmx["integrity"].startswith("sha512-") and htmx["licence"]


def test_assets_are_served_locally(client: TestClient) -> None:
    html = client.get("/").text
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert sources and all(s.startswith("/static/") for s in sources)
    for source in sources:
        response = client.get(source)
        assert response.status_code == 200, source
    assert "javascript" in client.get("/static/vendor/htmx.min.js").headers["content-type"]


def test_no_external_addresses_in_templates_or_static() -> None:
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("static/*.*")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), path
        assert "cdn" not in text.lower(), path

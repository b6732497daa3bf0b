"""Uploading through the page and the API goes through the ingest pipeline: a PDF and a
Markdown file show their passages; a corrupt file shows its reason and can be retried."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from evidencia import accounts
from evidencia.access import Role
from evidencia.config import Home
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument
from evidencia.render.pdf import render_pdf
from evidencia.store.db import Store
from evidencia.web.app import create_app
from tests.web.conftest import CSRF, PASSWORD, login

MARKDOWN = b"""# Shelter rules

Undocumented people were turned away from the night shelter in Ghent because they had no
residence permit, although the city's own rules say shelters are open to everyone.
"""
CORRUPT = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> this is not a PDF at all"


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    home = tmp_path_factory.mktemp("upload-home")
    store = Store(Home(home))
    with store.session() as session:
        accounts.add_organisation(session, "Casa Abierta")
        accounts.create_user(session, email="up@example.org", password=PASSWORD, role=Role.STAFF)
        accounts.create_user(
            session,
            email="m@example.org",
            password=PASSWORD,
            role=Role.MEMBER,
            organisation="Casa Abierta",
        )
        session.commit()
    app = create_app(store, embed_uploads=False)
    yield app
    app.state.web.uploads.close()
    store.close()


@pytest.fixture(scope="module")
def pdf_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path: Path = tmp_path_factory.mktemp("pdf") / "labour.pdf"
    doc = ReadDocument(
        [
            Block("Seasonal work in the south", BlockKind.HEADING, level=1),
            Block(
                "Labour inspectors found seasonal workers without papers paid far below the "
                "legal minimum wage on three farms.",
                footnote_refs=["1"],
            ),
        ],
        [FootnoteDraft("1", "Inspection report, March 2024.")],
        title="Seasonal labour inspection",
    )
    render_pdf(doc, path)
    return path.read_bytes()


def wait_done(client: TestClient, location: str) -> str:
    for _ in range(300):
        html = client.get(location).text
        if "hx-trigger" not in html:
            return html
        time.sleep(0.2)
    raise AssertionError(f"upload {location} did not finish")


def test_upload_shows_passages_and_failures(upload_app: FastAPI, pdf_bytes: bytes) -> None:
    with TestClient(upload_app) as c:
        login(c, "up@example.org")
        token = CSRF.search(c.get("/upload").text).group(1)  # type: ignore[union-attr]
        response = c.post(
            "/upload",
            data={
                "csrf_token": token,
                "access": "network",
                "doc_type": "report",
                "organisation": "Casa Abierta",
            },
            files=[
                ("files", ("labour.pdf", pdf_bytes, "application/pdf")),
                ("files", ("shelter.md", MARKDOWN, "text/markdown")),
                ("files", ("broken.pdf", CORRUPT, "application/pdf")),
            ],
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        html = wait_done(c, response.headers["location"])
        assert re.search(r"labour\.pdf</span>:\s*<span class=\"file-status\">stored", html)
        assert re.search(r"shelter\.md</span>:\s*<span class=\"file-status\">stored", html)
        failed = html[html.index("broken.pdf") :]
        assert 'class="file-status">failed' in failed and 'class="reason">— ' in failed
        assert "Retry" in failed
        doc_link = re.search(r'<a href="(/documents/\d+)">\d+ passages?</a>', html)
        assert doc_link
        page = c.get(doc_link.group(1)).text
        assert "Labour inspectors found seasonal workers" in page or "night shelter" in page
        assert "Casa Abierta" in page and "network" in page
        # the failure is on the home page too, with its reason
        assert "broken.pdf" in c.get("/").text
        # retry: it fails again, for the same reason, and says so
        retry = re.search(r'action="(/upload/[^"]+/retry)"', failed)
        assert retry
        again = c.post(retry.group(1), data={"csrf_token": token}, follow_redirects=False)
        assert again.status_code == 303
        assert "broken.pdf" in wait_done(c, again.headers["location"])
    with TestClient(upload_app) as anonymous:  # network documents are not public
        assert anonymous.get(doc_link.group(1)).status_code == 404


def test_htmx_upload_answers_a_fragment(upload_app: FastAPI) -> None:
    with TestClient(upload_app) as c:
        login(c, "m@example.org")
        token = CSRF.search(c.get("/upload").text).group(1)  # type: ignore[union-attr]
        response = c.post(
            "/upload",
            data={"access": "restricted", "organisation": "someone else's"},
            files=[
                ("files", ("testimony.md", b"# Testimony\n\nI was afraid to go to the police.\n"))
            ],
            headers={"HX-Request": "true", "X-CSRF-Token": token},
        )
        assert response.status_code == 202
        assert response.text.lstrip().startswith('<div class="batch"')
        batch = re.search(r'hx-get="(/upload/[^"]+)"', response.text)
        assert batch
        html = wait_done(c, batch.group(1))
        assert "stored" in html
        doc = re.search(r'href="(/documents/\d+)"', html)
        assert doc
        page = c.get(doc.group(1)).text
        assert "Casa Abierta" in page  # a member's upload is always their organisation's
    with TestClient(upload_app) as other:
        login(other, "up@example.org")  # staff of the network: not Casa Abierta's testimony
        assert other.get(doc.group(1)).status_code == 404
        assert other.get(batch.group(1)).status_code == 404  # nor someone else's upload


def test_upload_form_errors(upload_app: FastAPI) -> None:
    with TestClient(upload_app) as c:
        login(c, "up@example.org")
        token = CSRF.search(c.get("/upload").text).group(1)  # type: ignore[union-attr]
        unknown_org = c.post(
            "/upload",
            data={"csrf_token": token, "organisation": "Nobody"},
            files=[("files", ("a.md", b"# A\n\nSome words here.\n"))],
        )
        assert unknown_org.status_code == 400 and "no organisation named" in unknown_org.text


def test_api_upload(upload_app: FastAPI) -> None:
    with TestClient(upload_app) as c:
        login(c, "up@example.org")
        token = CSRF.search(c.get("/").text).group(1)  # type: ignore[union-attr]
        bearer = c.post(
            "/api/v1/tokens", json={"label": "upload"}, headers={"X-CSRF-Token": token}
        ).json()["token"]
    with TestClient(upload_app) as script:
        auth = {"Authorization": f"Bearer {bearer}"}
        anonymous = script.post("/api/v1/uploads", files=[("files", ("x.md", b"# X\n\nY.\n"))])
        assert anonymous.status_code == 401
        response = script.post(
            "/api/v1/uploads",
            params={"wait": 60},
            data={"access": "public", "doc_type": "news"},
            files=[
                ("files", ("api.md", b"# API\n\nA news item about regularisation in Spain.\n")),
                ("files", ("bad.pdf", CORRUPT)),
            ],
            headers=auth,
        )
        assert response.status_code == 200, response.text
        batch = response.json()
        assert batch["done"] and [f["status"] for f in batch["files"]] == ["ok", "failed"]
        assert batch["files"][1]["error"]
        assert batch["files"][1]["retry_url"].startswith("/api/v1/uploads/")
        doc = batch["files"][0]["document_id"]
        passages = script.get(f"/api/v1/documents/{doc}/passages").json()
        assert "regularisation" in passages["items"][0]["text"]
        assert script.get(f"/api/v1/uploads/{batch['id']}", headers=auth).status_code == 200
        with TestClient(upload_app) as stranger:
            assert stranger.get(f"/api/v1/uploads/{batch['id']}").status_code == 401

"""axe-core on every main page, as the public, a member and an administrator see it.

axe-core (vendored from the npm registry: ``vendor/VERSIONS.json``) is injected into the
page as it is after loading; a ``serious`` or ``critical`` violation fails the test, the
``minor`` and ``moderate`` ones are listed at the end of the run and in
``var/screenshots/axe.json``. Each page is also saved as a screenshot.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from evidencia.store.db import Store
from evidencia.store.schema import Document, Passage
from tests.e2e.conftest import (
    AXE,
    AXE_FINDINGS,
    Console,
    describe,
    log_in,
    run_axe,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
CORRUPT = b"%PDF-1.4\n1 0 obj <<>> not a PDF"


def ids(store: Store) -> dict[str, int]:
    """The documents and passages the pages below are about."""
    with store.session() as session:

        def doc(title: str) -> int:
            found = session.scalar(select(Document.id).where(Document.title.startswith(title)))
            assert found is not None, title
            return int(found)

        french = doc("L'accès aux soins")
        passage = session.scalar(
            select(Passage.id).where(Passage.document_id == french).order_by(Passage.id)
        )
        assert passage is not None
        return {"french": french, "testimony": doc("Testimonio"), "passage": int(passage)}


#: name -> path (with {french}, {testimony}, {passage} filled in from the store)
ANONYMOUS = {
    "home": "/",
    "search": "/search?q=aide+m%C3%A9dicale+urgente",
    "search-filtered": "/search?q=police&country=ES",
    "search-empty": "/search",
    "documents": "/documents",
    "document": "/documents/{french}",
    "similar": "/passages/{passage}/similar",
    "countries": "/countries",
    "country": "/countries/FR",
    "framework": "/framework",
    "login": "/login",
    "not-found": "/documents/{testimony}",
    "home-fr": "/?ui=fr",
}
ADMIN = {
    "home": "/",
    "upload": "/upload",
    "account": "/account",
    "admin-users": "/admin/users",
    "review": "/review",
    "review-filtered": "/review?tag=health&order=confident",
    "tagger": "/admin/tagger",
    "document-restricted": "/documents/{testimony}",  # with the erase and export forms
    "search-restricted": "/search?q=salario",
    "audit": "/admin/audit",
    "audit-verified": "/admin/audit?verify=1",
    "audit-filtered": "/admin/audit?action=view&document={testimony}",
}
MEMBER = {
    "home": "/",
    "upload": "/upload",
    "search": "/search?q=miedo+a+denunciar",
    "document-own": "/documents/{testimony}",  # with the subject-access export form
}


class Tab:
    """One logged-in (or anonymous) browser tab shared by a role's pages."""

    def __init__(self, page: Page, console: Console, shots: Path, role: str) -> None:
        self.page, self.console, self.shots, self.role = page, console, shots, role

    def check(self, name: str, action: Callable[[Page], None]) -> None:
        action(self.page)
        self.page.screenshot(path=str(self.shots / f"{self.role}-{name}.png"), full_page=True)
        violations = run_axe(self.page)
        AXE_FINDINGS.extend(
            {"role": self.role, "page": name, "url": self.page.url, **v} for v in violations
        )
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"{self.role} {name} ({self.page.url}):\n{describe(blocking)}"
        assert not self.console.errors, "\n".join(self.console.errors)


def tab(browser: Browser, server: str, shots: Path, role: str, email: str | None) -> Iterator[Tab]:
    context = browser.new_context(
        base_url=server, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    console = Console()
    page = context.new_page()
    console.watch(page)
    if email:
        log_in(page, email)
    yield Tab(page, console, shots, role)
    context.close()


@pytest.fixture(scope="module")
def pages(e2e_store: Store) -> dict[str, int]:
    return ids(e2e_store)


@pytest.fixture(scope="module")
def anonymous(browser: Browser, server: str, shots: Path) -> Iterator[Tab]:
    yield from tab(browser, server, shots, "public", None)


@pytest.fixture(scope="module")
def admin(browser: Browser, server: str, shots: Path) -> Iterator[Tab]:
    yield from tab(browser, server, shots, "admin", "admin@example.org")


@pytest.fixture(scope="module")
def member(browser: Browser, server: str, shots: Path) -> Iterator[Tab]:
    yield from tab(browser, server, shots, "member", "ana@puentes.example")


def visit(path: str, known: dict[str, int]) -> Callable[[Page], None]:
    def go(page: Page) -> None:
        response = page.goto(path.format(**known))
        assert response is not None

    return go


def test_axe_is_the_vendored_release() -> None:
    record = json.loads(AXE.with_name("VERSIONS.json").read_text(encoding="utf-8"))["axe-core"]
    digest = "sha512-" + base64.b64encode(hashlib.sha512(AXE.read_bytes()).digest()).decode()
    assert record["files"]["axe.min.js"] == digest
    assert record["licence"] == "MPL-2.0"
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{record['version']}")


@pytest.mark.parametrize("name", ANONYMOUS)
def test_public_pages(anonymous: Tab, pages: dict[str, int], name: str) -> None:
    anonymous.check(name, visit(ANONYMOUS[name], pages))


@pytest.mark.parametrize("name", ADMIN)
def test_admin_pages(admin: Tab, pages: dict[str, int], name: str) -> None:
    admin.check(name, visit(ADMIN[name], pages))


@pytest.mark.parametrize("name", MEMBER)
def test_member_pages(member: Tab, pages: dict[str, int], name: str) -> None:
    member.check(name, visit(MEMBER[name], pages))


def test_upload_results_with_a_failure(admin: Tab, tmp_path: Path) -> None:
    """The upload page after a file failed (the live, htmx-updated results), then the
    batch's own page (the one without JavaScript)."""
    broken = tmp_path / "broken-upload.pdf"
    broken.write_bytes(CORRUPT)

    def send(page: Page) -> None:
        page.goto("/upload")
        page.set_input_files("#files", str(broken))
        page.locator("#upload-submit").click()
        page.wait_for_selector("#upload-results .file.status-failed .reason", timeout=60_000)

    admin.check("upload-failure", send)
    batch = admin.page.locator("#upload-results .batch").get_attribute("id")
    assert batch and batch.startswith("batch-")
    admin.check("upload-batch", visit(f"/upload/{batch.removeprefix('batch-')}", {}))


def test_login_error(anonymous: Tab) -> None:
    def wrong(page: Page) -> None:
        page.goto("/login")
        page.fill("#email", "nobody@example.org")
        page.fill("#password", "wrong password")
        page.press("#password", "Enter")
        page.wait_for_selector("#login-error")

    anonymous.check("login-error", wrong)


def test_axe_reports_what_it_should(anonymous: Tab) -> None:
    """The injection works: a page with known faults gets them reported (a silent axe
    would let every page above pass)."""
    page = anonymous.page
    page.goto("/login")
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.append(document.createElement('img'), document.createElement('button'));
        }"""
    )
    found = {v["id"]: v["impact"] for v in run_axe(page)}
    assert found.get("image-alt") == "critical" and found.get("button-name") == "critical", found

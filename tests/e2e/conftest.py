"""End-to-end fixtures: a real uvicorn server on a free loopback port over a small data
directory, and Debian's headless Chromium driven by Playwright (never a downloaded browser).

One server and one browser per test session; each test gets a fresh browser context (its own
cookies), so tests do not depend on one another's logins.

The data directory holds four demo documents in three languages (one of them a restricted
testimony), embedded with the real model so search by meaning works as in production and
tagged with themes by the shipped tagger, one file that failed to ingest, and one account
per role. Screenshots go to ``var/screenshots/``
(or ``$EVIDENCIA_SCREENSHOTS``), which git ignores.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
import uvicorn
import yaml
from argon2 import PasswordHasher
from typer.testing import CliRunner

from evidencia import accounts
from evidencia.access import Role
from evidencia.classify import rules
from evidencia.classify.shelf import Shelf
from evidencia.classify.tagging import tag_stored
from evidencia.cli import app as cli_app
from evidencia.config import Home
from evidencia.embed import registry
from evidencia.embed.run import embed_missing
from evidencia.ingest.pipeline import Ingestor
from evidencia.search.modes import Searcher
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.web.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Playwright,
        Response,
    )

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "demo" / "corpus"
CHROMIUM = Path(os.environ.get("EVIDENCIA_CHROMIUM", "/usr/bin/chromium"))
#: what these machines need to start Chromium (no sandbox as root, no GPU, no network calls
#: home); Playwright gives each launch a fresh --user-data-dir of its own
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("EVIDENCIA_SCREENSHOTS", ROOT / "var" / "screenshots"))
AXE = Path(__file__).with_name("vendor") / "axe.min.js"

PASSWORD = "a long test password for the browser"
#: email -> (role, organisation)
USERS: dict[str, tuple[Role, str | None]] = {
    "admin@example.org": (Role.ADMIN, None),
    "staff@example.org": (Role.STAFF, None),
    "ana@puentes.example": (Role.MEMBER, "Fundación Puentes (Madrid)"),
}
#: the demo documents served (a subset of demo/corpus/manifest.yaml, to keep embedding short)
DOCUMENTS = [
    "rapport-sante.pdf",
    "report-firewalls.pdf",
    "news-detention-children.html",
    "testimony-member-ana.txt",
]
BROKEN_NAME = "scanned-minutes.pdf"


def _needs(what: str) -> NoReturn:
    """Skip when the browser is not installed here, but fail in CI, where `make test`
    installs it (a green CI that ran no browser test would hide a broken install)."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI installs it with `make browser`)")
    pytest.skip(f"{what}: run `make browser`")


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    if not CHROMIUM.is_file():
        _needs(f"Chromium is not at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _needs("the Python package playwright is not installed (the dev extra)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def e2e_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A data directory with a few demo documents (embedded), a failure and the accounts."""
    missing = [name for name in DOCUMENTS if not (CORPUS / name).is_file()]
    if missing:
        pytest.skip(f"run `python demo/build.py` first: {', '.join(missing)}")
    home = tmp_path_factory.mktemp("e2e-home")
    entries = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
    chosen = [{**e, "path": str(CORPUS / e["path"])} for e in entries if e["path"] in DOCUMENTS]
    manifest = home.parent / "e2e-manifest.yaml"
    manifest.write_text(yaml.safe_dump(chosen, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(
        cli_app, ["ingest", "--home", str(home), "--manifest", str(manifest), "--workers", "2"]
    )
    assert result.exit_code == 0, result.output
    store = Store(Home(home))
    broken = home.parent / BROKEN_NAME
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> no cross-reference table")
    Ingestor(store, workers=1).run([broken], lambda _p: DocumentMeta())
    saved = accounts.HASHER  # cheap hashes: test accounts need not resist offline cracking
    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with store.session() as session:
        for email, (role, org) in USERS.items():
            if org and accounts.find_organisation(session, org) is None:
                accounts.add_organisation(session, org, "ES")
            accounts.create_user(
                session, email=email, password=PASSWORD, role=role, organisation=org
            )
        session.commit()
    accounts.HASHER = saved
    embed_missing(store, registry.get())
    # themes and outcomes by the tagger shipped with Evidencia (it reads the same vectors)
    tag_stored(store, Shelf(store.home).current(), rules.default(), backend=registry.get())
    yield store
    store.close()


@pytest.fixture(scope="session")
def server(e2e_store: Store) -> Iterator[str]:
    """The app under uvicorn on a loopback port chosen by the kernel; its base URL."""
    application = create_app(e2e_store, searcher=Searcher(e2e_store, registry.get()))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(application, log_level="warning", lifespan="on")
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the uvicorn server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=15)
    sock.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go; emptied at the start of each run so none is stale."""
    if SCREENSHOTS.is_dir():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


#: Chromium's console line for any 4xx/5xx answer, including the pages that are meant to be
#: one (a wrong password is a 401, a hidden document a 404): assets are checked by status
HTTP_STATUS_LINE = "Failed to load resource: the server responded with a status of"
ASSET_TYPES = {"stylesheet", "script", "image", "font", "xhr", "fetch"}


class Console:
    """What went wrong in the browser: a CSP violation or a script error on the console (the
    app promises no inline script or style), or a stylesheet, script or XHR that failed."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def _message(self, page: Page, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(HTTP_STATUS_LINE):
            self.errors.append(f"{page.url}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type in ASSET_TYPES:
            self.errors.append(f"{response.url}: HTTP {response.status}")

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: self._message(page, m))
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on("response", self._response)


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def context(browser: Browser, server: str) -> Iterator[BrowserContext]:
    made = browser.new_context(
        base_url=server,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        accept_downloads=True,
    )
    made.set_default_timeout(15_000)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext, console: Console) -> Iterator[Page]:
    opened = context.new_page()
    console.watch(opened)
    yield opened
    assert not console.errors, "errors on the browser console:\n" + "\n".join(console.errors)


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in with the keyboard, as a person would. The field is focused explicitly: autofocus
    is applied after the load event, and typing before it lost the first keys once under load
    (that autofocus works is the keyboard test's own assertion)."""
    page.goto("/login")
    page.locator("#email").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_selector("#account-link")


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (injected through the DevTools
    protocol, which the page's CSP does not govern: the app itself stays under its CSP)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return found


#: every violation axe found in this run, with the role and page it was found on
AXE_FINDINGS: list[dict[str, Any]] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The minor and moderate axe findings (the serious ones failed their test), by rule;
    all of them in ``axe.json`` beside the screenshots."""
    if not AXE_FINDINGS:
        return
    save_json("axe.json", AXE_FINDINGS)
    rules: dict[str, list[dict[str, Any]]] = {}
    for finding in AXE_FINDINGS:
        rules.setdefault(f"[{finding['impact']}] {finding['id']}", []).append(finding)
    terminalreporter.section("axe-core findings (minor and moderate do not fail)")
    for rule, found in sorted(rules.items()):
        where = ", ".join(f"{f['role']}/{f['page']} ({len(f['nodes'])}×)" for f in found)
        terminalreporter.write_line(f"{rule}: {found[0]['help']} — {where}")
    terminalreporter.write_line(f"all findings: {SCREENSHOTS / 'axe.json'}")


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [
            " ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
            for n in v["nodes"][:3]
        ]
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}×) {targets}")
    return "\n".join(lines)


def save_json(name: str, data: object) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / name).write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")

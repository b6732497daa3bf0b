"""The web app in a real browser: what a policy officer does on a working morning.

Headless Chromium (Debian's, driven by Playwright) against uvicorn on loopback: log in with
the keyboard, upload a PDF and read its passages, see why a corrupt file failed and retry
it, search in French and land on the cited passage, filter by country, switch the interface
to French, log out. Every step saves a screenshot under ``var/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument
from evidencia.render.pdf import render_pdf
from evidencia.store.db import Store
from evidencia.store.schema import Document
from tests.e2e.conftest import PASSWORD, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

CORRUPT = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> this is not a PDF at all"


def expect_url(page: Page, pattern: str) -> None:
    page.wait_for_url(re.compile(pattern))


def shoot(page: Page, shots: Path, name: str, *, full: bool = True) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=full)


def focused(page: Page) -> str:
    """What has the keyboard focus: its id, else its text."""
    found: str = page.evaluate(
        "() => document.activeElement.id || document.activeElement.textContent.trim()"
    )
    return found


def upload(page: Page, files: list[Path], *, access: str = "public") -> None:
    """Fill in the upload form and send it; app.js sends each file with a progress bar."""
    page.goto("/upload")
    page.set_input_files("#files", [str(f) for f in files])
    radio = page.locator(f"#access-{access}")
    radio.focus()
    radio.press("Space")
    page.select_option("#doc_type", "report")
    page.locator("#upload-submit").press("Enter")


def wait_for_batch(page: Page) -> None:
    """Until no file is waiting or being read (htmx polls the batch fragment)."""
    page.wait_for_function(
        """() => {
          const rows = document.querySelectorAll('#upload-results .file');
          const busy = ['.pending', '.status-queued', '.status-running']
            .map(s => '#upload-results ' + s).join(', ');
          return rows.length > 0 && !document.querySelector(busy);
        }""",
        timeout=60_000,
    )


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "inspection-greece.pdf"
    doc = ReadDocument(
        [
            Block("Seasonal work in Greece", BlockKind.HEADING, level=1),
            Block(
                "Labour inspectors in Greece found seasonal workers without papers paid far "
                "below the legal minimum wage on three farms near Manolada.",
                footnote_refs=["1"],
            ),
            Block(
                "None of the workers dared to file a complaint: they feared that the police "
                "would be told of their status."
            ),
        ],
        [FootnoteDraft("1", "Labour inspectorate, annual report 2024.")],
        title="Seasonal labour inspection in Greece",
    )
    render_pdf(doc, path)
    return path


def test_skip_link_and_keyboard_login_then_logout(page: Page, shots: Path) -> None:
    page.goto("/")
    shoot(page, shots, "home-anonymous")
    page.keyboard.press("Tab")
    assert focused(page) == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main") and focused(page) == "main"

    page.locator("#login-link").press("Enter")
    expect_url(page, r"/login$")
    assert focused(page) == "email"  # autofocus: typing goes straight into the form
    shoot(page, shots, "login")
    page.keyboard.type("staff@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("not the password")
    page.keyboard.press("Enter")
    alert = page.locator("#login-error")
    assert alert.get_attribute("role") == "alert"
    assert "wrong" in alert.inner_text()
    shoot(page, shots, "login-error")

    log_in(page, "staff@example.org", PASSWORD)
    assert page.locator("#account-link").inner_text() == "staff@example.org"
    assert page.locator(".role").inner_text() == "(staff)"
    assert page.get_by_role("link", name="Upload").is_visible()

    page.locator("#logout").press("Enter")
    page.wait_for_selector("#login-link")
    assert page.locator("#account-link").count() == 0
    page.goto("/upload")  # a page for logged-in people now asks to log in again
    expect_url(page, r"/login\?next=/upload$")


def test_upload_a_pdf_and_read_its_passages(page: Page, shots: Path, report_pdf: Path) -> None:
    log_in(page, "staff@example.org")
    upload(page, [report_pdf], access="network")
    wait_for_batch(page)
    row = page.locator("#upload-results .file", has_text=report_pdf.name)
    assert "stored" in row.locator(".file-status").inner_text()
    link = row.get_by_role("link", name=re.compile(r"\d+ passages?"))
    shoot(page, shots, "upload-stored")
    link.press("Enter")
    expect_url(page, r"/documents/\d+$")
    assert page.locator("h1").inner_text() == "Seasonal labour inspection in Greece"
    assert page.locator(".meta .badge").inner_text() == "network"
    passages = page.locator(".passage")
    assert passages.count() >= 2
    text = page.locator(".passages").inner_text()
    assert "Labour inspectors in Greece found seasonal workers" in text
    assert "annual report 2024" in text  # the footnote, under its passage
    assert page.locator(".passage .tag.country", has_text="GR").count() >= 1
    assert page.locator("#download-original").inner_text() == report_pdf.name
    shoot(page, shots, "document-uploaded")


def test_a_corrupt_file_fails_with_its_reason_and_can_be_retried(
    page: Page, shots: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "minutes-corrupt.pdf"
    broken.write_bytes(CORRUPT)
    notes = tmp_path / "shelter-notes.md"
    notes.write_text(
        "# Shelter notes\n\nThe night shelter in Ghent turned away people without a residence "
        "permit, although the city's rules say it is open to everyone.\n",
        encoding="utf-8",
    )
    log_in(page, "admin@example.org")
    upload(page, [broken, notes])
    wait_for_batch(page)
    failed = page.locator("#upload-results .file.status-failed", has_text=broken.name)
    assert failed.locator(".file-status").inner_text() == "failed"
    reason = failed.locator(".reason").inner_text()
    assert len(reason.strip(" —")) > 5, reason  # a reason a person can read, not just "failed"
    stored = page.locator("#upload-results .file.status-ok", has_text=notes.name)
    assert stored.count() == 1  # one bad file does not stop the others
    shoot(page, shots, "upload-failure")

    retry = failed.get_by_role("button", name=f"Retry {broken.name}")
    retry.focus()
    page.keyboard.press("Enter")  # htmx posts the retry and swaps the batch in place
    page.wait_for_selector("#upload-results .file.status-failed .reason")
    wait_for_batch(page)
    again = page.locator("#upload-results .file.status-failed", has_text=broken.name)
    assert again.locator(".reason").inner_text() == reason

    page.goto("/")
    failures = page.locator("#ingestion-failures")
    assert broken.name in failures.inner_text()
    row = failures.locator("tr", has_text=broken.name).first
    assert row.locator("td.reason").inner_text().strip()
    shoot(page, shots, "home-admin")


def test_search_in_french_and_open_the_cited_page(page: Page, shots: Path) -> None:
    page.goto("/")
    page.locator("#home-q").focus()
    page.keyboard.type("aide médicale urgente")
    page.keyboard.press("Enter")
    expect_url(page, r"/search\?q=aide\+m%C3%A9dicale\+urgente$")
    assert re.search(r"\d+ passages? found", page.locator("#results-heading").inner_text())
    assert page.locator(".notice").count() == 0  # the passages have vectors: hybrid search
    first = page.locator(".hit").first
    title = first.locator(".hit-title a")
    assert title.inner_text().startswith("L'accès aux soins")
    assert first.locator("mark").count() >= 1  # the words are highlighted
    cite = first.locator(".cite").inner_text()
    cited = re.search(r"p\. (\d+) · passage (\d+)", cite)
    assert cited, cite
    page_no, passage_id = cited.groups()
    shoot(page, shots, "search-results-fr")

    title.press("Enter")
    expect_url(page, rf"/documents/\d+#p-{passage_id}$")
    target = page.locator(":target")
    assert target.get_attribute("id") == f"p-{passage_id}"
    assert target.is_visible() and target.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }"
    )  # scrolled to the passage
    assert "aide médicale urgente" in target.inner_text().lower()
    section = page.locator("section.page", has=target)
    assert section.locator(".page-number").inner_text() == f"Page {page_no}"
    shoot(page, shots, "document-cited-passage", full=False)
    shoot(page, shots, "document")


def test_filter_by_country(page: Page, shots: Path) -> None:
    page.goto("/search?q=police")
    hits_before = page.locator(".hit").count()
    assert hits_before > 1
    spain = page.locator(".facet", has=page.locator("#facet-countries")).get_by_role(
        "link", name="Spain"
    )
    spain.press("Enter")
    expect_url(page, r"[?&]country=ES(&|$)")
    chip = page.locator(".active-filters .chip")
    assert chip.inner_text().startswith("Country: ES")
    assert page.locator('.facet a[aria-current="true"]', has_text="Spain").count() == 1
    shoot(page, shots, "search-filtered-es")
    chip.press("Enter")  # removing the filter
    expect_url(page, r"/search\?q=police$")

    # the filter control: the country's ISO code typed into the form
    page.locator("details.filters summary").press("Enter")
    page.locator("#f-country").fill("FR")
    page.locator("#f-country").press("Enter")
    expect_url(page, r"[?&]country=FR(&|$)")
    assert page.locator("#f-country").input_value() == "FR"
    for hit in page.locator(".hit").all():
        assert hit.locator(".tag.country", has_text="France").count() == 1

    # the country page, from the list of countries
    page.goto("/countries")
    page.get_by_role("link", name="France", exact=True).press("Enter")
    expect_url(page, r"/countries/FR$")
    assert page.locator("h1").inner_text().startswith("France")
    assert "L'accès aux soins" in page.locator("#docs-heading + .table-scroll").inner_text()
    shoot(page, shots, "country-fr")
    page.locator("#search-country").press("Enter")
    expect_url(page, r"/search\?country=FR$")
    assert page.locator(".hit").count() >= 1


def test_framework_tree(page: Page, shots: Path) -> None:
    page.goto("/framework")
    tree = page.locator("#framework-tree")
    assert tree.locator(".kind-area").count() >= 1
    assert tree.locator(".kind-outcome").count() >= 10
    assert tree.locator(".count").first.inner_text().endswith(("passage", "passages"))
    shoot(page, shots, "framework")


def test_interface_in_french(page: Page, shots: Path) -> None:
    page.goto("/search?q=detention")
    page.locator('.lang-nav a[hreflang="fr"]').press("Enter")
    page.wait_for_function("() => document.documentElement.lang === 'fr'")
    assert page.locator("h1").inner_text() != "Search the evidence"
    assert "q=detention" in page.url  # the search is kept
    page.goto("/")  # remembered in a cookie
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    shoot(page, shots, "home-fr")


def test_restricted_testimony_is_only_for_its_organisation(page: Page, e2e_store: Store) -> None:
    with e2e_store.session() as session:
        testimony = session.scalar(
            select(Document.id).where(Document.title.startswith("Testimonio"))
        )
    assert testimony is not None
    page.goto(f"/documents/{testimony}")
    assert page.locator("#error-title").inner_text() == "Not found"
    log_in(page, "ana@puentes.example")
    page.goto(f"/documents/{testimony}")
    assert page.locator(".meta .badge").inner_text() == "restricted"


PHONE_PAGES = [
    ("public", "/"),
    ("public", "/search?q=aide+m%C3%A9dicale+urgente"),
    ("public", "/framework"),
    ("public", "/documents"),
    ("admin", "/"),  # with the failures table
    ("admin", "/admin/users"),
]


@pytest.mark.parametrize(("role", "path"), PHONE_PAGES)
def test_a_phone_sized_screen_needs_no_sideways_scrolling(
    browser: Browser, server: str, shots: Path, role: str, path: str
) -> None:
    """Only a wide table may scroll sideways, inside its own box (a focusable link or
    button in it lets the keyboard reach what is out of view)."""
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        if role == "admin":
            log_in(page, "admin@example.org")
        page.goto(path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        name = path.strip("/").split("?")[0].replace("/", "-") or "home"
        shoot(page, shots, f"phone-{role}-{name}")
        wide = page.evaluate(
            """() => [...document.querySelectorAll('main *, header *')]
              .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
              .filter(e => !e.parentElement.closest('.table-scroll'))
              .slice(0, 5)
              .map(e => `${e.tagName}.${e.className} ${e.textContent.slice(0, 40)}`)"""
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than a 375px screen: {wide}"
        for box in page.locator(".table-scroll").all():
            scrolls = box.evaluate("e => e.scrollWidth > e.clientWidth")
            focusable = box.locator("a[href], button").count()
            assert not scrolls or focusable, f"{path}: a table scrolls with nothing to focus in it"
    finally:
        context.close()


def test_printing_keeps_the_evidence_and_its_citations(page: Page, shots: Path) -> None:
    page.goto("/search?q=aide+m%C3%A9dicale+urgente")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".facets").is_visible()
    title = page.locator(".hit-title a").first
    printed_after = title.evaluate("e => getComputedStyle(e, '::after').content")
    assert "/documents/" in printed_after  # the cited address is printed after the title
    notes = page.locator(".hit details.footnotes li").first  # footnotes print, though folded
    assert notes.is_visible() and notes.inner_text().strip()
    shoot(page, shots, "print-search")

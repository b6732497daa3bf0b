"""Every page renders, for the public and for each role, showing only what the viewer may
see; search takes its filters from the address; documents show passages and download."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from evidencia.store.db import Store
from tests.web.conftest import (
    ANA_TESTIMONY,
    JAN_TESTIMONY,
    NETWORK_BRIEFING,
    document_id,
    logged_in,
)

PAGES = [
    "/",
    "/search",
    "/search?q=police",
    "/documents",
    "/countries",
    "/countries/NL",
    "/framework",
    "/login",
]


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_render(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    html = response.text
    assert html.startswith("<!doctype html>")
    assert '<main id="main"' in html and 'class="skip-link" href="#main"' in html
    assert 'href="/static/print.css" media="print"' in html


def test_no_inline_script_on_any_page(client: TestClient) -> None:
    """The CSP forbids inline script; a page that had one would silently break."""
    for path in PAGES:
        html = client.get(path).text
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=", html), path  # no onclick= and the like


@pytest.mark.parametrize("email", ["admin@example.org", "staff@example.org", "ana@puentes.example"])
def test_pages_render_logged_in(web_app: FastAPI, email: str) -> None:
    with logged_in(web_app, email) as c:
        for path in [*PAGES[:-1], "/upload", "/account"]:
            response = c.get(path)
            assert response.status_code == 200, (path, response.text[:500])
            assert email in response.text


def test_home_counts_only_what_the_viewer_sees(client: TestClient, web_app: FastAPI) -> None:
    public = client.get("/").text
    assert ANA_TESTIMONY not in public
    assert "ingestion-failures" not in public  # the log is for the network's team
    with logged_in(web_app, "admin@example.org") as admin:
        html = admin.get("/").text
    assert "broken-report.pdf" in html
    failures = html[html.index('id="ingestion-failures"') :]
    assert re.search(r"broken-report\.pdf</td><td>failed</td><td class=\"reason\">[^<]+", failures)

    def count(page: str) -> int:
        found = re.search(r'id="corpus-size">(\d+) documents', page)
        assert found
        return int(found.group(1))

    assert count(html) > count(public)


def test_search_with_filters_in_the_address(client: TestClient) -> None:
    html = client.get("/search", params={"q": "police", "mode": "lexical"}).text
    assert "<mark>" in html and 'id="results"' in html
    everywhere = int(re.search(r"(\d+) passages? found", html).group(1))  # type: ignore[union-attr]
    narrowed = client.get(
        "/search", params={"q": "police", "mode": "lexical", "country": "NL"}
    ).text
    assert 'class="chip">Country: NL' in narrowed
    found = re.search(r"(\d+) passages? found", narrowed)
    assert found and 0 < int(found.group(1)) < everywhere
    # facets are links that add a filter to the same address
    assert 'href="/search?q=police&amp;mode=lexical&amp;country=NL"' in html


def test_hits_are_cited(client: TestClient) -> None:
    html = client.get("/search", params={"q": "Free in, Free out", "mode": "lexical"}).text
    hit = re.search(
        r'<li class="hit" id="hit-(\d+)">(.*?)</li>\s*(?=<li class="hit"|</ol>)', html, re.S
    )
    assert hit, html[:3000]
    body = hit.group(2)
    assert re.search(r'href="/documents/\d+#p-' + hit.group(1) + '"', body)
    assert "passage " + hit.group(1) in body


def test_browse_by_filter_without_query(client: TestClient) -> None:
    html = client.get("/search", params={"country": "ES"}).text
    found = re.search(r"(\d+) passages? found", html)
    assert found and int(found.group(1)) > 0


def test_bad_search_input_is_explained(client: TestClient) -> None:
    response = client.get(
        "/search", params={"q": "x", "since": "2024-05-01", "until": "2023-01-01"}
    )
    assert response.status_code == 400
    assert "since" in response.text


def test_document_page_and_original(client: TestClient, web_store: Store) -> None:
    doc = document_id(web_store, "L'accès aux soins")
    html = client.get(f"/documents/{doc}").text
    assert re.search(r'<div class="passage" id="p-\d+"', html)
    assert "Page 1" in html and 'class="passage-notes"' in html  # a PDF with footnotes
    original = client.get(f"/documents/{doc}/original")
    assert original.status_code == 200
    assert original.content.startswith(b"%PDF")
    assert original.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in original.headers["content-security-policy"]


def test_versions_are_listed(client: TestClient, web_store: Store) -> None:
    pdf = document_id(web_store, "Safe reporting for undocumented victims")
    html = client.get(f"/documents/{pdf}").text
    assert 'id="versions-heading"' in html


def test_restricted_document_is_not_found_for_the_public(
    client: TestClient, web_app: FastAPI, web_store: Store
) -> None:
    ana = document_id(web_store, ANA_TESTIMONY)
    jan = document_id(web_store, JAN_TESTIMONY)
    briefing = document_id(web_store, NETWORK_BRIEFING)
    for doc in (ana, jan, briefing):
        for path in (f"/documents/{doc}", f"/documents/{doc}/original"):
            response = client.get(path)
            assert response.status_code == 404, path
    missing = client.get("/documents/999999")
    assert missing.status_code == 404
    # the same answer for a hidden document and one that does not exist
    hidden = client.get(f"/documents/{ana}").text
    assert hidden.replace(f"/documents/{ana}", "/documents/999999") == missing.text
    with logged_in(web_app, "ana@puentes.example") as member:
        assert member.get(f"/documents/{ana}").status_code == 200
        assert member.get(f"/documents/{briefing}").status_code == 200
        assert member.get(f"/documents/{jan}").status_code == 404
    with logged_in(web_app, "staff@example.org") as staff:
        assert staff.get(f"/documents/{ana}").status_code == 404
    with logged_in(web_app, "admin@example.org") as admin:
        assert admin.get(f"/documents/{jan}").status_code == 200


def test_search_never_shows_hidden_passages(client: TestClient) -> None:
    html = client.get("/search", params={"q": "testimonio OR świadectwo", "mode": "lexical"}).text
    assert ANA_TESTIMONY not in html and JAN_TESTIMONY not in html


def test_passage_address_leads_to_its_anchor(client: TestClient) -> None:
    html = client.get("/search", params={"q": "firewall", "mode": "lexical"}).text
    pid = re.search(r'id="hit-(\d+)"', html).group(1)  # type: ignore[union-attr]
    response = client.get(f"/passages/{pid}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#p-{pid}")


def test_framework_tree_has_counts(client: TestClient) -> None:
    html = client.get("/framework").text
    assert 'id="framework-tree"' in html
    assert html.count('class="node kind-outcome"') >= 70
    assert "0 passages" in html


def test_country_page(client: TestClient) -> None:
    html = client.get("/countries/ES").text
    assert 'id="search-country"' in html and "Spain" in html
    assert re.search(r"(\d+) passages are about this country", html)
    assert ANA_TESTIMONY not in html
    assert client.get("/countries/not-a-code").status_code == 404


def test_upload_and_admin_need_a_login(client: TestClient, web_app: FastAPI) -> None:
    for path in ("/upload", "/account", "/admin/users"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    with logged_in(web_app, "staff@example.org") as staff:
        assert staff.get("/admin/users").status_code == 403
    with logged_in(web_app, "admin@example.org") as admin:
        html = admin.get("/admin/users").text
        assert "ana@puentes.example" in html


def test_admin_adds_a_user_who_can_log_in(web_app: FastAPI) -> None:
    from tests.web.conftest import CSRF, login

    with logged_in(web_app, "admin@example.org") as admin:
        token = CSRF.search(admin.get("/admin/users").text).group(1)  # type: ignore[union-attr]
        added = admin.post(
            "/admin/users",
            data={"email": "new@example.org", "role": "staff", "csrf_token": token},
        )
        assert added.status_code == 201
        password = re.search(r'id="new-password">([^<]+)<', added.text).group(1)  # type: ignore[union-attr]
    with TestClient(web_app) as fresh:
        login(fresh, "new@example.org", password)
        assert "new@example.org" in fresh.get("/").text


def test_logout(web_app: FastAPI) -> None:
    from tests.web.conftest import CSRF

    with logged_in(web_app, "staff@example.org") as staff:
        old_cookie = staff.cookies.get("evidencia_session")
        with TestClient(web_app) as copy:  # the cookie alone is the login...
            copy.cookies.set("evidencia_session", old_cookie or "")
            assert "staff@example.org" in copy.get("/").text
        token = CSRF.search(staff.get("/").text).group(1)  # type: ignore[union-attr]
        staff.post("/logout", data={"csrf_token": token})
        assert "staff@example.org" not in staff.get("/").text
    with TestClient(web_app) as thief:  # ...until logout revokes it, not only replaces it
        assert old_cookie
        thief.cookies.set("evidencia_session", old_cookie or "")
        assert "staff@example.org" not in thief.get("/").text

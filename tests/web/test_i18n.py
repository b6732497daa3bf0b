"""English and French: chosen by the browser or by the visitor, complete catalogues, compiled
files that match their sources, and every template string marked for translation."""

from __future__ import annotations

import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from evidencia.web import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_french_by_accept_language(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"})
    assert response.headers["content-language"] == "fr"
    html = response.text
    assert '<html lang="fr">' in html
    assert "Les preuves en un coup d’œil" in html and "Aller au contenu principal" in html
    search = client.get(
        "/search", params={"q": "police", "mode": "lexical"}, headers={"Accept-Language": "fr"}
    ).text
    assert re.search(r"\d+ passages trouvés", search) and "Affiner" in search


def test_choice_in_the_address_is_remembered(client: TestClient) -> None:
    chosen = client.get("/", params={"ui": "fr"}, headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in chosen.text
    assert "evidencia_lang=fr" in chosen.headers.get("set-cookie", "")
    later = client.get("/framework", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in later.text and "Cadre stratégique" in later.text
    back = client.get("/", params={"ui": "en"})
    assert '<html lang="en">' in back.text


def test_unknown_languages_fall_back_to_english(client: TestClient) -> None:
    html = client.get("/", headers={"Accept-Language": "xx, tlh;q=0.8"}).text
    assert '<html lang="en">' in html


def test_errors_are_translated(client: TestClient) -> None:
    html = client.get("/documents/999999", headers={"Accept-Language": "fr"}).text
    assert "Introuvable" in html and "Il n’y a pas de document portant ce numéro" in html


def test_accept_language_parsing() -> None:
    assert i18n.parse_accept_language("de;q=0.3, fr-CA, en;q=0.8") == ["fr", "en", "de"]
    assert i18n.parse_accept_language("*, en;q=0") == []
    assert i18n.choose(None, None, "de, fr;q=0.5") == "fr"


def _key(value: object) -> object:
    return value if isinstance(value, str) else tuple(value)  # type: ignore[call-overload]


def _done(value: object) -> bool:
    return bool(value) if isinstance(value, str) else all(value)  # type: ignore[call-overload]


@pytest.mark.parametrize("lang", sorted(i18n.LANGUAGES))
def test_compiled_catalogue_matches_its_source(lang: str) -> None:
    """The .mo shipped is the .po compiled (`pybabel compile -d src/evidencia/web/locales`)."""
    folder = i18n.LOCALES / lang / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = read_po(handle, locale=lang)
    compiled = read_mo(BytesIO((folder / "messages.mo").read_bytes()))
    wanted = {_key(m.id): _key(m.string) for m in source if m.id and _done(m.string)}
    shipped = {_key(m.id): _key(m.string) for m in compiled if m.id}
    for key, value in wanted.items():
        assert shipped.get(key) == value, key
    for key, value in shipped.items():  # Babel writes untranslated plurals as themselves
        assert key in wanted or value == key, key


def test_french_is_complete_and_current(tmp_path: Path) -> None:
    """Every string the code and templates mark is in the French catalogue, translated."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with (i18n.LOCALES / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        french = read_po(handle, locale="fr")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in french
        if m.id and _done(m.string) and not m.fuzzy
    }
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated (run pybabel extract/update, then translate): {missing}"


def test_templates_have_no_untranslated_prose() -> None:
    """A crude guard: text between tags in templates is a placeholder, not English words."""
    templates = (ROOT / "src" / "evidencia" / "web" / "templates").glob("*.html")
    for template in templates:
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", "\n", text)
        for line in text.splitlines():
            words = re.findall(r"[A-Za-z]{3,}", line)
            assert not words or line.strip(" ·") == "Evidencia", (template.name, line.strip())

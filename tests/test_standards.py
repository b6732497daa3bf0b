"""The standards catalogue: it loads, its identifiers are well formed, its names resolve,
and a broken file is refused with the file and the field named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evidencia import framework
from evidencia.standards import Catalogue, CatalogueError, catalogue, load_file, name_key, parse

REQUIRED = {
    "32012L0029": "directive",  # Victims' Rights Directive
    "32008L0115": "directive",  # Return Directive
    "32009L0052": "directive",  # Employer Sanctions Directive
    "32002L0090": "directive",  # Facilitation Directive
    "32011L0098": "directive",  # Single Permit Directive
    "32024L1233": "directive",  # Single Permit recast
    "32014L0036": "directive",  # Seasonal Workers Directive
    "32016R0399": "regulation",  # Schengen Borders Code
    "32024R1717": "regulation",  # its 2024 amendment
    "32018R1240": "regulation",  # ETIAS
    "32017R2226": "regulation",  # EES
    "32013R0603": "regulation",  # Eurodac 2013
    "32024R1358": "regulation",  # Eurodac 2024
    "32019R0817": "regulation",  # interoperability, borders and visa
    "32019R0818": "regulation",  # interoperability, police and asylum
    "32024R1689": "regulation",  # AI Act
    "32016R0679": "regulation",  # GDPR
    "32016L0680": "directive",  # Law Enforcement Directive
    "32011L0036": "directive",  # Anti-Trafficking Directive
    "32013L0033": "directive",  # Reception Conditions Directive
    "32013L0032": "directive",  # Asylum Procedures Directive
    "32024R1348": "regulation",  # Asylum Procedure Regulation
    "32024R1351": "regulation",  # Asylum and Migration Management Regulation
    "32001F0220": "framework_decision",
    "CETS 210": "convention",  # Istanbul Convention
    "CETS 005": "convention",  # ECHR
    "CETS 035": "charter",  # European Social Charter
    "UN-CRC": "convention",
    "UN-ICRMW": "convention",
    "A/RES/76/172": "un_resolution",
    "A/RES/73/195": "un_resolution",  # Global Compact for Migration
    "A/RES/76/266": "un_resolution",  # IMRF Progress Declaration
}


def test_catalogue_loads_with_the_required_instruments() -> None:
    cat = catalogue()
    assert len(cat.instruments) >= 80
    for key, kind in REQUIRED.items():
        entry = cat.get(key)
        assert entry is not None, key
        assert entry.kind == kind, key
        assert entry.url.startswith("https://")
    assert catalogue() is cat  # read once


def test_eu_acts_have_consistent_celex_dates_and_urls() -> None:
    for inst in catalogue().instruments:
        if not re.fullmatch(r"3\d{4}[LRDF]\d{4}", inst.id):
            continue
        assert inst.url.endswith(f"CELEX:{inst.id}")
        assert inst.adopted is not None and inst.adopted.year == int(inst.id[1:5]), inst.id
        number = str(int(inst.id[6:]))
        assert f"{inst.id[1:5]}/{number}" in inst.title or f"{number}/{inst.id[1:5]}" in inst.title


def test_un_texts_link_to_the_official_document_system() -> None:
    for key in ("A/RES/76/172", "A/RES/73/195", "A/RES/76/266"):
        entry = catalogue().get(key)
        assert entry is not None and entry.url == f"https://undocs.org/{key}"


def test_global_compact_has_its_23_objectives() -> None:
    gcm = catalogue().get("A/RES/73/195")
    assert gcm is not None
    assert [o.number for o in gcm.objectives] == list(range(1, 24))
    assert all(o.paragraph == str(16 + o.number) for o in gcm.objectives)
    seven = gcm.objective(7)
    assert seven is not None and seven.paragraph == "23"
    assert seven.title == "Address and reduce vulnerabilities in migration"
    assert "Global Compact for Migration" in gcm.short_names


def test_resolution_76_172_has_the_paragraphs_the_submission_answers() -> None:
    res = catalogue().get("A/RES/76/172")
    assert res is not None and res.adopted is not None
    assert res.adopted.isoformat() == "2021-12-16"
    assert {p.id for p in res.paragraphs} >= {"4(b)", "4(c)", "5(e)", "5(i)", "6(d)", "6(e)"}
    paragraph = res.paragraph("4(b)")
    assert paragraph is not None and "justice" in paragraph.themes
    progress = catalogue().get("A/RES/76/266")
    assert progress is not None and progress.paragraph("59") is not None


def test_every_short_name_resolves_to_its_instrument() -> None:
    cat = catalogue()
    for inst in cat.instruments:
        for name in inst.short_names:
            assert cat.resolve_name(name) == (inst.id,), name
            assert cat.resolve_name(name.upper()) == (inst.id,), name
    for group in cat.groups:
        for name in group.names:
            assert cat.resolve_name(name) == tuple(group.members)
    assert cat.resolve_name("Victims Directive") == ("32012L0029",)
    assert cat.resolve_name("interoperability regulations") == ("32019R0817", "32019R0818")
    assert cat.resolve_name("no such instrument") == ()


def test_aliases_and_relations_resolve() -> None:
    cat = catalogue()
    gnandi = cat.get("C-181/16")
    assert gnandi is not None and gnandi.id == "ECLI:EU:C:2018:465"
    joint = cat.get("CRC/C/GC/23")
    assert joint is not None and joint.id == "CMW/C/GC/4-CRC/C/GC/23"
    pact = cat.get("EU-PACT-2024")
    assert pact is not None and "32024R1358" in pact.members
    recast = cat.get("32024R1358")
    assert recast is not None and recast.replaces == ["32013R0603"]


def test_themes_are_the_networks_own() -> None:
    allowed = {theme.id for theme in framework.default().themes}
    for inst in catalogue().instruments:
        assert set(inst.themes) <= allowed


def test_name_key_ignores_case_spacing_apostrophes_and_hyphens() -> None:
    assert name_key("Victims’ Directive") == name_key("victims directive")
    assert name_key("Istanbul-Konvention") == name_key("Istanbul Konvention")
    assert name_key("Entry/Exit System") == name_key("Entry-Exit System")


GOOD = """
instruments:
  - id: 32008L0115
    kind: directive
    title: Directive 2008/115/EC on returning illegally staying third-country nationals
    short_names: [Return Directive]
    adopted: 2008-12-16
    url: https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32008L0115
"""


def test_a_minimal_file_parses() -> None:
    cat = parse(GOOD, "mini.yaml")
    assert isinstance(cat, Catalogue)
    assert cat.resolve_name("return directive") == ("32008L0115",)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("adopted: 2008-12-16", "adopted: sometime in 2008"), "adopted"),
        (("kind: directive", "kind: recommendation"), "kind"),
        (("    url: https://", "    colour: red\n    url: https://"), "colour"),
        (("url: https://", "url: http://"), "url"),
        (("id: 32008L0115", "id: 32008R0115"), "32008R0115"),
    ],
)
def test_an_invalid_file_names_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    path = tmp_path / "broken-standards.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert field in message
    assert "instruments[" in message


def test_duplicate_names_and_unknown_members_are_refused() -> None:
    twice = GOOD + GOOD.split("instruments:\n", 1)[1].replace("32008L0115", "32008L0116")
    with pytest.raises(CatalogueError, match="Return Directive"):
        parse(twice.replace("2008/115", "2008/116"), "twice.yaml")
    group = GOOD + "groups:\n  - {id: pair, names: [both], members: [32008L0115, 32099L0001]}\n"
    with pytest.raises(CatalogueError, match="32099L0001"):
        parse(group, "group.yaml")


def test_unreadable_yaml_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("instruments: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bad\.yaml"):
        load_file(path)
    with pytest.raises(CatalogueError, match=r"missing\.yaml"):
        load_file(tmp_path / "missing.yaml")

"""The instruments enricher: EU acts in every language normalised to CELEX, catalogue names,
UN symbols with their paragraphs, judgments, and the look-alike numbers it must leave alone."""

from __future__ import annotations

import pytest

from evidencia.enrich import registry
from evidencia.enrich.base import Mention, TextUnit
from evidencia.enrich.instruments import (
    InstrumentEnricher,
    celex,
    celex_url,
    ecli_url,
    eu_citation,
)
from tests.conftest import SUBMISSION, needs_seeds


@pytest.fixture(scope="module")
def enricher() -> InstrumentEnricher:
    return InstrumentEnricher()


def keys(enricher: InstrumentEnricher, text: str) -> set[str]:
    return {m.key for m in enricher.find(text)}


def paragraphs(mentions: list[Mention]) -> set[str]:
    return {f"{m.key} {m.attrs['paragraph']}" for m in mentions if "paragraph" in m.attrs}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Directive 2012/29/EU", {"32012L0029"}),
        ("Die Richtlinie 2009/52/EG verpflichtet", {"32009L0052"}),
        ("la directive 2008/115/CE", {"32008L0115"}),
        ("El Reglamento (UE) 2018/1240", {"32018R1240"}),
        ("Regulation (EC) No 562/2006", {"32006R0562"}),
        ("Regulations (EU) 2019/817 and (EU) 2019/818", {"32019R0817", "32019R0818"}),
        ("Council Framework Decision 2001/220/JHA", {"32001F0220"}),
        ("Verordnung (EU) Nr. 604/2013", {"32013R0604"}),
        ("dyrektywa 2008/115/WE", {"32008L0115"}),
        ("rozporządzenie (UE) 2016/679", {"32016R0679"}),
        ("Οδηγία 2012/29/ΕΕ", {"32012L0029"}),
        ("směrnice 2008/115/ES", {"32008L0115"}),
        ("smernica 2008/115/ES", {"32008L0115"}),
        ("a 2008/115/EK irányelv", {"32008L0115"}),
        ("direktiivi 2008/115/EY", {"32008L0115"}),
        ("direktiv 2008/115/EG", {"32008L0115"}),
        ("direttiva 2008/115/CE", {"32008L0115"}),
        ("Richtlijn 2008/115/EG", {"32008L0115"}),
        ("Diretiva 2008/115/CE", {"32008L0115"}),
        ("Directiva 2008/115/CE a Parlamentului European", {"32008L0115"}),
        ("Директива 2008/115/ЕО", {"32008L0115"}),
        ("Direktīva 2008/115/EK", {"32008L0115"}),
        ("direktyva 2008/115/EB", {"32008L0115"}),
        ("direktiiv 2008/115/EÜ", {"32008L0115"}),
        ("Direktiva 2008/115/EZ", {"32008L0115"}),
        ("Id-Direttiva 2008/115/KE", {"32008L0115"}),
        ("Treoir 2008/115/CE", {"32008L0115"}),
        ("Κανονισμός (ΕΕ) αριθ. 604/2013", {"32013R0604"}),
        ("Регламент (ЕС) № 604/2013", {"32013R0604"}),
        ("asetuksen (EU) N:o 604/2013", {"32013R0604"}),
        ("604/2013/EU rendelet", {"32013R0604"}),
        ("Nařízení Evropského parlamentu a Rady (EU) 2016/679", {"32016R0679"}),
        ("Der Rahmenbeschluss 2002/584/JI", {"32002F0584"}),
        ("la décision-cadre 2001/220/JAI", {"32001F0220"}),
        ("Council Implementing Decision (EU) 2022/382", {"32022D0382"}),
        ("Decision No 1082/2013/EU", {"32013D1082"}),
        ("Directives 2004/81/EC and 2011/36/EU", {"32004L0081", "32011L0036"}),
        ("Directive 93/104/EC", {"31993L0104"}),
        ("Regulation (EEC) No 1612/68", {"31968R1612"}),
        ("Regulation (EU) 2019/1896", {"32019R1896"}),
        ("Regulation (EC) No 1987/2006", {"32006R1987"}),
        ("Regulation 1030/2002", {"32002R1030"}),
        ("Article 6(1) of Directive 2008/115", {"32008L0115"}),
        ("amending Regulation \\(EU\\) 2016/399", {"32016R0399"}),
    ],
)
def test_eu_acts_in_every_language(
    enricher: InstrumentEnricher, text: str, expected: set[str]
) -> None:
    assert keys(enricher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Return Directive", {"32008L0115"}),
        ("Die Rückführungsrichtlinie", {"32008L0115"}),
        ("la directive retour", {"32008L0115"}),
        ("la Directiva de retorno", {"32008L0115"}),
        ("The Victims' Directive", {"32012L0029"}),
        ("The Victims’ Directive", {"32012L0029"}),
        ("the Employer Sanctions Directive", {"32009L0052"}),
        ("the Schengen Borders Code", {"32016R0399"}),
        ("der Schengener Grenzkodex", {"32016R0399"}),
        ("the AI Act", {"32024R1689"}),
        ("ETIAS", {"32018R1240"}),
        ("EURODAC", {"32024R1358"}),
        ("the Single Permit Directive", {"32011L0098"}),
        ("the Istanbul Convention", {"CETS 210"}),
        ("die Istanbul-Konvention", {"CETS 210"}),
        ("la Convention d'Istanbul", {"CETS 210"}),
        ("Konwencja stambulska", {"CETS 210"}),
        ("the interoperability regulations", {"32019R0817", "32019R0818"}),
        ("the EU's Regulations on Interoperability", {"32019R0817", "32019R0818"}),
        ("die DSGVO", {"32016R0679"}),
        ("le RGPD", {"32016R0679"}),
        ("the Pact on Migration and Asylum", {"EU-PACT-2024"}),
        ("the Global Compact for Safe, Orderly and Regular Migration", {"A/RES/73/195"}),
        ("the Progress Declaration", {"A/RES/76/266"}),
        ("the UN Convention on the Rights of the Child", {"UN-CRC"}),
    ],
)
def test_names_from_the_catalogue(
    enricher: InstrumentEnricher, text: str, expected: set[str]
) -> None:
    assert keys(enricher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rozporządzenie wykonawcze Komisji (UE) 2022/1", {"32022R0001"}),
        ("Reglamento de Ejecución (UE) 2022/1", {"32022R0001"}),
        ("règlement délégué (UE) 2022/1", {"32022R0001"}),
        # words that are not an institution's or an implementing act's do not bridge
        ("The Directive refers to (EU) 2016/679.", {"32016R0679"}),
    ],
)
def test_words_between_act_and_number(
    enricher: InstrumentEnricher, text: str, expected: set[str]
) -> None:
    assert keys(enricher, text) == expected


def test_acronyms_keep_their_case(enricher: InstrumentEnricher) -> None:
    assert keys(enricher, "the ai act") == set()
    assert keys(enricher, "etias") == set()
    assert keys(enricher, "the return directive") == {"32008L0115"}


def test_mention_fields_and_offsets(enricher: InstrumentEnricher) -> None:
    text = "Under Regulation (EU) 2016/399 and the Return Directive, see A/RES/76/172."
    found = enricher.find(text)
    spans = {m.key: text[m.start : m.end] for m in found}
    assert spans == {
        "32016R0399": "Regulation (EU) 2016/399",
        "32008L0115": "Return Directive",
        "A/RES/76/172": "A/RES/76/172",
    }
    by_key = {m.key: m for m in found}
    sbc = by_key["32016R0399"]
    assert sbc.kind == "regulation" and sbc.label == "Schengen Borders Code"
    assert sbc.attrs["url"] == celex_url("32016R0399")
    assert sbc.attrs["citation"] == "Regulation (EU) 2016/399"
    assert by_key["A/RES/76/172"].attrs["url"] == "https://undocs.org/A/RES/76/172"
    assert by_key["A/RES/76/172"].kind == "un_resolution"
    assert [m.start for m in found] == sorted(m.start for m in found)


def test_uncatalogued_acts_get_a_normalised_citation(enricher: InstrumentEnricher) -> None:
    (directive,) = enricher.find("Richtlinie 2003/9/EG")
    assert (directive.key, directive.kind) == ("32003L0009", "directive")
    assert directive.label == "Directive 2003/9/EC"
    (regulation,) = enricher.find("Verordnung (EG) Nr. 343/2003")
    assert regulation.label == "Regulation (EC) No 343/2003"
    (framework,) = enricher.find("Rahmenbeschluss 2008/913/JI")
    assert framework.kind == "framework_decision"
    assert framework.label == "Framework Decision 2008/913/JHA"


def test_celex_normalisation() -> None:
    assert celex("L", 2008, 115) == "32008L0115"
    assert celex("R", 2016, 679) == "32016R0679"
    assert celex("F", 2001, 220) == "32001F0220"
    assert celex("D", 2022, 382) == "32022D0382"
    assert eu_citation("L", 2024, 1233, None) == "Directive (EU) 2024/1233"
    assert eu_citation("R", 2006, 562, "EG") == "Regulation (EC) No 562/2006"
    assert eu_citation("L", 1964, 221, "EWG") == "Directive 64/221/EEC"
    assert eu_citation("R", 1968, 1612, "CEE") == "Regulation (EEC) No 1612/68"
    assert eu_citation("F", 2001, 220, "JAI") == "Framework Decision 2001/220/JHA"
    assert celex_url("32012L0029") == (
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32012L0029"
    )


def test_links_to_eur_lex_are_read(enricher: InstrumentEnricher) -> None:
    assert keys(enricher, "uri=CELEX%3A32016R0679") == {"32016R0679"}
    assert keys(enricher, "http://data.europa.eu/eli/reg/2024/1717/oj") == {"32024R1717"}
    assert keys(enricher, "see COM(2022) 105 final") == {"COM(2022) 105"}
    (proposal,) = enricher.find("Commission proposal COM(2020) 610 final")
    assert proposal.kind == "proposal"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A/RES/76/172", "A/RES/76/172"),
        ("A/HRC/59/15/Add.1", "A/HRC/59/15/Add.1"),
        ("A/77/189", "A/77/189"),
        ("CMW/C/GC/2", "CMW/C/GC/2"),
        ("E/CN.4/2000/82", "E/CN.4/2000/82"),
        ("E/C.12/GC/20", "E/C.12/GC/20"),
        ("S/RES/2240 (2015)", "S/RES/2240(2015)"),
        ("Security Council resolution 2240 (2015)", "S/RES/2240(2015)"),
        ("General Assembly resolution 76/172", "A/RES/76/172"),
        ("Human Rights Council resolution 52/20", "A/HRC/RES/52/20"),
        ("CMW/C/GC/4-CRC/C/GC/23", "CMW/C/GC/4-CRC/C/GC/23"),
        ("CRC/C/GC/23", "CMW/C/GC/4-CRC/C/GC/23"),
        ("A/RES/44/25", "UN-CRC"),
    ],
)
def test_un_symbols(enricher: InstrumentEnricher, text: str, expected: str) -> None:
    assert keys(enricher, f"See {text}, annexed.") == {expected}


def test_ocr_damaged_symbol_is_repaired(enricher: InstrumentEnricher) -> None:
    text = "(AVRES/76/172)."
    (found,) = enricher.find(text)
    assert found.key == "A/RES/76/172"
    assert text[found.start : found.end] == "AVRES/76/172"
    assert "repaired" in found.attrs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A/RES/76/172, para. 4(b)", {"A/RES/76/172 4(b)"}),
        ("A/RES/76/172, paragraph 4 (b)", {"A/RES/76/172 4(b)"}),
        ("(A/RES/76/172, paras 3 and 4)", {"A/RES/76/172 3", "A/RES/76/172 4"}),
        ("A/HRC/38/41, § 12", {"A/HRC/38/41 12"}),
        ("résolution 76/172 de l'Assemblée générale, paragraphe 4 b)", {"A/RES/76/172 4(b)"}),
        ("Resolution 76/172 der Generalversammlung, Absatz 5", {"A/RES/76/172 5"}),
        ("paragraph 4(c) of General Assembly resolution 76/172", {"A/RES/76/172 4(c)"}),
        (
            "In response to recommendation 4(b) “Encourages States to act” (A/RES/76/172).",
            {"A/RES/76/172 4(b)"},
        ),
        (
            '4(c) "Expresses concern" (A/RES/76/172)\n5(e) "Requests States" (A/RES/76/172)',
            {"A/RES/76/172 4(c)", "A/RES/76/172 5(e)"},
        ),
        ("A/HRC/38/41, paras. 12-15", {"A/HRC/38/41 12-15"}),
        ("(A/RES/69/167, para. 4l)", {"A/RES/69/167 4(l)"}),
    ],
)
def test_paragraphs_attach_to_their_un_text(
    enricher: InstrumentEnricher, text: str, expected: set[str]
) -> None:
    assert paragraphs(enricher.find(text)) == expected


def test_paragraph_mentions_point_at_the_text(enricher: InstrumentEnricher) -> None:
    text = "(A/RES/76/172, paras 3 and 4)"
    found = enricher.find(text)
    assert {text[m.start : m.end] for m in found} == {"A/RES/76/172", "4"}


def test_paragraphs_of_other_things_are_not_attached(enricher: InstrumentEnricher) -> None:
    assert paragraphs(enricher.find("Paragraph 4(b) of the contract sets the wage.")) == set()
    text = "Article 5, paragraph 3 of Directive 2008/115/EC and A/RES/76/172."
    assert paragraphs(enricher.find(text)) == set()


def test_global_compact_objectives(enricher: InstrumentEnricher) -> None:
    text = "Under objective 7 ‘Address and reduce vulnerabilities in migration’, para 23(i)."
    (found,) = enricher.find(text)
    assert found.key == "A/RES/73/195"
    assert found.attrs["objective"] == "7"
    assert found.attrs["paragraph"] == "23(i)"
    text = "The Global Compact for Migration, objectives 5 and 13, matter most."
    objectives = {m.attrs.get("objective") for m in enricher.find(text)}
    assert objectives == {None, "5", "13"}
    assert keys(enricher, "Objective 3 of our strategy is to grow the network.") == set()


@pytest.mark.parametrize(
    ("text", "expected", "url"),
    [
        (
            "ECLI:EU:C:2016:198",
            "ECLI:EU:C:2016:198",
            "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=ecli:ECLI:EU:C:2016:198",
        ),
        (
            "ECLI:CE:ECHR:2012:0223JUD002776509",
            "ECLI:CE:ECHR:2012:0223JUD002776509",
            'https://hudoc.echr.coe.int/eng#{"appno":["27765/09"]}',
        ),
        (
            "ECLI:NL:HR:2019:1234",
            "ECLI:NL:HR:2019:1234",
            "https://uitspraken.rechtspraak.nl/inziendocument?id=ECLI:NL:HR:2019:1234",
        ),
        (
            "ECLI:DE:BVerfG:2020:rs20200519.1bvr284217",
            "ECLI:DE:BVerfG:2020:rs20200519.1bvr284217",
            "https://e-justice.europa.eu/ecli/ECLI:DE:BVerfG:2020:rs20200519.1bvr284217",
        ),
    ],
)
def test_eclis(enricher: InstrumentEnricher, text: str, expected: str, url: str) -> None:
    (found,) = enricher.find(f"The court ({text}).")
    assert (found.key, found.kind) == (expected, "case")
    assert found.attrs["url"] == url
    assert ecli_url(expected) == url


def test_case_numbers(enricher: InstrumentEnricher) -> None:
    assert keys(enricher, "Case C‑181/16 Gnandi") == {"ECLI:EU:C:2018:465"}
    assert keys(enricher, "Gnandi, C-181/16, EU:C:2018:465") == {"ECLI:EU:C:2018:465"}
    assert keys(enricher, "in Case C–233/19") == {"C-233/19"}
    assert keys(enricher, "Joined Cases C-924/19 PPU and C-925/19 PPU") == {
        "C-924/19",
        "C-925/19",
    }
    assert keys(enricher, "M.S.S. v. Belgium and Greece [GC], no. 30696/09") == {"ECHR 30696/09"}
    assert keys(enricher, "Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, ECHR 2012") == {
        "ECLI:CE:ECHR:2012:0223JUD002776509"
    }
    # a bare number with no case context is not a case
    assert keys(enricher, "Room C-12/20 is on the second floor.") == set()


def test_other_numbered_instruments(enricher: InstrumentEnricher) -> None:
    assert keys(enricher, "ILO Convention No. 189") == {"ILO C189"}
    assert keys(enricher, "ILO Conventions Nos. 97 and 143") == {"ILO C097", "ILO C143"}
    assert keys(enricher, "Convention n° 189 de l'OIT") == {"ILO C189"}
    assert keys(enricher, "the Istanbul Convention (CETS No. 210)") == {"CETS 210"}


@pytest.mark.parametrize(
    "text",
    [
        "In 2012/2013 the programme reached 1,200 people.",
        "See pages 12-34 and tables 115/116.",
        "Call +32 2 210 17 80 or 02/210.17.80.",
        "The shelter keeps the file under No 5/2020.",
        "The town council adopted Decision No 7/2021.",
        "Arrivals peaked in the 2015/16 winter.",
        "Verfahren 2 BvR 1234/19 des Bundesverfassungsgerichts",
        "Interview of 3/12/2022, born 16/12/1990, arrived 2008/09.",
        "Le décret n° 2020/45 du maire.",
        "Regulation 2021/22 of the football association.",
        "Council documents 5514/23 and 5523/1/23.",
        "The directive applies to all victims.",
        "Resolution 12/6 of the city council.",
        "The Directive12 footnote and the 2019 review.",
    ],
)
def test_look_alike_numbers_are_not_instruments(enricher: InstrumentEnricher, text: str) -> None:
    assert enricher.find(text) == []


def test_footnote_markers_glued_to_citations(enricher: InstrumentEnricher) -> None:
    assert keys(enricher, "the Victims' Directive8, which") == {"32012L0029"}
    assert keys(enricher, "protection of migrants (A/RES/76/172).¹") == {"A/RES/76/172"}
    assert keys(enricher, "Regulation (EU) 2016/679¹ applies") == {"32016R0679"}


def test_every_span_is_a_slice_of_the_text(enricher: InstrumentEnricher) -> None:
    text = (
        "Regulations (EU) 2019/817 and (EU) 2019/818; die Rückführungsrichtlinie; "
        "A/RES/76/172, paras 3 and 4; ECLI:EU:C:2018:465; ILO Convention No. 189."
    )
    for m in enricher.find(text):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end].strip() == text[m.start : m.end]
        assert m.attrs["url"].startswith("https://")


def test_find_all_reads_passages_and_footnotes(enricher: InstrumentEnricher) -> None:
    units = [
        TextUnit("The Return Directive."),
        TextUnit("Directive 2012/29/EU.", kind="footnote"),
        TextUnit("Nothing here."),
    ]
    found = enricher.find_all(units)
    assert [{m.key for m in ms} for ms in found] == [{"32008L0115"}, {"32012L0029"}, set()]


def test_registered_under_its_name() -> None:
    got = registry.get("instruments")
    assert got.name == "instruments" and got.version == "1"


@needs_seeds
def test_the_submission_cites_what_it_answers(enricher: InstrumentEnricher) -> None:
    text = SUBMISSION.read_text(encoding="utf-8")
    found = enricher.find(text)
    assert {m.key for m in found} >= {
        "32012L0029",  # Victims' Directive
        "32001F0220",  # the framework decision it replaced
        "32018R1240",  # ETIAS
        "32024R1689",  # AI Act
        "32016R0399",  # Schengen Borders Code
        "32019R0817",  # interoperability regulations
        "32019R0818",
        "32024R1358",  # Eurodac
        "CETS 210",  # Istanbul Convention
        "EU-PACT-2024",
        "A/RES/76/172",
        "A/RES/73/195",  # Global Compact for Migration
        "A/RES/76/266",  # Progress Declaration
    }
    assert paragraphs(found) >= {
        "A/RES/76/172 4(b)",
        "A/RES/76/172 4(c)",
        "A/RES/76/172 5(e)",
        "A/RES/76/172 5(i)",
        "A/RES/76/172 6(d)",
        "A/RES/76/172 6(e)",
        "A/RES/73/195 23(i)",
        "A/RES/76/266 59",
    }
    objective = [m for m in found if m.attrs.get("objective") == "7"]
    assert objective and objective[0].key == "A/RES/73/195"
    for m in found:
        assert text[m.start : m.end]

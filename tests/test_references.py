"""The references enricher: citation styles, several works in one note, "Ibid." through a
document, reference lists under their headings, addresses, offsets and stable keys."""

from __future__ import annotations

import re
import time

import pytest

from evidencia.enrich import registry
from evidencia.enrich.base import Mention, TextUnit
from evidencia.enrich.references import ReferenceEnricher, is_reference_heading
from tests.conftest import SUBMISSION, needs_seeds

ENRICHER = ReferenceEnricher()


def refs(text: str) -> list[Mention]:
    found = ENRICHER.find(text)
    assert all(m.kind == "reference" for m in found)
    return found


def fields(mention: Mention) -> tuple[str, str, str, str]:
    a = mention.attrs
    return a["author"], a["year"], a["title"], a["url"]


def only(text: str) -> Mention:
    found = refs(text)
    assert len(found) == 1, [m.label for m in found]
    return found[0]


def test_registered_under_its_name() -> None:
    enricher = registry.get("references")
    assert enricher.name == "references" and enricher.version == "1"
    assert isinstance(enricher, ReferenceEnricher)


# --- styles ---------------------------------------------------------------------------------


def test_organisation_year_title() -> None:
    m = only(
        "PICUM, 2021, [Preventing harm, promoting rights: achieving safety, protection and "
        "justice for people with insecure residence status in the EU](#)"
    )
    assert fields(m)[:2] == ("PICUM", "2021")
    assert m.attrs["title"].startswith("Preventing harm, promoting rights: achieving safety")
    assert m.label == "PICUM (2021) Preventing harm, promoting rights"


def test_author_year_in_brackets_and_a_fact_sheet() -> None:
    m = only(
        "Statewatch (2022), [Building the biometric state: Police powers and discrimination](#)"
    )
    assert fields(m) == (
        "Statewatch",
        "2022",
        "Building the biometric state: Police powers and discrimination",
        "",
    )
    sheet = only("PICUM Fact Sheet, November 2020, [Achieving a world free from violence](#)")
    assert sheet.attrs["author"] == "PICUM" and sheet.attrs["date"] == "November 2020"


def test_people_with_dates_and_a_journal() -> None:
    m = only(
        "R. Timmerman, A. Leerkes, R. Staring & N. Delvino (7 October 2020) Free In, Free Out: "
        "Exploring Dutch Firewall Protections for Irregular Migrant Victims of Crime, "
        "*European Journal of Migration and Law*, 22(3), 427-455."
    )
    assert m.attrs["author"] == "R. Timmerman, A. Leerkes, R. Staring & N. Delvino"
    assert m.attrs["year"] == "2020" and m.attrs["date"] == "7 October 2020"
    assert m.attrs["title"] == (
        "Free In, Free Out: Exploring Dutch Firewall Protections for Irregular Migrant "
        "Victims of Crime"
    )
    assert m.attrs["container"] == "European Journal of Migration and Law"
    assert m.attrs["volume"] == "22(3)" and m.attrs["pages"] == "427-455"


def test_apa_with_a_doi() -> None:
    m = only(
        "Cuadra, C. B. (2012). Right of access to health care for undocumented migrants in EU: "
        "A comparative study of national policies. European Journal of Public Health, 22(2), "
        "267–271. https://doi.org/10.1093/eurpub/ckr049"
    )
    assert fields(m) == (
        "Cuadra, C. B.",
        "2012",
        "Right of access to health care for undocumented migrants in EU: A comparative study "
        "of national policies",
        "https://doi.org/10.1093/eurpub/ckr049",
    )
    assert m.attrs["doi"] == "10.1093/eurpub/ckr049"
    assert m.attrs["container"] == "European Journal of Public Health"


def test_chicago_author_title_publisher_year() -> None:
    m = only(
        "Bridget Anderson, Us and Them? The Dangerous Politics of Immigration Control, "
        "Oxford University Press, 2013."
    )
    assert fields(m) == (
        "Bridget Anderson",
        "2013",
        "Us and Them? The Dangerous Politics of Immigration Control",
        "",
    )
    assert m.attrs["container"] == "Oxford University Press"
    bibliography = only(
        "Anderson, Bridget. Us and Them? The Dangerous Politics of Immigration Control. "
        "Oxford: Oxford University Press, 2013."
    )
    assert fields(bibliography)[:3] == ("Anderson, Bridget", "2013", m.attrs["title"])


def test_chicago_note_with_a_quoted_article() -> None:
    m = only(
        "Sarah Spencer and Nicola Delvino, “Municipal Activism on Irregular Migrants: The "
        "Framing of Inclusive Approaches at the Local Level,” Journal of Immigrant & Refugee "
        "Studies 17, no. 1 (2019): 27–43."
    )
    assert m.attrs["author"] == "Sarah Spencer and Nicola Delvino" and m.attrs["year"] == "2019"
    assert m.attrs["title"].endswith("at the Local Level")
    assert m.attrs["container"] == "Journal of Immigrant & Refugee Studies"


def test_eu_and_un_documents() -> None:
    eurosur = only("European Commission, [Eurosur](#)")
    assert fields(eurosur) == ("European Commission", "", "Eurosur", "")
    compact = only(
        "UN General Assembly, 2018, [Global Compact on Safe, Orderly and Regular Migration](#)"
        " (2018), Resolution"
    )
    assert fields(compact) == (
        "UN General Assembly",
        "2018",
        "Global Compact on Safe, Orderly and Regular Migration",
        "",
    )
    resolution = only(
        "UN General Assembly Resolution adopted by the General Assembly on 16 December 2021, "
        "76/172. [Promotion and protection of human rights, A/RES/76/172](#)"
    )
    assert resolution.attrs["author"] == "UN General Assembly"
    assert resolution.attrs["date"] == "16 December 2021"
    assert resolution.attrs["symbol"] == "A/RES/76/172"
    comment = only(
        "UN Committee on Economic, Social and Cultural Rights, General Comment No. 14: The "
        "Right to the Highest Attainable Standard of Health, 11 August 2000, E/C.12/2000/4, "
        "para. 34."
    )
    assert fields(comment)[:3] == (
        "UN Committee on Economic, Social and Cultural Rights",
        "2000",
        "General Comment No. 14: The Right to the Highest Attainable Standard of Health",
    )
    assert comment.attrs["locator"] == "para. 34"
    regulation = only(
        "Regulation (EU) 2019/817 of the European Parliament and of the Council of 20 May 2019 "
        "on establishing a framework for interoperability, OJ L 135, 22.5.2019, p. 27–84."
    )
    assert regulation.attrs["author"] == "" and regulation.attrs["year"] == "2019"
    assert regulation.attrs["title"].endswith("a framework for interoperability")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Défenseur des droits (2016), *Les droits fondamentaux des étrangers en France*, "
            "Paris : Défenseur des droits, p. 45.",
            ("Défenseur des droits", "2016", "Les droits fondamentaux des étrangers en France"),
        ),
        (
            "Mylius, Maren (2016): Die medizinische Versorgung von Menschen ohne Papiere in "
            "Deutschland. Bielefeld: transcript, S. 112.",
            (
                "Mylius, Maren",
                "2016",
                "Die medizinische Versorgung von Menschen ohne Papiere in Deutschland",
            ),
        ),
        (
            "Vgl. Bundesarbeitsgruppe Gesundheit/Illegalität, „Gesundheitsversorgung für "
            "Menschen ohne Papiere“, Berlin 2017, S. 8 f.",
            (
                "Bundesarbeitsgruppe Gesundheit/Illegalität",
                "2017",
                "Gesundheitsversorgung für Menschen ohne Papiere",
            ),
        ),
        (
            "García López, M. (2021). «El acceso a la sanidad de los migrantes en situación "
            "irregular». Revista de Derecho Migratorio, 14(2), 45-67.",
            (
                "García López, M.",
                "2021",
                "El acceso a la sanidad de los migrantes en situación irregular",
            ),
        ),
        (
            "Van der Leun, J. (2003). Looking for loopholes: Processes of incorporation of "
            "illegal immigrants in the Netherlands. Amsterdam: Amsterdam University Press.",
            (
                "Van der Leun, J.",
                "2003",
                "Looking for loopholes: Processes of incorporation of illegal immigrants in the "
                "Netherlands",
            ),
        ),
        (
            "Ambrosini, M. (2018), Irregular Immigration in Southern Europe: Actors, Dynamics "
            "and Governance, Palgrave Macmillan, Cham.",
            (
                "Ambrosini, M.",
                "2018",
                "Irregular Immigration in Southern Europe: Actors, Dynamics and Governance",
            ),
        ),
        (
            "Bundesamt für Migration und Flüchtlinge (Hrsg.) (2020): Migrationsbericht der "
            "Bundesregierung 2019. Nürnberg: BAMF.",
            (
                "Bundesamt für Migration und Flüchtlinge",
                "2020",
                "Migrationsbericht der Bundesregierung 2019",
            ),
        ),
    ],
)
def test_other_languages(text: str, expected: tuple[str, str, str]) -> None:
    assert fields(only(text))[:3] == expected


def test_short_author_date_citations() -> None:
    first, second = refs("See Cuadra (2012); Spencer and Delvino (2019), p. 30.")
    assert fields(first) == ("Cuadra", "2012", "", "")
    assert fields(second) == ("Spencer and Delvino", "2019", "", "")
    assert second.attrs["locator"] == "p. 30"


# --- several works, commentary ---------------------------------------------------------------


def test_several_works_in_one_note() -> None:
    text = (
        "R. Timmerman, A. Leerkes, & R. Staring (September 2019), Safe reporting of crime for "
        "migrants with irregular status in the Netherlands, COMPAS: Oxford; R. Timmerman, "
        "A. Leerkes, R. Staring & N. Delvino (7 October 2020) Free In, Free Out: Exploring "
        "Dutch Firewall Protections, *European Journal of Migration and Law*, 22(3), 427-455."
    )
    first, second = refs(text)
    assert first.attrs["date"] == "September 2019" and first.attrs["container"] == "COMPAS: Oxford"
    assert first.attrs["title"].endswith("irregular status in the Netherlands")
    assert second.attrs["title"] == "Free In, Free Out: Exploring Dutch Firewall Protections"
    assert first.end < second.start


def test_links_side_by_side_and_joined_by_and() -> None:
    text = (
        "[Council decision \\(5514/23\\)](#); [2023 Council decision \\(5523/1/23\\)](#) "
        "[Code of Conduct \\(6087/23\\)](#); [Declaration \\(6088/23\\)](#)"
    )
    titles = [m.attrs["title"] for m in refs(text)]
    assert titles == [
        "Council decision (5514/23)",
        "2023 Council decision (5523/1/23)",
        "Code of Conduct (6087/23)",
        "Declaration (6088/23)",
    ]
    pair = refs("See PICUM (2017), [Cities of rights](#) and PICUM (2019), [Safe reporting](#).")
    assert [fields(m)[:3] for m in pair] == [
        ("PICUM", "2017", "Cities of rights"),
        ("PICUM", "2019", "Safe reporting"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "See the campaign [here](#)",
        "Under objective 7 ‘Address and reduce vulnerabilities in migration’, para 23(i).",
        "The term “firewall” is used here in the sense described above.",
        "In 2019, the police acquired information about nearly 800,000 airline passengers.",
        "Voir à ce sujet la section 3 ci-dessus.",
        "",
        "   \n  ",
        ";;;",
    ],
)
def test_comments_give_nothing(text: str) -> None:
    assert refs(text) == []


def test_commentary_naming_a_linked_work() -> None:
    text = (
        "Adopted in September 2020, [the EU Anti Racism Action Plan](#) is meant to step up "
        "action to counter racial discrimination."
    )
    m = only(text)
    assert fields(m) == ("", "", "EU Anti Racism Action Plan", "")
    assert text[m.start : m.end] == "[the EU Anti Racism Action Plan](#)"
    platform = only("See the platform [ProtectNotSurveil](#) for more advocacy work on the topic")
    assert fields(platform) == ("", "", "ProtectNotSurveil", "")
    lead_in = only(
        "For analysis of undocumented workers' access to complaints mechanisms, see PICUM "
        "(2020), [A Worker is a Worker](#)."
    )
    assert fields(lead_in)[:3] == ("PICUM", "2020", "A Worker is a Worker")


def test_footnotes_as_the_store_keeps_them() -> None:
    """Read from PDF or plain text, links are reduced to their words: no brackets mark the
    title, so the parser leans on the shape of the note."""
    assert fields(only("European Commission, Eurosur")) == (
        "European Commission",
        "",
        "Eurosur",
        "",
    )
    irish = only("See, for example: Irish Times, Ireland: Migrants face higher infection rates")
    assert fields(irish)[:3] == ("Irish Times", "", "Ireland: Migrants face higher infection rates")
    proposal = only(
        "Proposal for a DIRECTIVE OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL on combating "
        "violence against women and domestic violence"
    )
    assert proposal.attrs["author"] == "" and proposal.attrs["title"].startswith("Proposal for")
    run_together = refs(
        "Council decision on the conclusion (5514/23); 2023 Council decision on the "
        "conclusion (5523/1/23) Code of Conduct laying down the arrangements (6087/23)"
    )
    assert [m.attrs["title"] for m in run_together] == [
        "Council decision on the conclusion",
        "2023 Council decision on the conclusion",
        "Code of Conduct laying down the arrangements",
    ]
    assert [m.attrs["number"] for m in run_together] == ["5514/23", "5523/1/23", "6087/23"]
    same_author = refs(
        "PICUM (2022), Regulating migration tech: how the EU's AI Act can better protect "
        "people on the move; PICUM Dismantling the use of Big Data to deport"
    )
    assert fields(same_author[1])[:3] == ("PICUM", "", "Dismantling the use of Big Data to deport")
    pact = only("PICUM (2021) The EU Migration Pact. Questions and answers")
    assert pact.attrs["title"] == "The EU Migration Pact. Questions and answers"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "For the state of play see the European Parliament’s Legislative Train Schedule",
            "European Parliament’s Legislative Train Schedule",
        ),
        (
            "Adopted in September 2020, the EU Anti Racism Action Plan is meant to step up "
            "action to counter racial discrimination and racism within the EU.",
            "EU Anti Racism Action Plan",
        ),
        (
            "Published in December 2022, updated in March 2023: joint statement: The EU AI Act "
            "must protect people on the move",
            "The EU AI Act must protect people on the move",
        ),
        (
            "See the platform ProtectNotSurveil for more advocacy work on the topic",
            "ProtectNotSurveil",
        ),
    ],
)
def test_works_named_in_passing(text: str, title: str) -> None:
    m = only(text)
    assert fields(m) == ("", "", title, "")
    assert text[m.start : m.end] == title


# --- addresses, offsets, keys ----------------------------------------------------------------


def test_hash_url_dropped_real_addresses_kept() -> None:
    assert (
        only("PICUM (2022) [The Right to Health for Undocumented Migrants](#)").attrs["url"] == ""
    )
    linked = only(
        "Frontex, [Risk Analysis for 2023/2024](https://frontex.europa.eu/ra) "
        "[accessed 10 May 2023]"
    )
    assert fields(linked) == (
        "Frontex",
        "",
        "Risk Analysis for 2023/2024",
        "https://frontex.europa.eu/ra",
    )
    assert linked.attrs["accessed"] == "10 May 2023"
    bare = only(
        "Human Rights Council, Report of the Special Rapporteur on the human rights of migrants, "
        "A/HRC/53/26, 2023, available at: https://undocs.org/A/HRC/53/26 [accessed 5 May 2023]."
    )
    assert bare.attrs["url"] == "https://undocs.org/A/HRC/53/26"
    assert bare.attrs["title"] == "Report of the Special Rapporteur on the human rights of migrants"
    assert bare.attrs["accessed"] == "5 May 2023"
    address_only = only("More information on the campaign: https://gleichbehandeln.de/")
    assert fields(address_only) == ("", "", "", "https://gleichbehandeln.de/")
    checked = only("Deutsche Welle, 2017, [Speech software](#) [checked on 5 May 2023]")
    assert checked.attrs["accessed"] == "5 May 2023" and checked.attrs["url"] == ""


def test_offsets_are_exact() -> None:
    text = "See, for example: Irish Times, [Ireland: Migrants face higher infection rate](#)"
    m = only(text)
    assert text[m.start : m.end] == text[text.index("Irish") :]
    note = "PICUM (2022), [Regulating migration tech](#); PICUM [Dismantling Big Data](#)"
    first, second = refs(note)
    assert note[first.start : first.end] == "PICUM (2022), [Regulating migration tech](#)"
    assert note[second.start : second.end] == "PICUM [Dismantling Big Data](#)"
    listing = "  - Statewatch (2020). Deportation Union.\n- IOM (2020) World Migration Report 2020."
    spans = [listing[m.start : m.end] for m in refs(listing)]
    assert spans == [
        "Statewatch (2020). Deportation Union.",
        "IOM (2020) World Migration Report 2020.",
    ]


def test_same_work_same_key_across_variants() -> None:
    variants = [
        "PICUM, 2021, [Preventing harm, promoting rights: achieving safety, protection and "
        "justice for people with insecure residence status in the EU](#)",
        "PICUM, 2021. [Preventing Harm, Promoting Rights: Achieving Safety, Protection and "
        "Justice for People with Insecure Residence Status in the EU](#).",
        "PICUM (2021) Preventing harm, promoting rights - achieving safety, protection and "
        "justice for people with insecure residence status in the EU. Brussels: PICUM.",
    ]
    keys = {only(v).key for v in variants}
    assert len(keys) == 1
    (key,) = keys
    assert re.fullmatch(r"[0-9a-f]{16}", key)
    other_year = only("PICUM, 2022, [Preventing harm, promoting rights](#)")
    other_work = only("PICUM, 2021, [Unconditional access to services](#)")
    assert len({key, other_year.key, other_work.key}) == 3
    joint = {
        only(t).key
        for t in (
            "Statewatch, PICUM (2019), [Data Protection](#)",
            "Statewatch and PICUM (2019) [Data protection](#)",
        )
    }
    assert len(joint) == 1


def test_a_doi_identifies_the_work() -> None:
    apa = only("Smith, J. (2020). A title. Journal, 1(2), 3-4. https://doi.org/10.1234/abc.5")
    other = only("J. Smith, 'A title, with a subtitle', Journal 1 (2020), doi:10.1234/ABC.5")
    assert apa.key == other.key and other.attrs["doi"] == "10.1234/ABC.5"


# --- documents: Ibid and reference lists ------------------------------------------------------


def test_ibid_takes_the_work_before_with_its_own_locator() -> None:
    units = [
        TextUnit("A passage citing things.", "passage"),
        TextUnit("Ibid., p. 3.", "footnote"),  # nothing before it: stays a pointer
        TextUnit('[Directive 2012/29/EU](#) ("Victims\' Directive").', "footnote"),
        TextUnit("Ibid, article 1.", "footnote"),
        TextUnit("Ibid", "footnote"),
        TextUnit(
            "PICUM (2020), [A Worker is a Worker](#); Statewatch (2019), [Data](#)", "footnote"
        ),
        TextUnit("Ibid., paras 12-14.", "footnote"),
        TextUnit("PICUM, op. cit., p. 7.", "footnote"),
        TextUnit("Supra note 3, at 12.", "footnote"),
        TextUnit("Ibid. See also Statewatch (2021), [Frontex](#).", "footnote"),
    ]
    found = ENRICHER.find_all(units)
    assert len(found) == len(units) and found[0] == []
    (orphan,) = found[1]
    assert orphan.key == "ibid" and orphan.attrs["ibid"] == "unresolved"
    assert orphan.attrs["locator"] == "p. 3"
    (directive,) = found[2]
    (article,) = found[3]
    assert article.key == directive.key and article.attrs["ibid"] == "resolved"
    assert article.attrs["title"] == "Directive 2012/29/EU"
    assert article.attrs["short_title"] == "Victims' Directive"
    assert article.attrs["locator"] == "article 1" and article.label.endswith(", article 1")
    (again,) = found[4]
    assert again.key == directive.key and "locator" not in again.attrs
    worker, data = found[5]
    (paras,) = found[6]
    assert paras.key == data.key and paras.attrs["locator"] == "paras 12-14"
    (op_cit,) = found[7]
    assert op_cit.key == worker.key and op_cit.attrs["locator"] == "p. 7"
    (supra,) = found[8]
    assert supra.key == directive.key and supra.attrs["locator"] == "12"
    pointer, new = found[9]
    assert pointer.key == directive.key
    assert new.attrs["author"] == "Statewatch" and new.attrs["title"] == "Frontex"
    text = units[9].text
    assert text[pointer.start : pointer.end] == "Ibid."
    assert text[new.start : new.end] == "Statewatch (2021), [Frontex](#)."


def test_ibid_alone_is_a_pointer() -> None:
    for text, locator in [("Ibid.", None), ("Ebd., S. 115.", "S. 115"), ("Id. at 4.", "4")]:
        m = only(text)
        assert m.key == "ibid" and fields(m) == ("", "", "", "")
        assert m.attrs.get("locator") == locator


def test_reference_lists_under_their_headings() -> None:
    listing = (
        "Anderson, B. (2013). Us and them? The dangerous politics of immigration control. "
        "Oxford University Press.\n"
        "van der Leun, J. (2003). Looking for loopholes: Processes of incorporation of illegal\n"
        "immigrants in the Netherlands. Amsterdam: Amsterdam University Press.\n"
        "PICUM. (2019). Manual on regularisations for children, young people and families. "
        "Brussels: PICUM."
    )
    citing_prose = "PICUM (2019) [Manual on regularisations](#) shows how regularisation works."
    units = [
        TextUnit(citing_prose, "passage", "en", ("Report", "Findings")),
        TextUnit(listing, "passage", "en", ("Report", "References")),
        TextUnit(
            "Bloch, A. (2014). Sans papiers. Pluto Press.", "passage", "en", ("7. Bibliography:",)
        ),
        TextUnit("Kox, M. (2021). Ongedocumenteerden. Utrecht.", "passage", "nl", ("Literatuur",)),
        TextUnit(citing_prose, "passage", "en", ()),
    ]
    found = ENRICHER.find_all(units)
    assert found[0] == [] and found[4] == []
    assert [m.attrs["author"] for m in found[1]] == ["Anderson, B.", "van der Leun, J.", "PICUM"]
    assert found[1][1].attrs["title"].endswith("illegal immigrants in the Netherlands")
    assert [m.attrs["year"] for m in found[2] + found[3]] == ["2014", "2021"]


@pytest.mark.parametrize(
    ("heading", "known"),
    [
        ("References", True),
        ("7. Bibliography:", True),
        ("Références bibliographiques", True),
        ("Literaturverzeichnis", True),
        ("Bibliografía", True),
        ("Riferimenti bibliografici", True),
        ("Bronnen", True),
        ("Βιβλιογραφία", True),
        ("Sources and further reading", True),
        ("Introduction", False),
        ("Recommendations", False),
        ("", False),
    ],
)
def test_reference_headings(heading: str, known: bool) -> None:
    assert is_reference_heading(heading) is known


def test_endnotes_read_like_footnotes() -> None:
    units = [
        TextUnit("PICUM (2020), [A Worker is a Worker](#)", "passage", "en", ("Notes",)),
        TextUnit("Ibid., p. 4.", "passage", "en", ("Notes",)),
    ]
    first, second = ENRICHER.find_all(units)
    assert second[0].key == first[0].key and second[0].attrs["locator"] == "p. 4"


# --- robustness -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["‘" * 20000, "[" * 20000, "(" * 20000, "1999, " * 5000, "Ibid. " * 3000, "a. " * 10000],
)
def test_stays_linear_on_odd_input(text: str) -> None:
    started = time.perf_counter()
    ENRICHER.find(text)
    assert time.perf_counter() - started < 5


# --- the network's UN submission ---------------------------------------------------------------

#: seed footnotes that only comment and name no work
PURE_COMMENTS = {
    37,  # "See the campaign [here](#)"
    63,  # "Under objective 7 'Address and reduce vulnerabilities in migration', para 23(i)."
}


def _seed_footnotes() -> list[str]:
    notes: list[str] = []
    for line in SUBMISSION.read_text(encoding="utf-8").splitlines():
        numbered = re.match(r"(\d+) (.+)", line)
        if numbered and int(numbered.group(1)) == len(notes) + 1:
            notes.append(numbered.group(2))
        elif line.startswith("¹ ") and not notes:
            notes.append(line[2:])
    return notes


def _without_links(note: str) -> str:
    """A note as the text reader stores it: link syntax reduced to the link's words."""
    words = re.sub(r"\[((?:\\.|[^\[\]\\])*)\]\([^)]*\)", r"\1", note)
    return re.sub(r"\\([()\[\]])", r"\1", words)


@needs_seeds
@pytest.mark.parametrize("form", ["as written", "as stored"])
def test_every_seed_footnote_cites_a_work(form: str) -> None:
    notes = _seed_footnotes()
    assert len(notes) == 64
    if form == "as stored":
        notes = [_without_links(note) for note in notes]
        assert not any("](" in note or "\\" in note for note in notes)
    found = ENRICHER.find_all([TextUnit(note, "footnote", "en") for note in notes])
    empty = {number for number, mentions in enumerate(found, 1) if not mentions}
    assert empty == PURE_COMMENTS
    assert all(m.key != "ibid" for mentions in found for m in mentions)
    keys = {number: [m.key for m in mentions] for number, mentions in enumerate(found, 1)}
    assert keys[9] == keys[8] and keys[17] == keys[16] == keys[15]
    assert keys[3] == keys[7] == keys[13] and keys[62] == keys[64]
    assert len(keys[12]) == 2 and len(keys[20]) == 4 and len(keys[56]) == 2
    for note, mentions in zip(notes, found, strict=True):
        for m in mentions:
            assert 0 <= m.start < m.end <= len(note) and m.label
            assert m.attrs["url"] == ""  # every address in the seed is "#"

"""The country enricher: names, adjectives and inflected forms in the EU's languages, the
traps that must not match, scopes that are not countries, and exact offsets."""

from __future__ import annotations

import pytest

from evidencia.enrich.base import TextUnit
from evidencia.enrich.countries import CountryEnricher


@pytest.fixture(scope="module")
def enricher() -> CountryEnricher:
    return CountryEnricher()


def keys(enricher: CountryEnricher, text: str, lang: str | None = None) -> set[str]:
    return {m.key for m in enricher.find(text, lang)}


def surfaces(enricher: CountryEnricher, text: str, lang: str | None = None) -> list[str]:
    return [text[m.start : m.end] for m in enricher.find(text, lang)]


def test_contract(enricher: CountryEnricher) -> None:
    assert enricher.name == "countries"
    assert enricher.version == "1"
    assert enricher.targets == frozenset({"passage", "footnote"})


@pytest.mark.parametrize("lang", [None, "en"])
def test_empty_text(enricher: CountryEnricher, lang: str | None) -> None:
    assert enricher.find("", lang) == []
    assert enricher.find("   \n ", lang) == []


@pytest.mark.parametrize(
    ("text", "lang", "key"),
    [
        ("Dutch municipalities refused to cooperate.", "en", "NL"),
        ("les autorités néerlandaises", "fr", "NL"),
        ("la policía española", "es", "ES"),
        ("Zweedse gemeenten", "nl", "SE"),
    ],
)
def test_issue_examples(enricher: CountryEnricher, text: str, lang: str, key: str) -> None:
    assert keys(enricher, text, lang) == {key}
    assert keys(enricher, text) == {key}  # also without a language hint


def test_country_mention_fields(enricher: CountryEnricher) -> None:
    (mention,) = enricher.find("Refugees in Greece", "en")
    assert (mention.kind, mention.key, mention.label) == ("country", "GR", "Greece")
    (uk,) = enricher.find("Workers in the UK", "en")
    assert uk.key == "GB"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # Polish cases
        ("W Polsce i w Niemczech", "pl", {"PL", "DE"}),
        ("do Francji, z Ukrainy, we Włoszech", "pl", {"FR", "UA", "IT"}),
        ("Syryjczycy i Afgańczycy", "pl", {"SY", "AF"}),
        ("na granicy z Białorusią", "pl", {"BY"}),
        ("przepisy Unii Europejskiej", "pl", {"EU"}),
        # Greek cases (and capitals without accents)
        ("της Γερμανίας και της Τουρκίας", "el", {"DE", "TR"}),
        ("στη Λέσβο, από την Αίγυπτο", "el", {"GR", "EG"}),
        ("ΕΛΛΑΔΑ", "el", {"GR"}),
        # Czech cases
        ("v Německu, ze Sýrie, s Tureckem", "cs", {"DE", "SY", "TR"}),
        ("vietnamští dělníci", "cs", {"VN"}),
        # Finnish cases, vowel harmony and consonant gradation
        ("Suomessa, Ruotsiin, Kreikasta, Turkissa", "fi", {"FI", "SE", "GR", "TR"}),
        ("Irlannin ja Afganistanista", "fi", {"IE", "AF"}),
        ("saksalaisten", "fi", {"DE"}),
        # Hungarian cases and derived adjectives
        ("Németországban, Szíriából, Ukrajnába", "hu", {"DE", "SY", "UA"}),
        ("a romániai munkások", "hu", {"RO"}),
        # others
        ("na Slovensku a v Maďarsku", "sk", {"SK", "HU"}),
        ("v Sloveniji in na Hrvaškem", "sl", {"SI", "HR"}),
        ("u Njemačkoj i Bosnu i Hercegovinu", "hr", {"DE", "BA"}),
        ("Lietuvoje ir Baltarusijos", "lt", {"LT", "BY"}),
        ("Latvijā un Vācijā", "lv", {"LV", "DE"}),
        ("Eestis ja Soomes", "et", {"EE", "FI"}),
        ("în România și Germaniei", "ro", {"RO", "DE"}),
        ("ón tSiria go hÉirinn", "ga", {"SY", "IE"}),
        ("f'Malta u fl-Italja", "mt", {"MT", "IT"}),
        ("в България и Гърция", "bg", {"BG", "GR"}),
    ],
)
def test_inflected_forms(
    enricher: CountryEnricher, text: str, lang: str, expected: set[str]
) -> None:
    assert keys(enricher, text, lang) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the Federal Republic of Germany",
        "the Kingdom of the Netherlands",
        "la República Federal de Alemania",
    ],
)
def test_official_names(enricher: CountryEnricher, text: str) -> None:
    assert len(keys(enricher, text)) == 1


def test_longest_name_wins(enricher: CountryEnricher) -> None:
    text = "Guinea-Bissau, Equatorial Guinea, Papua New Guinea, Northern Ireland, South Sudan"
    assert keys(enricher, text, "en") == {"GW", "GQ", "PG", "GB", "SS"}
    assert surfaces(enricher, text, "en")[0] == "Guinea-Bissau"


def test_capitals_count_for_their_country(enricher: CountryEnricher) -> None:
    assert keys(enricher, "Our members in Athens and Lisbon", "en") == {"GR", "PT"}
    assert keys(enricher, "w Warszawie i w Berlinie", "pl") == {"PL", "DE"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Chad Smith said the shelter was full.", "en"),
        ("Volunteers served turkey and rice.", "en"),
        ("Roast turkey and cranberry sauce were served.", "en"),
        ("She had worked in Atlanta, Georgia, for years.", "en"),
        ("In the state of Georgia, jails hold migrants.", "en"),
        ("A foundation set up by Michael Jordan.", "en"),
        ("Ms Jordan represented the family.", "en"),
        ("They were treated as guinea pigs.", "en"),
        ("French fries were the only meal.", "en"),
        ("New Mexico and New Jersey issue licences.", "en"),
        ("The Paris Principles and the Istanbul Convention.", "en"),
        ("Under the Dublin Regulation transfers continue.", "en"),
        ("The Treaty of Lisbon and the Rome Statute.", "en"),
        ("Boats crossed the Niger River.", "en"),
        ("Information is available in English, French and Arabic.", "en"),
        ("Frans Timmermans sprak.", "nl"),
        ("Kuba Nowak pomagał rodzinom.", "pl"),
        ("Mali broj tražitelja azila.", "hr"),
        ("Mali otroci brez spremstva.", "sl"),
        ("La brochure est disponible en français.", "fr"),
        ("Informacje są dostępne w języku angielskim.", "pl"),
        ("Roma children attend segregated schools.", "en"),
    ],
)
def test_traps(enricher: CountryEnricher, text: str, lang: str) -> None:
    assert keys(enricher, text, lang) == set()


def test_mali_small_without_hint(enricher: CountryEnricher) -> None:
    assert keys(enricher, "Mali broj tražitelja azila dobije zaštitu.") == set()
    assert keys(enricher, "Mali and Niger left the regional bloc.") == {"ML", "NE"}


def test_real_uses_next_to_traps(enricher: CountryEnricher) -> None:
    assert keys(enricher, "Refugees from Syria live in Jordan and Chad.", "en") == {
        "SY",
        "JO",
        "TD",
    }
    assert keys(enricher, "Georgia and Ukraine are safe countries of origin.", "en") == {
        "GE",
        "UA",
    }
    assert keys(enricher, "The EU-Turkey Statement", "en") == {"EU", "TR"}
    assert keys(enricher, "Hungarian police pushed people back to Serbia.", "en") == {
        "HU",
        "RS",
    }


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("the European Union and the Council of Europe", "en", {"EU", "COE"}),
        ("non-EU nationals inside the Schengen area", "en", {"EU", "SCHENGEN"}),
        ("the European Court of Human Rights", "en", {"COE"}),
        ("the European Economic Area", "en", {"EEA"}),
        ("l'Union européenne et le Conseil de l'Europe", "fr", {"EU", "COE"}),
        ("la Unión Europea", "es", {"EU"}),
        ("de Europese Unie", "nl", {"EU"}),
        ("Rada Europy i UE", "pl", {"COE", "EU"}),
        ("Euroopan unionin neuvosto", "fi", {"EU"}),
        ("der Schengenraum", "de", {"SCHENGEN"}),
        ("Schengenský prostor", "cs", {"SCHENGEN"}),
    ],
)
def test_scopes(enricher: CountryEnricher, text: str, lang: str, expected: set[str]) -> None:
    found = enricher.find(text, lang)
    assert {m.key for m in found} == expected
    assert all(m.kind == "scope" for m in found)


def test_europe_alone_is_not_a_scope(enricher: CountryEnricher) -> None:
    assert keys(enricher, "Migrants in Europe and European cities", "en") == set()


def test_offsets(enricher: CountryEnricher) -> None:
    text = "Since 2016, d'Espagne et de l'Italie; W Polsce — the Kingdom of the Netherlands."
    found = enricher.find(text)
    assert [text[m.start : m.end] for m in found] == [
        "Espagne",
        "Italie",
        "Polsce",
        "Kingdom of the Netherlands",
    ]
    for mention in found:
        assert 0 <= mention.start < mention.end <= len(text)


def test_offsets_with_decomposed_accents(enricher: CountryEnricher) -> None:
    text = "en Me\u0301xico y en Espan\u0303a"  # combining accents, as PDFs produce
    found = enricher.find(text, "es")
    assert [m.key for m in found] == ["MX", "ES"]
    assert [text[m.start : m.end] for m in found] == ["Me\u0301xico", "Espan\u0303a"]


def test_case_matters(enricher: CountryEnricher) -> None:
    assert keys(enricher, "chile peppers and china plates", "en") == set()
    assert keys(enricher, "Chile and China", "en") == {"CL", "CN"}
    assert keys(enricher, "FRANCE AND GERMANY", "en") == {"FR", "DE"}
    assert keys(enricher, "eu", "pt") == set()  # Portuguese "I"


def test_language_hint_avoids_homographs(enricher: CountryEnricher) -> None:
    # "Island" is Iceland in German, an ordinary word in English
    assert keys(enricher, "Island ist kein EU-Mitglied.", "de") == {"IS", "EU"}
    assert keys(enricher, "The Island of Lesbos", "en") == {"GR"}
    assert keys(enricher, "Island", None) == set()


def test_find_all_respects_targets(enricher: CountryEnricher) -> None:
    units = [TextUnit("Refugees in Italy"), TextUnit("Ibid., Spain.", kind="footnote")]
    assert [[m.key for m in found] for found in enricher.find_all(units)] == [["IT"], ["ES"]]


def test_unknown_language_falls_back_to_all(enricher: CountryEnricher) -> None:
    assert keys(enricher, "W Polsce", "xx") == {"PL"}
    assert keys(enricher, "W Polsce", "pl-PL") == {"PL"}

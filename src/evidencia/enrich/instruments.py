"""Legal and policy instruments cited in a text: EU acts, UN documents, treaties, judgments.

Evidence is filed and compared by the standards it answers to, so every way a document
cites an instrument has to land on one key: "Directive 2008/115/EC", "Richtlinie
2008/115/EG", "2008/115/EK irányelv" and "the Return Directive" are all CELEX 32008L0115.
Keys are the identifiers the instruments' own publishers use (CELEX numbers, UN symbols,
ECLIs, Council of Europe treaty numbers), or the catalogue's id where none exists, so a
key is also a link.

The parser reads numbers first and words second. An EU act number ("2008/115",
"(EU) 2016/679", "No 562/2006") is rare in prose and cheap to find; only then is the act
word before it (or, in Hungarian, after it) looked up in any of the 24 languages to say
whether it is a directive, a regulation or a decision, and the number is normalised to
CELEX. A number with no act word near it is taken only when the catalogue knows it, which
is what keeps "2012/2013", page ranges and case-file numbers out. Names ("Return
Directive", "Rückführungsrichtlinie") come from the standards catalogue, compiled into two
trie-shaped regular expressions (acronyms matched with their case, other names without),
so adding a translation to the data file needs no code. Paragraph references ("para.
4(b)", "recommendation 4(b) ... (A/RES/76/172)") are attached to the UN text they belong
to on the same line, because submissions quote a paragraph first and name the resolution
after the quotation; several paragraphs of one reference become one mention each, and a
range ("paras. 12-15") stays one value.

Text converted from PDFs is repaired in one place only: "AVRES/76/172" is read as
"A/RES/76/172" (the slash OCR'd as a V, as in the network's own UN submission). No UN
series is called AVRES or AVHRC, so the repair cannot turn one real symbol into another;
the mention records it in ``attrs["repaired"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import ClassVar, TypeAlias

from evidencia.enrich.base import Mention, TextEnricher
from evidencia.standards import Catalogue, Instrument, catalogue, name_key

# ------------------------------------------------------------------ character classes
#: superscript digits: footnote markers glued to a citation ("A/RES/76/172¹") are not part
#: of it, but Python counts them as word characters
_SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014"
_LETTER = rf"[^\W\d_{_SUP}]"
_NO_LETTER_BEFORE = rf"(?<!{_LETTER})"
_NO_LETTER_AFTER = rf"(?!{_LETTER})"
#: the end of an identifier: no further letter, digit or slash (a superscript may follow)
_ID_END = rf"(?![^\W{_SUP}]|/)"


class _Folded:
    """A pattern compared without regard to case. It runs case-sensitively on the
    lower-cased text, several times faster than a case-insensitive search, whenever
    lower-casing keeps every offset (it nearly always does; a dotted capital I does not, and
    then the case-insensitive twin runs on the original)."""

    def __init__(self, pattern: str) -> None:
        literal = re.sub(r"\\[A-Za-z]|\(\?P[<=]", "", pattern)
        assert not any(ch.isupper() for ch in literal), "write folded patterns in lower case"
        self.fast = re.compile(pattern)
        self.slow = re.compile(pattern, re.IGNORECASE)

    def finditer(
        self, text: str, folded: str | None, pos: int = 0, endpos: int | None = None
    ) -> Iterator[re.Match[str]]:
        end = len(text) if endpos is None else endpos
        if folded is not None:
            return self.fast.finditer(folded, pos, end)
        return self.slow.finditer(text, pos, end)


MAX_YEAR = date.today().year + 1
FIRST_YEAR = 1952  # the first Community acts

# ------------------------------------------------------------------- EU act words
# Stems in the 24 official languages, lower case (matched ignoring case). German, Dutch and
# the Nordic languages build compounds ("Durchführungsverordnung", "kaderbesluit"), hence
# the leading \w* on theirs. Framework decisions come first so "Rahmenbeschluss" is not read
# as a plain decision.
_ACT_STEMS: dict[str, tuple[str, ...]] = {
    "F": (
        r"framework[\s-]+decisions?",
        r"\w*rahmenbeschl\w*",
        r"d[ée]cisions?[\s-]+cadres?",
        r"decisi[oó]n(?:es)?[\s-]+marco",
        r"decision[ei][\s-]+quadro",
        r"decis[ãa]o[\s-]+quadro",
        r"decisões[\s-]+quadro",
        r"decizi\w*[\s-]+cadru",
        r"\w*kaderbesluit\w*",
        r"decyzj\w*[\s-]+ramow\w*",
        r"rámcov\w*[\s-]+rozhodnut\w*",
        r"okvirn\w*[\s-]+(?:sklep\w*|odluk\w*)",
        r"рамков\w*[\s-]+решени\w*",
        r"αποφ[αά]σ\w*[\s-]+πλα[ιί]σ\w*",
        r"kerethatároz\w*",
        r"puitepäät\w*",
        r"rambeslut\w*",
        r"rammeafgørelse\w*",
        r"raamotsus\w*",
        r"pamatlēmum\w*",
        r"pamatin\w*[\s-]+sprendim\w*",
        r"deċiżjoni[\s-]+qafas",
        r"cinneadh[\s-]+réime",
    ),
    "L": (
        r"direc?tiv\w*",
        r"direttiv\w*",
        r"direktii?v\w*",
        r"direktīv\w*",
        r"direktyv\w*",
        r"dyrektyw\w*",
        r"\w*richtlinie\w*",
        r"\w*richtlijn\w*",
        r"směrnic\w*",
        r"smernic\w*",
        r"директив\w*",
        r"οδηγ[ιί]\w*",
        r"irányelv\w*",
        r"treo(?:ir|rach)\w*",
    ),
    "R": (
        r"regulations?",
        r"r[èe]glements?",
        r"\w*verordnung\w*",
        r"\w*verordening\w*",
        r"regolament\w*",
        r"reglament\w*",
        r"regulament\w*",
        r"rozporządze\w*",
        r"nařízení",
        r"nariaden\w*",
        r"uredb\w*",
        r"регламент\w*",
        r"κανονισμ\w*",
        r"rendelet\w*",
        r"\w*asetu(?:s|ks)\w*",
        r"\w*förordning\w*",
        r"\w*forordning\w*",
        r"määrus\w*",
        r"regul(?:a|as|ā|u|ai|ām)",
        r"rialach\w*",
    ),
    "D": (
        r"decisions?",
        r"d[ée]cisions?",
        r"decisi[oó]n\w*",
        r"decision[ei]",
        r"decis[ãa]o|decisões",
        r"decizi\w*",
        r"\w*beschlu(?:ss|ß)\w*",
        r"\w*besluit\w*",
        r"beschikking\w*",
        r"\w*entscheidung\w*",
        r"decyzj\w*",
        r"rozhodnut\w*",
        r"sklep\w*",
        r"odločb\w*",
        r"odluk\w*",
        r"решени\w*",
        r"απ[οό]φασ\w*",
        r"határozat\w*",
        r"päätö\w*",
        r"\w*beslut\w*",
        r"afgørelse\w*",
        r"otsus\w*",
        r"lēmum\w*",
        r"sprendim\w*",
        r"deċiżjoni\w*",
        r"cinneadh\w*",
    ),
}
_ACT_RE = re.compile(
    _NO_LETTER_BEFORE
    + "(?:"
    + "|".join(f"(?P<{t}>{'|'.join(stems)})" for t, stems in _ACT_STEMS.items())
    + ")"
    + _NO_LETTER_AFTER,
    re.IGNORECASE,
)
#: the same stems for one word or a two-word framework decision ("decisión marco")
_ACT_WORD_RE = re.compile(
    "|".join(f"(?P<{t}>{'|'.join(stems)})" for t, stems in _ACT_STEMS.items()), re.IGNORECASE
)
_WORD_RE = re.compile(rf"{_LETTER}+(?:['’\-]{_LETTER}+)*")
_ELISION_RE = re.compile(r"['’\-]")
_ACT_KIND = {"L": "directive", "R": "regulation", "D": "decision", "F": "framework_decision"}
_ACT_LABEL = {"L": "Directive", "R": "Regulation", "D": "Decision", "F": "Framework Decision"}

# The Union/Community abbreviation in each language, for labels ("Directive 2008/115/EC").
# "ES" is the Community in Czech, Slovak and Slovenian but the Union in Latvian and
# Lithuanian, so plain Union/Community abbreviations are read by the act's year instead.
_EEC = {"EEC", "CEE", "EWG", "EEG", "EØF", "ETY", "EHS", "EGK", "EMÜ", "EEB", "EEZ", "KEE"}
_EEC |= {"ΕΟΚ", "ЕИО"}
_JHA = {"JHA", "JAI", "JI", "JBZ", "RIF", "RIA", "YOS", "WSiSW", "SVV", "IB", "ΔΕΥ", "ПВР"}
_JHA |= {"JSK", "TI", "TVR", "PNZ", "PUP", "ĠAI", "CGB"}
_CFSP = {"CFSP", "PESC", "GASP", "GBVB", "UVP", "SZBP", "KKBP", "ΚΕΠΠΑ", "ОВППС", "YUTP"}
_CFSP |= {"BUSP", "KUSP", "ĀDP", "ZUVP", "ZVSP", "PESK", "KSZP"}
_COMMUNITY = {"EC", "CE", "EG", "EF", "EK", "EY", "ES", "WE", "EB", "EÜ", "EZ", "KE", "ΕΚ"}
_COMMUNITY |= {"ЕО"}

#: "(EU)", "(EG)", "(ΕΕ)"; a backslash before a parenthesis is Markdown's escape
_MARKER = rf"\\?\(\s*(?P<marker>{_LETTER}{{1,7}}(?:\s*,\s*Euratom)?)\s*\\?\)"
_NUMBER_WORD = (
    r"(?P<no>(?i:nos?\.?|nr\.?|n\s?[°º˚]\.?|n\.\s?[°º]|n:o|č\.|št\.|br\.|αριθ\.|αριθμ\.|№|"
    r"nru\.?|uimh\.?|n\.))"
)
#: the number itself ("2008/115/EC", "2016/679", "604/2013"); found first because digits
#: followed by a slash are rare in prose and the engine can skip to them quickly
_EU_CORE_RE = re.compile(
    rf"(?P<a>\d{{1,4}})/(?P<b>\d{{1,4}})"
    rf"(?:/(?P<abbr>{_LETTER}{{1,7}}(?:/Euratom)?)(?!{_LETTER}|/)|{_ID_END})"
)
#: what may precede it: "(EU) ", "(EG) Nr. ", "n° "
_EU_PREFIX_RE = re.compile(rf"(?:{_MARKER}\s*)?(?:{_NUMBER_WORD}\s*)?\Z")
_BEFORE_NUMBER = re.compile(rf"[\w/.{_DASHES}]")
#: what may stand between an act word and its number: a few words ("Parlamentu
#: Europejskiego i Rady", "d'exécution"), never digits or punctuation...
_STRONG_GAP_RE = re.compile(rf"(?:\s+{_LETTER}[\w'’\-]*){{0,6}}\s*")
#: ...and only the words of an issuing institution or of an implementing or delegated act,
#: so "the Directive refers to (EU) 2016/679" does not make a directive of a regulation
_GAP_WORD_RE = re.compile(
    r"(?:de|di|d|în|за|ta|tal|i|a|parlament\w*|evropsk\w*|európsk\w*|europejski\w*|"
    r"rad[aey]|rady|komisj\w*|komis[ei]\w*|ex[ée]cution|ejecuci[oó]n|esecuzione|execução|"
    r"deleg\w*|d[ée]l[ée]gu\w*|wykonawcz\w*|provád\w*|vykonáv\w*|implimentazzjoni|punere|aplicare|"
    r"vijeć\w*|svet\w*|съвет\w*|савет\w*|tarybos|padomes|nõukogu|neuvoston|rådets|"
    r"consiliului|συμβουλ\w*|"
    r"изпълнение|cur|chun|feidhme)",
    re.IGNORECASE,
)
_GAP_SPLIT_RE = re.compile(r"[\s'’\-]+")
_WEAK_GAP_RE = re.compile(r"\s{0,3}")
_AFTER_ACT_RE = re.compile(rf"\s*(?:{_LETTER}[\w'’\-]*\s+){{0,4}}?(?={_LETTER})")
#: between two numbers of one list ("Regulations (EU) 2019/817 and (EU) 2019/818")
_LIST_GAP_RE = re.compile(
    r"[\s,;]*(?:(?:and|or|as well as|und|oder|sowie|et|ou|ainsi que|y|o|e|ed|en|i|oraz|lub|"
    r"a|nebo|či|alebo|in|ali|и|или|και|ή|és|vagy|ja|tai|sekä|och|eller|og|ning|või|un|vai|"
    r"ir|arba|u|jew|agus|nó|și|sau)\s+)?",
    re.IGNORECASE,
)

# ------------------------------------------------------------------- UN documents
_UN_PREFIX = r"A|S|E|ST|CRC|CMW|CCPR|CEDAW|CERD|CAT|CRPD|CED|HRI|SPT|TD|UNEP|ECE|FCCC"
_UN_PART = (
    rf"(?:[A-Z][A-Za-z]{{0,7}}(?:\.\d{{1,4}})?|[A-Z]{{2}}-\d{{1,2}}|"
    rf"\d{{1,5}}(?:[{_DASHES}]\d{{1,4}}(?!/))?(?:\s?\((?:[IVXLC]+|\d{{4}})\))?)"
)
_UN_SYMBOL_RE = re.compile(
    rf"(?=[ACEFHSTU])(?<![\w/.])(?:(?P<prefix>{_UN_PREFIX})(?P<rest>(?:/{_UN_PART})+)"
    rf"|AV(?P<ocr>(?:RES|HRC)(?:/{_UN_PART})+)){_ID_END}"
)
#: the part after "A/", "S/" or "E/" that makes a slash-separated string a UN symbol
_UN_SERIES = {
    "A": re.compile(r"RES|HRC|C\.\d+|CONF\.\d+|AC\.\d+|INF|BUR|ES-\d+|S-\d+|\d{1,3}"),
    "S": re.compile(r"RES|PRST|\d{4}"),
    "E": re.compile(r"RES|CN\.\d+|C\.\d+|CONF\.\d+|HR|DEC|\d{4}"),
}
_RES_WORDS = (
    r"resolutions?|res\.?|résolutions?|resoluci[oó]n(?:es)?|risoluzion[ei]|resoluties?|"
    r"rezolucj\w*|rezoluc[ei]\w*|rezolúci\w*|rezoluți\w*|ψήφισμ\w*|резолюци\w*|resoluç\w*|"
    r"päätöslauselm\w*|resolutionen|entschließung\w*|rezolucij\w*|rezolūcij\w*|rezoliucij\w*"
)
_RES_PAIR = r"(?P<pa>\d{1,2})/(?P<pb>\d{1,3})(?![\w/])"
_RES_NUMBER_RE = _Folded(
    rf"\b(?P<word>{_RES_WORDS})\s+(?:(?:no\.?|n[°º]\.?|nr\.?)\s*)?"
    rf"(?P<list>\d{{1,2}}/\d{{1,3}}(?![\w/])"
    rf"(?:\s*(?:,|and|et|y|und|e|i|en)\s*\d{{1,2}}/\d{{1,3}}(?![\w/]))*)"
)
_RES_PAIR_RE = re.compile(_RES_PAIR)
_SC_RESOLUTION_RE = _Folded(
    rf"\b(?P<word>{_RES_WORDS})\s+(?:(?:no\.?|n[°º]\.?|nr\.?)\s*)?"
    r"(?P<num>\d{3,4})\s*\((?P<year>\d{4})\)"
)
_SC_NUMBER_RE = re.compile(r"\d{3,4}\s*\(\d{4}\)")
_GA_RE = re.compile(
    r"General\s+Assembly|\b(?:UN\s?)?GA\b|\bUNGA\b|Assembly|Assemblée\s+générale|Asamblea\s+General|"
    r"Generalversammlung|Assemblea\s+[Gg]enerale|Algemene\s+Vergadering|Zgromadzeni\w+\s+"
    r"Ogóln\w+|Valné\w*\s+shromážděn\w+|Valného\s+zhromaždenia|Γενικ\w+\s+Συνέλευσ\w+|"
    r"Общото\s+събрание|Assembleia\s+Geral|Adunăr\w+\s+General\w+|[Gg]eneralforsamling\w*|"
    r"[Gg]eneralförsamling\w*|yleiskokou\w+|Közgyűlés\w*"
)
#: "Council resolution 12/6" in a UN text is the Human Rights Council's (the Security
#: Council numbers its resolutions "2240 (2015)")
_COUNCIL_JUST_BEFORE_RE = re.compile(r"(?<!Security )Council\s*$")
_HRC_RE = re.compile(
    r"Human\s+Rights\s+Council|(?<!/)\bHRC\b(?!/)|Conseil\s+des\s+droits\s+de\s+l.homme|"
    r"Consejo\s+de\s+Derechos\s+Humanos|Menschenrechtsrat\w*|Consiglio\s+(?:per\s+i|dei)\s+"
    r"diritti\s+umani|Mensenrechtenraad|Rad\w+\s+Praw\s+Człowieka|Conselho\s+de\s+Direitos\s+"
    r"Humanos|Consiliul\w*\s+pentru\s+Drepturile\s+Omului"
)
_SC_RE = re.compile(
    r"Security\s+Council|\bUNSC\b|\bSC\b|Conseil\s+de\s+sécurité|Consejo\s+de\s+Seguridad|"
    r"Sicherheitsrat\w*|Consiglio\s+di\s+sicurezza|Veiligheidsraad|Rad\w+\s+Bezpieczeństwa"
)

# -------------------------------------------------------------- cases and judgments
_ECLI_RE = re.compile(
    r"(?<![\w:])ECLI:(?P<country>[A-Z]{2}):(?P<court>[A-Za-z0-9.]{1,10}):(?P<year>\d{4}):"
    r"(?P<ordinal>[A-Za-z0-9](?:[A-Za-z0-9.]*[A-Za-z0-9])?)"
)
_BARE_EU_ECLI_RE = re.compile(r"(?<![\w:])EU:(?P<court>[CTF]):(?P<year>\d{4}):(?P<ord>\d{1,5})")
_ECHR_ORDINAL_RE = re.compile(r"\d{4}[A-Z]{3}(?P<app>\d{7})(?P<yy>\d{2})")
_CJEU_CASE_RE = re.compile(
    rf"(?P<court>[CTF])(?<![\w/{_DASHES}][CTF])\s?[{_DASHES}]\s?(?P<num>\d{{1,4}})/(?P<yy>\d{{2}})"
    rf"(?![\w/])(?:\s(?P<appeal>P){_NO_LETTER_AFTER})?(?:\s(?P<ppu>PPU){_NO_LETTER_AFTER})?"
)
_CASE_CONTEXT_RE = re.compile(
    r"\b(?:cases?|rechtssachen?|rs\.|affaires?|aff\.|asuntos?|caus[ae]|zaak|zaken|sprawi?e|"
    r"věc|veci|zadev[ai]|predmet|mål|sag|asia|ügy|υπόθεσ\w+|дел\w+|processo|cauz[ae]|kawża|"
    r"cásanna|CJEU|ECJ|EuGH|CJUE|TJUE|CGUE|HvJ|TSUE|SDEU|court\s+of\s+justice|gerichtshof|"
    r"cour\s+de\s+justice|tribunal\s+de\s+justicia|corte\s+di\s+giustizia|hof\s+van\s+justitie|"
    r"judgments?|rulings?|urteil\w*|arrêt|sentencia|sentenza|arrest|wyrok\w*|joined)\b",
    re.IGNORECASE,
)
_CASE_AFTER_RE = re.compile(r"EU:[CTF]:|ECLI|ECR|Slg\.|Rec\.", re.IGNORECASE)
_ECHR_APP_RE = _Folded(
    r"\b(?:applications?|app\.|requêtes?|beschwerde|ricors[oi]|demandas?|skarg[ai])\s*"
    r"(?:nos?\.?|n[°º]s?\.?|nr\.?|n\.)\s*"
    r"(?P<list>\d{1,6}/\d{2}(?![\w/])(?:\s*(?:,|and|et|und|y|e|i)\s*\d{1,6}/\d{2}(?![\w/]))*)"
)
_ECHR_NO_RE = _Folded(r"\bnos?\.\s*(?P<list>\d{3,6}/\d{2}(?![\w/]))")
_ECHR_CONTEXT_RE = re.compile(
    r"ECtHR|ECHR|European Court of Human Rights|EGMR|Cour EDH|CEDH|TEDH|Corte EDU|EHRM|"
    r"\bv\.?\s+[A-Z]|\bc\.\s+[A-Z]|\bgegen\s+[A-Z]"
)
_APP_NUMBER_RE = re.compile(r"(?P<num>\d{1,6})/(?P<yy>\d{2})(?![\w/])")

# -------------------------------------------------- other numbered instruments
#: a CELEX number written out ("CELEX:32008L0115", "uri=CELEX%3A32016R0679") or an ELI
#: ("data.europa.eu/eli/dir/2008/115/oj"), as links and reference lists give them
_CELEX_RE = re.compile(r"CELEX(?::|%3A|\s+(?:number\s+)?)(?P<celex>3\d{4}[LRDF]\d{4})(?![\w])")
_ELI_RE = re.compile(
    r"data\.europa\.eu/eli/(?P<type>dir|reg|dec)(?:_impl|_del)?/(?P<year>\d{4})/(?P<num>\d{1,4})"
    r"(?![\d])"
)
_ELI_LETTER = {"dir": "L", "reg": "R", "dec": "D"}
_COM_RE = re.compile(
    r"(?<![\w/])COM\s?\(\s?(?P<year>\d{4})\s?\)\s?(?P<num>\d{1,4})(?:\s?final)?"
    r"|(?<![\w/])COM/(?P<year2>\d{4})/(?P<num2>\d{1,4})(?:\s?final)?"
)
_PROPOSAL_WORD_RE = re.compile(
    r"proposals?|vorschlag|proposition|propuesta|proposta|voorstel|wniosek|návrh",
    re.IGNORECASE,
)
_ILO_CONVENTION = (
    r"(?:Conventions?|Übereinkommen|Convenios?|Convenzion[ei]|Conventies?|Verdrag(?:en)?|"
    r"Konwencj\w*)"
)
_ILO_NO = r"(?:Nos?|Nr|n[°º]s?)\.?\s*"
_ILO_LIST = r"\d{1,3}(?:\s*(?:,|and|et|y|und|e|i)\s*\d{1,3})*"
#: "ILO Convention No. 189", "ILO Conventions Nos. 97 and 143", "ILO C189",
#: "Convention n° 189 de l'OIT"
_ILO_RE = re.compile(
    rf"(?<![\w])(?:ILO|IAO|OIT|MOP)(?:'s)?[\s-]+(?:{_ILO_CONVENTION}\s+(?:{_ILO_NO})?|{_ILO_NO}"
    rf"|C(?=\d))(?P<list>{_ILO_LIST})(?![\d/]|\.\d)"
    rf"|(?<![\w]){_ILO_CONVENTION}\s+(?:{_ILO_NO})?(?P<after>\d{{1,3}})\s+"
    r"(?:of\s+the|de\s+la|de\s+l['’]|der|dell['’]|van\s+de)\s*(?:ILO|OIT|IAO)(?!\w)"
)
_ILO_NUMBER_RE = re.compile(r"\d{1,3}")
_CETS_RE = re.compile(
    r"(?<![\w])(?:CETS|ETS|STCE|STE|SEV)\s*(?:(?:No\.?|n[°º]\.?|Nr\.?)\s*(?P<num>\d{1,3})"
    r"|(?P<num3>\d{3}))(?![\d/])"
)

# ------------------------------------------------------------- paragraphs, objectives
_PARA_WORDS = (
    r"\b(?:paragraphs?|paras?\.?|pars?\.|operative\s+paragraphs?|recommendations?|"
    r"paragraphes?|párrafos?|párr\.|absatz|absätze|abs\.|ziffer[n]?|ziff\.|paragraf[oi]|"
    r"punt[oi]|paragra(?:af|fen)|parágrafos?|παράγραφ\w*|παρ\.|pkt\.?|punkt\w*|bod\w*|"
    r"odstav\w*|odst\.|kohta|kohd\w*|stycke|stk\.|alin\.|alineat\w*|pont\w*)|§§?"
)
_PARA_NUMBER = (
    rf"\d{{1,3}}(?:\s?\(\s?[a-z]{{1,4}}\s?\)){{1,2}}|\d{{1,3}}\s[a-z]\)|"
    rf"\d{{1,3}}[a-z]{_NO_LETTER_AFTER}(?!\()|\d{{1,3}}(?!\d)(?![/.,]\d)"
)
_PARA_JOIN = rf"\s*(?:,|;|and|&|et|y|und|e|en|to|bis|à|[{_DASHES}])\s*"
_PARA_REF_RE = _Folded(
    rf"(?P<word>{_PARA_WORDS})\s*"
    rf"(?P<list>(?:{_PARA_NUMBER})(?:{_PARA_JOIN}(?:{_PARA_NUMBER}))*)"
)
_PARA_ITEM_RE = _Folded(rf"(?P<join>{_PARA_JOIN})?(?P<num>{_PARA_NUMBER})")
#: "4(c) “Expresses concern ...” (A/RES/76/172)": a paragraph number opening a line and
#: followed by a quotation, as submissions answering a resolution lay them out
_BARE_PARA_RE = re.compile(
    r"(?m)^[ \t]*(?:[-•*–]\s*)?(?P<num>\d{1,2}\s?\([a-z]{1,3}\))(?=\s*[*_\"“«‘'„])"
)
_ARTICLE_BEFORE_RE = re.compile(
    r"(?:article|art\.|artikel|artículo|articolo|artigo|artykuł|art)\s*\d+[a-z]?\s*,?\s*$",
    re.IGNORECASE,
)
_OBJECTIVE_RE = _Folded(
    r"\b(?P<word>objectives?|objectifs?|objetivos?|obiettiv[oi]|ziele?|"
    r"doelstelling(?:en)?|cel[eu]?|cíle?)\s+(?:(?:no\.?|n[°º]|nr\.?)\s*)?"
    r"(?P<list>\d{1,2}(?:\s*(?:,|and|&|et|y|und|e|i|en)\s*\d{1,2})*)(?![\d/]|\.\d)"
)
_OBJECTIVE_NUMBER_RE = re.compile(r"\d{1,2}")
#: "objective 15 of the Global Compact": the bare "Global Compact" is not a name the
#: catalogue can own (there is one on refugees too), but an objective number pins it down
_OF_THE_COMPACT_RE = re.compile(
    r"\s*,?\s*(?:of|du|del|des|der|della|van)\s+(?:the\s+|le\s+|el\s+)?(?:global\s+compact|"
    r"pacte\s+mondial|pacto\s+mundial|globalen\s+pakts?|patto\s+globale|gcm)",
    re.IGNORECASE,
)
_ARTICLE_RE = _Folded(
    r"\b(?:articles?|art\.|artikel[ns]?|artículos?|articol[oi]|artigos?|"
    r"artykuł\w*|článe?k\w*|člen\w*|član\w*|άρθρ\w*|член\w*|articolul|artikla\w*|airteagal)\s*"
    r"(?P<num>\d{1,3}[a-z]?(?:\s?\(\d{1,2}[a-z]?\))?(?:\s?\([a-z]\))?)"
    r"(?:\s*(?:abs\.|para(?:graph)?\.?|paragraphe|§|lid|ust\.)\s*(?P<sub>\d{1,2}))?"
)

GCM = "A/RES/73/195"
#: "no. 27765/09, ECHR 2012": the Court's law reports, cited by year, not the Convention
_REPORT_SERIES = frozenset({"ECHR"})
_YEAR_AFTER_RE = re.compile(r"\s+(?:19|20)\d{2}(?!\d|/)")
_DIGIT_SLASH_DIGIT_RE = re.compile(r"\d/\d")
PARAGRAPHABLE = frozenset({"un_resolution", "un_document"})
_SPACES_RE = re.compile(r"\s+")


def celex_url(celex: str) -> str:
    return f"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:{celex}"


def un_url(symbol: str) -> str:
    return f"https://undocs.org/{symbol}"


def hudoc_url(app_no: str) -> str:
    return 'https://hudoc.echr.coe.int/eng#{"appno":["' + app_no + '"]}'


def ecli_url(ecli: str) -> str:
    """Where an ECLI can be read: EUR-Lex for the EU courts, the Dutch judiciary's own site,
    HUDOC for Strasbourg (found by application number, which the ECLI carries), else the
    European e-Justice ECLI search."""
    parts = ecli.split(":")
    if parts[1] == "EU":
        return f"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=ecli:{ecli}"
    if parts[1] == "NL":
        return f"https://uitspraken.rechtspraak.nl/inziendocument?id={ecli}"
    if parts[1] == "CE" and parts[2] == "ECHR":
        found = _ECHR_ORDINAL_RE.fullmatch(parts[4])
        if found:
            return hudoc_url(f"{int(found['app'])}/{found['yy']}")
    return f"https://e-justice.europa.eu/ecli/{ecli}"


def celex(kind_letter: str, year: int, number: int) -> str:
    """CELEX for a secondary act: sector 3, year, L/R/D/F, number on four digits."""
    return f"3{year:04d}{kind_letter}{number:04d}"


def eu_citation(kind_letter: str, year: int, number: int, abbr: str | None) -> str:
    """An English citation in the Official Journal's style for acts the catalogue lacks."""
    family = _family(abbr, year)
    word = _ACT_LABEL[kind_letter]
    if year >= 2015:
        return f"{word} ({'EU' if family in {'EU', 'EC', 'EEC'} else family}) {year}/{number}"
    written = f"{year % 100:02d}" if year < 1999 else str(year)  # "Directive 93/104/EC"
    if kind_letter == "R":
        return f"{word} ({family}) No {number}/{written}"
    return f"{word} {written}/{number}/{family}"


def _family(abbr: str | None, year: int) -> str:
    token = (abbr or "").split("/")[0].strip()
    if token in _JHA:
        return "JHA"
    if token in _CFSP:
        return "CFSP"
    if token in _EEC:
        return "EEC"
    if token == "Euratom":
        return "Euratom"
    if year >= 2010:
        return "EU"
    return "EC" if year >= 1993 else "EEC"


@dataclass(frozen=True)
class _Number:
    """An EU act number with what was written around it."""

    start: int
    end: int
    a: int
    b: int
    abbr: str
    marker: str
    no: str


def _eu_number_at(text: str, core: re.Match[str]) -> _Number | None:
    """The number with its marker and "No" word, if it stands on its own: not inside
    another identifier ("A/RES/76/172", "C-181/16", "27765/09") or a decimal ("2.1/2023")."""
    candidates = [(core.start(), "", "")]
    before = text[core.start() - 1] if core.start() else ""
    if before and (before.isalnum() or before in "/-\u2010\u2011\u2013"):
        return None  # inside another identifier: "A/RES/76/172", "C-181/16", "27765/09"
    prefix = _EU_PREFIX_RE.search(text, max(0, core.start() - 30), core.start())
    if prefix is not None and prefix.start() < core.start():
        candidates.insert(0, (prefix.start(), prefix["marker"] or "", prefix["no"] or ""))
    for start, marker, no in candidates:
        if start > 0 and _BEFORE_NUMBER.match(text, start - 1):
            continue
        return _Number(
            start, core.end(), int(core["a"]), int(core["b"]), core["abbr"] or "", marker, no
        )
    return None


@dataclass
class _Found:
    """A mention under construction (attributes are filled in by later passes)."""

    start: int
    end: int
    kind: str
    key: str
    label: str
    attrs: dict[str, str] = field(default_factory=dict)

    def mention(self) -> Mention:
        return Mention(self.kind, self.key, self.label, self.start, self.end, dict(self.attrs))


# --------------------------------------------------------------------- name tries
_Trie: TypeAlias = "dict[str, _Trie]"


def _unit(ch: str) -> str:
    """One character of a name as a pattern: spaces, apostrophes, hyphens and slashes vary
    between writers ("Victims Directive", "Entry-Exit System"), letters do not."""
    if ch.isspace():
        return r"\s+"
    if ch in "'’‘`":
        return "['’‘`]?"
    if ch in "-\u2010\u2011\u2013\u2014":
        return rf"[{_DASHES}\s]?"
    if ch == "/":
        return r"\s?/\s?"
    return re.escape(ch)


def _trie_pattern(names: list[str]) -> str:
    """One alternation shaped as a prefix tree: the regex engine then tests a handful of
    first characters at each position instead of every name, which is what keeps hundreds
    of names fast. Longer names win because optional tails are tried first."""
    trie: _Trie = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(_unit(ch), {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [unit + build(child) for unit, child in sorted(node.items()) if unit]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _is_acronym_name(name: str) -> bool:
    """Names with an acronym in them ("AI Act", "ETIAS", "EMRK") are matched with their
    case: in lower case they are ordinary words or other things."""
    return any(len(tok) >= 2 and tok.isalpha() and tok.isupper() for tok in re.split(r"\W+", name))


@dataclass(frozen=True)
class _Tables:
    catalogue: Catalogue
    names_exact: re.Pattern[str] | None
    names_folded: re.Pattern[str] | None
    names_folded_slow: re.Pattern[str] | None
    name_ids: dict[str, tuple[str, ...]]
    objective_titles: dict[int, str]


def _tables(cat: Catalogue) -> _Tables:
    names = cat.names()
    exact = [n for n in names if _is_acronym_name(n)]
    folded = sorted({n.lower() for n in names if not _is_acronym_name(n)})

    def compile_names(items: list[str], flags: int = 0) -> re.Pattern[str] | None:
        # \b rather than a letter lookbehind: it lets the engine skip ahead on first
        # characters, which makes the name scan three times faster
        if not items:
            return None
        pattern = r"\b(?:" + _trie_pattern(items) + ")" + _NO_LETTER_AFTER
        return re.compile(pattern, flags)

    gcm = cat.get(GCM)
    titles = {o.number: _fold(o.title) for o in gcm.objectives} if gcm else {}
    return _Tables(
        catalogue=cat,
        names_exact=compile_names(sorted(exact)),
        names_folded=compile_names(folded),
        names_folded_slow=compile_names(folded, re.IGNORECASE),
        name_ids={name_key(n): ids for n, ids in names.items()},
        objective_titles=titles,
    )


@lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    return name_key(name)


def _fold(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip().casefold()


# ------------------------------------------------------------------------ enricher
class InstrumentEnricher(TextEnricher):
    """Finds instrument citations in passages and footnotes, in any EU language.

    ``language`` is accepted but not used to narrow the patterns: documents quote acts in
    other languages than their own (a German brief citing "directive 2008/115/CE"), and
    every pattern is cheap enough to run always.
    """

    name: ClassVar[str] = "instruments"
    version: ClassVar[str] = "1"

    def __init__(self, cat: Catalogue | None = None) -> None:
        self._t = _tables(cat or catalogue())

    # ---- public
    def find(self, text: str, language: str | None = None) -> list[Mention]:
        lowered = text.lower()
        folded = lowered if len(lowered) == len(text) else None
        found: list[_Found] = []
        if "/" in text:
            found += self._un_symbols(text)
            if _DIGIT_SLASH_DIGIT_RE.search(text):
                found += self._eu_acts(text)
                found += self._resolution_numbers(text, folded)
                found += self._cases(text, folded)
        if "EU:" in text or "ECLI" in text:
            found += self._eclis(text)
        if _SC_NUMBER_RE.search(text):
            found += self._security_council(text, folded)
        if "COM" in text:
            found += self._com_documents(text)
        if "CELEX" in text or "/eli/" in text:
            found += self._celex_links(text)
        if "ILO" in text or "OIT" in text or "IAO" in text or "MOP" in text:
            found += self._ilo(text)
        if "ETS" in text or "STCE" in text or "STE" in text or "SEV" in text:
            found += self._cets(text)
        found = _drop_overlaps(found, self._names(text, folded))
        found += self._objectives(text, folded, found)
        found.sort(key=lambda f: (f.start, f.end))
        self._paragraphs(text, folded, found)
        _articles(text, folded, found)
        found.sort(key=lambda f: (f.start, f.end))
        return _dedupe(found)

    # ---- catalogue helpers
    def _entry(self, key: str) -> Instrument | None:
        return self._t.catalogue.get(key)

    def _make(
        self, start: int, end: int, key: str, kind: str, label: str, url: str, **attrs: str
    ) -> _Found:
        """A mention, with the catalogue's key, kind, label and URL when it knows the
        instrument (so an alias such as a case number files under the judgment's ECLI)."""
        entry = self._entry(key)
        extra = {k: v for k, v in attrs.items() if v}
        if entry is not None:
            if entry.id != key:
                extra.setdefault("cited_as", key)
            # an entry without a short name is better read by its citation than its title
            shown = entry.label if entry.short_names or "citation" not in extra else label
            return _Found(start, end, entry.kind, entry.id, shown, {"url": entry.url, **extra})
        return _Found(start, end, kind, key, label, {"url": url, **extra})

    # ---- EU acts
    def _eu_acts(self, text: str) -> list[_Found]:
        out: list[_Found] = []
        previous: _Found | None = None
        previous_type = ""
        for core in _EU_CORE_RE.finditer(text):
            m = _eu_number_at(text, core)
            if m is None:
                continue
            strong = bool(m.marker or m.abbr or m.no)
            start, end = m.start, m.end
            act_type, act_start = self._act_before(text, m.start, strong)
            if act_type:
                start = act_start
            elif strong:
                act_type, act_end = self._act_after(text, m.end)
                end = act_end if act_type else end
            if not act_type and previous is not None and previous_type:
                gap = text[previous.end : m.start]
                if len(gap) <= 25 and _LIST_GAP_RE.fullmatch(gap):
                    act_type = previous_type
            result = self._eu_number(m, act_type, strong)
            if result is None:
                continue
            letter, year, number = result
            key = celex(letter, year, number)
            citation = eu_citation(letter, year, number, m.abbr)
            found = self._make(
                start, end, key, _ACT_KIND[letter], citation, celex_url(key), citation=citation
            )
            out.append(found)
            previous, previous_type = found, letter
        return out

    @staticmethod
    def _act_before(text: str, start: int, strong: bool) -> tuple[str, int]:
        """The act word closest before the number, if only a few words (for a number with a
        marker or abbreviation) or only spaces (for a bare "2016/679") stand between.

        Words are tested one by one from the number backwards (a whole-window search with
        the 24-language pattern was the enricher's hot spot)."""
        words = list(_WORD_RE.finditer(text, max(0, start - 90), start))[-8:]
        for i in range(len(words) - 1, -1, -1):
            letter, act_start = _act_word(text, words, i)
            if not letter:
                continue
            gap_re = _STRONG_GAP_RE if strong else _WEAK_GAP_RE
            if gap_re.fullmatch(text, words[i].end(), start) and all(
                _GAP_WORD_RE.fullmatch(word)
                for word in _GAP_SPLIT_RE.split(text[words[i].end() : start])
                if word
            ):
                return letter, act_start
            return "", 0
        return "", 0

    @staticmethod
    def _act_after(text: str, end: int) -> tuple[str, int]:
        """Hungarian (and the odd English "the 2004/38/EC Directive") put the act word after
        the number: "a 2008/115/EK irányelv"."""
        gap = _AFTER_ACT_RE.match(text, end)
        if gap is None:
            return "", 0
        word = _ACT_RE.match(text, gap.end())
        if word is None:
            return "", 0
        return word.lastgroup or "", word.end()

    def _eu_number(self, m: _Number, act: str, strong: bool) -> tuple[str, int, int] | None:
        """(type, year, number) of an act number, by the conventions of its time: directives
        and decisions year first ("2008/115"), regulations number first until 2014 ("No
        562/2006") and year first since 2015 ("(EU) 2016/679")."""
        a, b = m.a, m.b
        if not act:
            return self._catalogue_number(m, a, b) if strong else None
        if act == "R":
            if m.no:
                year, number = b, a
            elif m.marker in _COMMUNITY or m.marker in _EEC:
                year, number = (b, a) if _plausible_year(b) else (a, b)
            elif a >= 2015 and _plausible_year(a):
                year, number = a, b
            elif _plausible_year(b) or b < 100:
                year, number = b, a
            else:
                year, number = a, b
        elif act in ("D", "F") and m.no and not (a >= 2015 and m.marker):
            year, number = b, a
        else:
            year, number = a, b
        if not strong and _looks_like_years(a, b):
            return None
        if act in ("D", "F") and not (m.marker or m.abbr):
            # "Decision No 5/2020" of a town council: EU decisions always carry "(EU)" or
            # an abbreviation ("2008/615/JHA", "No 1082/2013/EU")
            return None
        full_year = _expand_year(year)
        if full_year is None or not 1 <= number <= 9999:
            return None
        return act, full_year, number

    def _catalogue_number(self, m: _Number, a: int, b: int) -> tuple[str, int, int] | None:
        """A number with no act word ("under 2008/115/EC") counts only when the catalogue
        knows an act it can be; that is what keeps look-alike numbers out."""
        orders = [(a, b), (b, a)] if not m.no else [(b, a), (a, b)]
        for year_raw, number in orders:
            year = _expand_year(year_raw)
            if year is None:
                continue
            for letter in "LRFD":
                if self._entry(celex(letter, year, number)) is not None:
                    return letter, year, number
        return None

    # ---- UN documents
    def _un_symbols(self, text: str) -> list[_Found]:
        out: list[_Found] = []
        for m in _UN_SYMBOL_RE.finditer(text):
            if m["ocr"]:
                # "AVRES/76/172": OCR of "A/RES" (the slash read as a V). No UN series is
                # called AVRES, so the repair cannot turn a real symbol into another.
                prefix, parts = "A", m["ocr"].split("/")
            else:
                prefix, parts = m["prefix"], m["rest"].split("/")[1:]
            if not any(ch.isdigit() for ch in "".join(parts)) or len(parts) < 2:
                continue
            series = _UN_SERIES.get(prefix)
            if series is not None and not series.fullmatch(parts[0]):
                continue
            symbol = "/".join([prefix, *parts])
            symbol = _SPACES_RE.sub("", symbol)
            symbol = re.sub(f"[{_DASHES}]", "-", symbol)
            kind = "un_resolution" if "/RES/" in symbol else "un_document"
            found = self._make(m.start(), m.end(), symbol, kind, symbol, un_url(symbol))
            if m["ocr"]:
                found.attrs["repaired"] = f"OCR {m.group(0)!r}"
            out.append(found)
        return _merge_joint(out, text)

    def _resolution_numbers(self, text: str, folded: str | None) -> list[_Found]:
        """ "General Assembly resolution 76/172", "HRC resolution 52/20". The body is read
        from the words around the number, since the Assembly and the Human Rights Council
        number their resolutions the same way."""
        out: list[_Found] = []
        for m in _RES_NUMBER_RE.finditer(text, folded):
            body = _nearest_body(text, m.start("word"), m.end())
            for pair in _RES_PAIR_RE.finditer(text, m.start("list"), m.end("list")):
                if body is None and int(pair["pb"]) <= 50:
                    # unnamed body: the Human Rights Council adopts a few dozen resolutions
                    # a session, the Assembly hundreds, so only high numbers are surely GA
                    continue
                series = "A/HRC/RES" if body == "HRC" else "A/RES"
                symbol = f"{series}/{pair['pa']}/{pair['pb']}"
                start = m.start("word") if pair.start() == m.start("list") else pair.start()
                found = self._make(
                    start, pair.end(), symbol, "un_resolution", symbol, un_url(symbol)
                )
                out.append(found)
        return out

    def _security_council(self, text: str, folded: str | None) -> list[_Found]:
        """ "Security Council resolution 2240 (2015)": the Council's own numbering, with the
        year in brackets, and the Council named just before."""
        out: list[_Found] = []
        for m in _SC_RESOLUTION_RE.finditer(text, folded):
            window = text[max(0, m.start() - 60) : m.start()]
            if not _SC_RE.search(window):
                continue
            symbol = f"S/RES/{m['num']}({m['year']})"
            out.append(
                self._make(m.start(), m.end(), symbol, "un_resolution", symbol, un_url(symbol))
            )
        return out

    # ---- judgments
    def _eclis(self, text: str) -> list[_Found]:
        out: list[_Found] = []
        for m in _ECLI_RE.finditer(text):
            ecli = m.group(0)
            out.append(self._make(m.start(), m.end(), ecli, "case", ecli, ecli_url(ecli)))
        for m in _BARE_EU_ECLI_RE.finditer(text):
            ecli = f"ECLI:{m.group(0)}"
            out.append(self._make(m.start(), m.end(), ecli, "case", ecli, ecli_url(ecli)))
        return out

    def _cases(self, text: str, folded: str | None) -> list[_Found]:
        out: list[_Found] = []
        for m in _CJEU_CASE_RE.finditer(text):
            before = text[max(0, m.start() - 60) : m.start()]
            after = text[m.end() : m.end() + 40]
            context = m["ppu"] or _CASE_CONTEXT_RE.search(before) or _CASE_AFTER_RE.search(after)
            if not context:
                continue
            number = f"{m['court']}-{int(m['num'])}/{m['yy']}" + (" P" if m["appeal"] else "")
            url = f"https://curia.europa.eu/juris/liste.jsf?num={number.replace(' ', '')}"
            out.append(
                self._make(m.start(), m.end(), number, "case", f"Case {number}", url, case=number)
            )
        for regex, needs_context in ((_ECHR_APP_RE, False), (_ECHR_NO_RE, True)):
            for m in regex.finditer(text, folded):
                if needs_context and not _ECHR_CONTEXT_RE.search(
                    text[max(0, m.start() - 200) : m.start()]
                ):
                    continue
                for app in _APP_NUMBER_RE.finditer(text, m.start("list"), m.end("list")):
                    app_no = f"{int(app['num'])}/{app['yy']}"
                    start = m.start() if app.start() == m.start("list") else app.start()
                    out.append(
                        self._make(
                            start,
                            app.end(),
                            f"ECHR {app_no}",
                            "case",
                            f"ECtHR application no. {app_no}",
                            hudoc_url(app_no),
                            application=app_no,
                        )
                    )
        return out

    def _celex_links(self, text: str) -> list[_Found]:
        out: list[_Found] = []
        for m in _CELEX_RE.finditer(text):
            key = m["celex"]
            letter, year, number = key[5], int(key[1:5]), int(key[6:])
            citation = eu_citation(letter, year, number, None)
            found = self._make(
                m.start(),
                m.end(),
                key,
                _ACT_KIND[letter],
                citation,
                celex_url(key),
                citation=citation,
            )
            out.append(found)
        for m in _ELI_RE.finditer(text):
            letter, year, number = _ELI_LETTER[m["type"]], int(m["year"]), int(m["num"])
            key = celex(letter, year, number)
            citation = eu_citation(letter, year, number, None)
            found = self._make(
                m.start(),
                m.end(),
                key,
                _ACT_KIND[letter],
                citation,
                celex_url(key),
                citation=citation,
            )
            out.append(found)
        return out

    # ---- Commission documents, ILO and Council of Europe treaties
    def _com_documents(self, text: str) -> list[_Found]:
        out: list[_Found] = []
        for m in _COM_RE.finditer(text):
            year, num = m["year"] or m["year2"], int(m["num"] or m["num2"])
            key = f"COM({year}) {num}"
            window = text[max(0, m.start() - 120) : m.start()]
            kind = "proposal" if _PROPOSAL_WORD_RE.search(window) else "eu_document"
            url = f"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=COM:{year}:{num}:FIN"
            out.append(self._make(m.start(), m.end(), key, kind, f"{key} final", url))
        return out

    def _ilo(self, text: str) -> list[_Found]:
        out: list[_Found] = []
        for m in _ILO_RE.finditer(text):
            span = ("list", "after")[m["list"] is None]
            for num in _ILO_NUMBER_RE.finditer(text, m.start(span), m.end(span)):
                number = int(num.group(0))
                key = f"ILO C{number:03d}"
                url = (
                    "https://www.ilo.org/dyn/normlex/en/f?p=NORMLEXPUB:12100:0::NO::"
                    f"P12100_ILO_CODE:C{number:03d}"
                )
                start = m.start() if num.start() == m.start(span) else num.start()
                end = m.end() if span == "after" else num.end()
                label = f"ILO Convention No. {number}"
                out.append(self._make(start, end, key, "convention", label, url))
        return out

    def _cets(self, text: str) -> list[_Found]:
        out: list[_Found] = []
        for m in _CETS_RE.finditer(text):
            num = int(m["num"] or m["num3"])
            key = f"CETS {num:03d}"
            url = (
                "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail"
                f"&treatynum={num:03d}"
            )
            out.append(self._make(m.start(), m.end(), key, "convention", key, url))
        return out

    # ---- names
    def _names(self, text: str, folded: str | None) -> list[_Found]:
        """Catalogue names; names without acronyms are matched on the lower-cased text
        (cheaper than a case-insensitive pattern), unless lower-casing changes the text's
        length (a dotted capital I does), which would shift every offset."""
        out: list[_Found] = []
        scans: list[tuple[re.Pattern[str] | None, str]] = [(self._t.names_exact, text)]
        if folded is not None:
            scans.append((self._t.names_folded, folded))
        else:
            scans.append((self._t.names_folded_slow, text))
        for regex, haystack in scans:
            if regex is None:
                continue
            for m in regex.finditer(haystack):
                if m.group(0) in _REPORT_SERIES and _YEAR_AFTER_RE.match(text, m.end()):
                    continue
                ids = self._t.name_ids.get(_name_key(m.group(0)), ())
                for key in ids:
                    entry = self._entry(key)
                    if entry is None:
                        continue
                    out.append(
                        _Found(
                            m.start(),
                            m.end(),
                            entry.kind,
                            entry.id,
                            entry.label,
                            {"url": entry.url, "name": m.group(0)},
                        )
                    )
        return out

    # ---- Global Compact objectives
    def _objectives(self, text: str, folded: str | None, found: list[_Found]) -> list[_Found]:
        """ "objective 7" is the Global Compact's when the text names the Compact, or when
        the objective's own title follows the number (as in a footnote that says "objective 7
        'Address and reduce vulnerabilities in migration'" and nothing else)."""
        titles = self._t.objective_titles
        entry = self._entry(GCM)
        if not titles or entry is None:
            return []
        gcm_named = any(f.key == GCM for f in found)
        if not gcm_named and "bjective" not in text and "BJECTIVE" not in text:
            return []  # only English titles are catalogued, so only "objective" can match
        out: list[_Found] = []
        for m in _OBJECTIVE_RE.finditer(text, folded):
            for num in _OBJECTIVE_NUMBER_RE.finditer(text, m.start("list"), m.end("list")):
                number = int(num.group(0))
                if number not in titles:
                    continue
                following = _fold(text[num.end() : num.end() + 120]).lstrip(" :–-‘'\"“«(")
                titled = following.startswith(titles[number][:25])
                of_compact = _OF_THE_COMPACT_RE.match(text, num.end())
                if not (gcm_named or titled or of_compact):
                    continue
                start = m.start() if num.start() == m.start("list") else num.start()
                objective = entry.objective(number)
                out.append(
                    _Found(
                        start,
                        num.end(),
                        entry.kind,
                        entry.id,
                        entry.label,
                        {
                            "url": entry.url,
                            "objective": str(number),
                            "objective_title": objective.title if objective else "",
                        },
                    )
                )
        return out

    # ---- paragraphs
    def _paragraphs(self, text: str, folded: str | None, found: list[_Found]) -> None:
        targets = [f for f in found if f.kind in PARAGRAPHABLE]
        if not targets:
            return
        refs: list[tuple[int, int, list[tuple[str, int, int]]]] = []
        for m in _PARA_REF_RE.finditer(text, folded):
            if _ARTICLE_BEFORE_RE.search(text[max(0, m.start() - 25) : m.start()]):
                continue
            if any(t.start <= m.start() < t.end for t in targets):
                continue
            refs.append((m.start(), m.end(), list(_paragraph_items(text, folded, m))))
        for m in _BARE_PARA_RE.finditer(text):
            pid = _normal_paragraph(m["num"])
            refs.append((m.start("num"), m.end("num"), [(pid, m.start("num"), m.end("num"))]))
        extra: list[_Found] = []
        for start, end, items in sorted(refs):
            target = _paragraph_target(text, start, end, targets)
            if target is None or not items:
                continue
            for pid, p_start, p_end in items:
                if "paragraph" not in target.attrs:
                    target.attrs["paragraph"] = pid
                elif target.attrs["paragraph"] != pid:
                    copy = _Found(
                        p_start,
                        p_end,
                        target.kind,
                        target.key,
                        target.label,
                        {"url": target.attrs["url"], "paragraph": pid},
                    )
                    extra.append(copy)
        found.extend(extra)


# ------------------------------------------------------------------------- helpers
def _act_word(text: str, words: list[re.Match[str]], i: int) -> tuple[str, int]:
    """The act type of word ``i`` (with the word before it for two-word framework
    decisions), and where the act word starts; "Id-Direttiva" and "d'exécution" are read
    by their last part."""
    if i > 0 and _act_type(text[words[i - 1].start() : words[i].end()]) == "F":
        return "F", words[i - 1].start()
    word = words[i].group(0)
    letter = _act_type(word)
    if letter:
        return letter, words[i].start()
    tail = _ELISION_RE.split(word)[-1]
    if tail != word:
        letter = _act_type(tail)
        if letter:
            return letter, words[i].end() - len(tail)
    return "", 0


@lru_cache(maxsize=8192)
def _act_type(words: str) -> str:
    """L, R, D or F for an act word in any language, "" for any other word (cached: the
    same few hundred words surround every number)."""
    found = _ACT_WORD_RE.fullmatch(words)
    return (found.lastgroup or "") if found is not None else ""


def _plausible_year(value: int) -> bool:
    return FIRST_YEAR <= value <= MAX_YEAR


def _expand_year(value: int) -> int | None:
    """Two-digit years are the pre-1999 style ("93/104/EC"); anything else must be a year
    in which the Communities or the Union legislated."""
    year = 1900 + value if value < 100 else value
    return year if _plausible_year(year) else None


def _looks_like_years(a: int, b: int) -> bool:
    """ "2012/2013", "2012/13": a span of years, not an act (when no marker says otherwise)."""
    if not _plausible_year(a):
        return False
    return b == a + 1 or (b < 100 and b == (a + 1) % 100)


def _nearest_body(text: str, start: int, end: int) -> str | None:
    """Which UN body a "resolution NN/NN" belongs to: the nearest body named just before or
    after it; the Assembly and the Human Rights Council both number resolutions this way."""
    before = text[max(0, start - 80) : start]
    after = text[end : end + 60]
    if _COUNCIL_JUST_BEFORE_RE.search(before):
        return "HRC"
    best: tuple[int, str] | None = None
    for regex, body in ((_GA_RE, "GA"), (_HRC_RE, "HRC")):
        for m in regex.finditer(before):
            distance = len(before) - m.end()
            if best is None or distance < best[0]:
                best = (distance, body)
        m2 = regex.search(after)
        if m2 is not None and (best is None or m2.start() < best[0]):
            best = (m2.start(), body)
    return best[1] if best is not None else None


def _merge_joint(found: list[_Found], text: str) -> list[_Found]:
    """ "CMW/C/GC/4-CRC/C/GC/23" is one joint general comment: two symbols joined by a hyphen
    that the catalogue files under one key become one mention."""
    merged: list[_Found] = []
    for f in found:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.key == f.key
            and f.start - last.end <= 1
            and text[last.end : f.start] in {"", "-", "\u2010", "\u2011", "\u2013"}
        ):
            last.end = f.end
            continue
        merged.append(f)
    return merged


def _drop_overlaps(explicit: list[_Found], named: list[_Found]) -> list[_Found]:
    """Numbers beat names, longer names beat shorter ones: "Eurodac Regulation (EU)
    2024/1358" is one citation, "UN Convention on the Rights of the Child" one name."""
    explicit.sort(key=lambda f: (f.start, -f.end))
    kept = list(explicit)
    taken = [(f.start, f.end) for f in explicit]
    named.sort(key=lambda f: (f.start, -(f.end - f.start)))
    spans: list[tuple[int, int]] = []
    for f in named:
        if any(s < f.end and f.start < e for s, e in taken):
            continue
        clash = [(s, e) for s, e in spans if s < f.end and f.start < e]
        if clash and any((s, e) != (f.start, f.end) for s, e in clash):
            continue
        spans.append((f.start, f.end))
        kept.append(f)
    return kept


def _paragraph_items(
    text: str, folded: str | None, m: re.Match[str]
) -> Iterator[tuple[str, int, int]]:
    """The paragraphs of "paras 3 and 4", "paragraphs 3-5", "§ 12", each normalised
    ("4 (b)" and "4 b)" and "4b" are all "4(b)"); a range stays one value, "3-5"."""
    items = list(_PARA_ITEM_RE.finditer(text, folded, m.start("list"), m.end("list")))
    pending: tuple[str, int, int] | None = None
    for item in items:
        pid = _normal_paragraph(item["num"])
        join = (item["join"] or "").strip().lower()
        if pending is not None and join in {"to", "bis", "à"} | set("-‐‑–—"):
            pending = (f"{pending[0]}-{pid}", pending[1], item.end())
            continue
        if pending is not None:
            yield pending
        pending = (pid, item.start("num"), item.end())
    if pending is not None:
        yield pending


def _normal_paragraph(raw: str) -> str:
    compact = re.sub(r"\s+", "", raw)
    found = re.fullmatch(r"(\d+)((?:\([a-z]+\))*)", compact)
    if found:
        return compact
    french = re.fullmatch(r"(\d+)([a-z])\)", compact)
    if french:
        return f"{french[1]}({french[2]})"
    glued = re.fullmatch(r"(\d+)([a-z])", compact)
    if glued:
        return f"{glued[1]}({glued[2]})"
    return compact


def _paragraph_target(text: str, start: int, end: int, targets: list[_Found]) -> _Found | None:
    """The UN text a paragraph reference belongs to: the one it is "of" ("paragraph 4 of
    resolution 76/172"), the one it directly follows ("A/RES/76/172, para. 4"), else the
    nearest on the same line, before it first, then after it (the quote-then-symbol
    layout of submissions)."""
    after = [t for t in targets if t.start >= end]
    before = [t for t in targets if t.end <= start]
    if after:
        nxt = min(after, key=lambda t: t.start)
        gap = text[end : nxt.start]
        if (
            len(gap) <= 40
            and re.fullmatch(r"[^\d\n.;:]*", gap)
            and re.search(r"\b(?:of|in|du|de|des|del|della|dell|der|van|da|do|di)\b|\(", gap)
        ):
            return nxt
    if before:
        prev = max(before, key=lambda t: t.end)
        gap = text[prev.end : start]
        if len(gap) <= 12 and re.fullmatch(r"[\s,;:(]*(?:at\s+)?", gap):
            return prev
        if "\n" not in gap and len(gap) <= 300:
            return prev
    if after:
        nxt = min(after, key=lambda t: t.start)
        gap = text[end : nxt.start]
        if "\n" not in gap and len(gap) <= 800:
            return nxt
    return None


def _articles(text: str, folded: str | None, found: list[_Found]) -> None:
    """ "Article 15 of Directive 2008/115/EC", "Art. 15 Abs. 4 der Rückführungsrichtlinie",
    "Directive 2008/115/EC, Article 15": the article goes into the act's attributes."""
    acts = [f for f in found if f.kind not in PARAGRAPHABLE and f.kind != "case"]
    if not acts:
        return
    for m in _ARTICLE_RE.finditer(text, folded):
        number = _SPACES_RE.sub("", m["num"]) + (f"({m['sub']})" if m["sub"] else "")
        following = [f for f in acts if f.start >= m.end()]
        preceding = [f for f in acts if f.end <= m.start()]
        target = None
        if following:
            nxt = min(following, key=lambda f: f.start)
            gap = text[m.end() : nxt.start]
            if len(gap) <= 30 and re.fullmatch(r"[^\d\n.;:()]*", gap):
                target = nxt
        if target is None and preceding:
            prev = max(preceding, key=lambda f: f.end)
            if re.fullmatch(r"\s*,\s*", text[prev.end : m.start()]):
                target = prev
        if target is not None:
            target.attrs.setdefault("article", number)


def _dedupe(found: list[_Found]) -> list[Mention]:
    """One mention per citation: two patterns reading the same words ("Application no.
    27765/09" and "no. 27765/09") leave the longer reading."""
    out: list[_Found] = []
    for f in sorted(found, key=lambda f: (f.start, -f.end)):
        para = f.attrs.get("paragraph", "")
        if any(
            o.key == f.key
            and o.attrs.get("paragraph", "") == para
            and o.start < f.end
            and f.start < o.end
            for o in out
        ):
            continue
        out.append(f)
    return [f.mention() for f in out]

"""Citations in footnotes and reference lists, parsed into structured references.

A network's evidence is only as good as what it rests on: a reader wants to see which reports
a submission cites, and an editor wants every document that cites the same report. So each
cited work becomes a mention with its author, year, title and address pulled apart, and a key
that stays the same when the same work is cited with small differences ("PICUM, 2021," or
"PICUM (2021)", another capitalisation of the title).

Real notes mix styles (organisation-year-title, APA, Harvard, Chicago, EU and UN document
citations), languages and commentary, and nothing marks their fields; notes read from PDF or
plain text have even lost their links, so a title is often just words between an author and a
publisher. The parser therefore works from the strongest signals down: a linked or quoted
title; an author-date head; the comma-separated tail of publisher, place, date and pages.
Where a note only comments, it yields nothing rather than an invented reference, unless it
names a work in passing ("see the platform ProtectNotSurveil"), which is kept without a
guessed author or year. "Ibid." and its kin point at the work before, which only a whole
document shows, so ``find_all`` resolves them. Everything is compiled once at import, so the
cost per note (well under a millisecond) stays far below that of reading the document.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from itertools import pairwise
from typing import ClassVar

import yaml

from evidencia.enrich.base import Mention, TextUnit

__all__ = ["ReferenceEnricher", "is_reference_heading"]


def _words(text: str) -> frozenset[str]:
    """A word list written as running text, which reads (and diffs) better than quoted items."""
    return frozenset(text.split())


# --- dates --------------------------------------------------------------------------------

_MONTH_NAMES = (
    # en
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    # fr
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre "
    "décembre decembre janv févr fevr avr juil déc "
    # de
    "januar jänner februar märz maerz juni juli oktober dezember okt dez "
    # es
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre "
    "diciembre "
    # it
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre "
    # nl
    "januari februari maart mei augustus "
    # pt
    "janeiro fevereiro março maio junho julho setembro outubro novembro dezembro"
)
_MONTH = (
    "(?:"
    + "|".join(re.escape(m) for m in sorted(set(_MONTH_NAMES.split()), key=len, reverse=True))
    + r")\b\.?"
)
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th|er|º|\.)?"
_DATE_BODY = (
    rf"(?:{_DAY}\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+)?{_YEAR}"  # 5 May 2023, 5 de mayo de 2023
    rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR}"  # May 5, 2023
    rf"|{_MONTH},?\s+(?:de\s+)?{_YEAR}"  # May 2023
    rf"|{_YEAR},\s+{_MONTH}(?:\s+{_DAY})?(?![\w])"  # 2020, March 3 (APA news)
    rf"|{_YEAR}-[01]\d-[0-3]\d"  # 2023-05-05
    rf"|[0-3]?\d[./][01]?\d[./]{_YEAR})"  # 5.5.2023, 05/05/2023
)
_DATE = re.compile(rf"(?<![\w/]){_DATE_BODY}(?![\w/])", re.I)
#: a year on its own, not part of a document number (2012/29/EU, 5514/23) or a range of digits
_YEAR_ALONE = re.compile(rf"(?<![\w/.\-–])(?P<y>{_YEAR})[a-h]?(?![\w/])(?![.\-–]\d)")
_NO_DATE = re.compile(r"(?<!\w)(?:n\.\s?d\.|s\.\s?f\.|s\.\s?d\.|o\.\s?J\.)", re.I)
_YEAR_IN = re.compile(_YEAR)

# --- addresses ----------------------------------------------------------------------------

_LINK = re.compile(
    r"(?<!!)\[(?P<text>(?:\\.|[^\[\]\\]|\[(?:\\.|[^\[\]\\])*\])*)\]"
    r"\((?P<url><[^>]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\)"
)
_URL = re.compile(r"<?(?:https?://|www\.)[^\s<>\"\[\]]+", re.I)
_DOI = re.compile(
    r"\b(?:doi\s*:?\s*|https?://(?:dx\.)?doi\.org/)?(?P<doi>10\.\d{4,9}/[^\s\"<>]+)", re.I
)
_DOI_URL = re.compile(r"(?:https?://)?(?:dx\.)?doi\.org/(?P<doi>10\.\d{4,9}/\S+)", re.I)
#: words that introduce an address; masked with it so they do not pass for a publisher
_AVAILABLE = re.compile(
    r"(?:\b(?:available|accessible|retrieved|downloaded|obtainable)(?:\s+(?:online|at|from|on"
    r"|via|here|under))*|\bdisponibles?(?:\s+(?:sur|en|à|a|l'adresse|en\s+línea|online|su|al))*"
    r"|\bdisponibil[ei](?:\s+(?:su|al|all'indirizzo|online))*|\bconsultabile\s+(?:su|al)|\b(?:abrufbar|verfügbar|erhältlich|online)\s+(?:unter|auf|at)"
    r"|\bbeschikbaar\s+(?:op|via)|\bte\s+vinden\s+op|\brecuperado\s+de|\bdisponível\s+em"
    r"|\burl|\bonline|\bvia|\bat|\bfrom|\bsee|\bvoir|\bsiehe|\bzie|\bvéase|\bvedi|\bsource)"
    r"\s*:?\s*$",
    re.I,
)
_ACCESS_WORD = re.compile(
    r"accessed|checked|retrieved|consult|abgerufen|aufgerufen|zugriff|geraadpleegd|bezocht"
    r"|acceso|accesso|dostęp|viewed|visited",
    re.I,
)
_ACCESSED = re.compile(
    rf"[\[(]?\s*(?:(?:last|zuletzt|letzter)\s+)?(?:accessed|checked|retrieved|consulted|viewed"
    rf"|visited|consultée?|consultad[oa]|consultat[oa]|consulta|abgerufen|aufgerufen|zugriff"
    rf"|geraadpleegd|bezocht|acceso|accesso|dostęp)"
    rf"(?:\s+(?:on|le|am|el|il|op|em|the|en|dnia|at))?\s*:?\s*(?P<date>{_DATE_BODY})"
    rf"\s*[\])]?",
    re.I,
)

# --- structure ----------------------------------------------------------------------------

_QUOTES = (
    re.compile(r"“(?P<t>[^“”]{3,}?)”"),
    re.compile(r"„(?P<t>[^„“”]{3,}?)[“”]"),
    re.compile(r"«\s*(?P<t>[^«»]{3,}?)\s*»"),
    re.compile(r"‘(?P<t>(?:[^‘’]|’(?=\w))+?)’(?!\w)"),
    re.compile(r"(?<!\w)\"(?P<t>[^\"]{3,}?)\"(?!\w)"),
    re.compile(r"(?<![\w’'])'(?P<t>(?:[^']|'(?=\w))+?)'(?!\w)"),
)
_ITALIC = re.compile(r"(?<![*\w\\])(?P<m>\*{1,2}|_)(?!\s)(?P<t>[^*_\n]+?)(?<!\s)(?P=m)(?![*\w])")
_SEE = re.compile(
    r"\b(?:(?:see(?:\s+also)?|compare|voir(?:\s+aussi)?|siehe(?:\s+auch)?|zie(?:\s+ook)?"
    r"|véase(?:\s+también)?|vedi(?:\s+anche)?|veja|ver|vide)\b|(?:cf|cfr|vgl|vid)\b\.?)"
    r"(?-i:(?:\s+(?!ibid|supra|id\b|op\b|infra)(?![A-ZÀ-Þ\d_])\w[\w'’]*(?=[\s:,])){1,3}\s*:?)?"
    r"[,:]?(?:\s*(?:e\.g\.|for\s+example|for\s+instance|inter\s+alia|among\s+others"
    r"|par\s+exemple|notamment|entre\s+autres|z\.\s?B\.|zum\s+Beispiel|u\.\s?a\.|insbesondere"
    r"|por\s+ejemplo|entre\s+otros|bijvoorbeeld|o\.\s?a\.|onder\s+andere|ad\s+esempio"
    r"|tra\s+gli\s+altri|in\s+particolare|in\s+particular|notably|hierzu|dazu|à\s+ce\s+sujet"
    r"|sur\s+ce\s+point|al\s+respecto|in\s+merito|hierover|daarover|on\s+this(?:\s+point)?))?"
    r"[,:]?\s*",
    re.I,
)
#: a new sentence that opens another citation: "Ibid. See also Statewatch (2021) ..."
_NEW_SENTENCE_CITATION = re.compile(
    r"(?<=[.)\]])\s+(?=(?:See|Voir|Siehe|Vgl\.|Zie|Véase|Vedi|Cf\.|Compare)\b)"
)
#: what may sit between two linked works: space, a comma, a conjunction
_JOINT = re.compile(r"\s*(?:[,.]\s*)?(?:(?:and|et|und|en|y|e|as\s+well\s+as)\s+)?", re.I)
#: the author-date opening of the next linked work ("PICUM (2019), ")
_NEXT_HEAD = re.compile(rf"[^\W\d_][^()\[\]]{{0,80}}?[\s,.]*\(?{_YEAR}\)?[\s,.:]*$")
#: a conjunction that joins a second work to the first ("...; and Comede, ...")
_CONJUNCTION = re.compile(r"(?:and|et|und|en|y|e|as\s+well\s+as|also|ainsi\s+que|sowie)\s+", re.I)
_IBID = re.compile(
    r"(?P<m>ibid(?:em)?\.?|ibíd(?:em)?\.?|id\.|idem\.?|ebd\.|ebenda\.?|a\.\s?a\.\s?O\.?|ivi\b\.?"
    r"|t\.\s?a\.\s?p\.?|op\.?\s?cit\.?|loc\.?\s?cit\.?"
    r"|supra(?:,?\s*(?:note|n\.|fn\.|footnote)\s*(?P<note>\d+))?"
    r"|above,?\s*note\s*(?P<note2>\d+))"
    r"(?=\s*(?:$|[,.;:]|\s(?:at|p|pp|para|paras|art|article|articles|S|Rn|n|§|\d)\b))",
    re.I,
)
_OP_CIT = re.compile(
    r"(?P<a>[^,;()\[\]]{2,80}?),?\s+(?:op\.?\s?cit\.?|loc\.?\s?cit\.?|a\.\s?a\.\s?O\.?)"
    r"(?=\s*(?:$|[,.;:]|\s))",
    re.I,
)
_LOC_WORDS = (
    r"(?:pp?\.|pages?|paras?\.?|paragraphs?|§§?|arts?\.|articles?|sections?|sec\.|chapters?"
    r"|chap\.|ch\.|S\.|Rn\.|Rz\.|Abs\.|Ziff\.|párrs?\.|párrafos?|apartados?|points?|annex(?:es)?"
    r"|annexe|anexo|allegato|recitals?|considérants?|Erwägungsgrund|footnotes?|fn\.|n\.|notes?"
    r"|objectives?|cap\.|capítulo|capitolo|hoofdstuk|blz\.|alinéa)"
)
_LOCATOR = re.compile(
    rf"(?<![\w.]){_LOC_WORDS}\s*(?:\d+[\w()]*|[ivxlc]+\b)"
    r"(?:\s*(?:[-–,]|and|&|et|und|y|e|en)\s*\d+[\w()]*)*",
    re.I,
)
_LOCATOR_AT_START = re.compile(rf"\s*(?:at\s+)?(?:{_LOCATOR.pattern}|\d+(?:\s*[-–]\s*\d+)?)", re.I)
_SYMBOL = re.compile(
    r"(?<![\w/])(?:[A-Z]{1,6}(?:/[A-Za-z0-9.()\-]+){2,6}"
    r"|(?:COM|SWD|SEC|JOIN)\s?\(\d{4}\)\s?\d+(?:\s?final)?"
    r"|(?:OJ|JO|ABl\.?|GU|DO|PB)\s+[LC]\s?\d+(?:/\d+)?"
    r"|(?:CETS|ETS|CM/Rec)\s*(?:No\.?\s*)?\d+(?:\(\d+\)\d+)?)(?![\w/])"
)
_NUMBER = re.compile(r"\b(?:no|nr|n°|núm|num|number)\.?\s*:?\s*[A-Z0-9][\w\-/.]*", re.I)
_VOLUME = re.compile(
    r"^[\s,]*(?:vol\.\s*)?(?P<v>\d{1,3}(?!\d)(?:\s*\([^()]{1,12}\))?)(?:,?\s*(?:no\.|nr\.|issue)\s*"
    r"(?P<i>\d+))?(?:\s*\(\d{4}\))?(?:\s*[,:]\s*(?:pp?\.\s*)?(?P<p>\d+\s*[-–]\s*\d+))?",
    re.I,
)
#: "Mylius, Maren:", "Kößler, M./Mohr, T.:", "BAfF e.V. (Hrsg.):" before a title (German)
_COLON_AUTHOR = re.compile(
    r"(?P<a>[^:,()]{2,60}\s*\((?:hrsg|hg|eds?|dir|coord)\.?\)"
    r"|(?:(?:van|von|de|der|den|di|da|du|del|le|la)\s+)*[^\s:,()/]+,\s*[^\s:,()/]+(?:\s+[A-Z]\.)*"
    r"(?:\s*/\s*(?:(?:van|von|de|der|den)\s+)*[^\s:,()/]+,\s*[^\s:,()/]+(?:\s+[A-Z]\.)*)*)"
    r"\s*:\s+(?=[A-Z0-9„\"“«*_])",
    re.I,
)
#: "Rapport du", "Report of the" before the body that wrote it
_KIND_OF = re.compile(
    r"^(?:rapport|report|bericht|informe|rapporto|verslag|relatório|opinion|avis)\s+"
    r"(?:of\s+the|of|du|de\s+la|de\s+l'|des|de|del|della|dell'|van\s+de|van\s+het|van|der|des)\s+"
    r"(?=[A-ZÀ-Þ])",
    re.I,
)
_EDITION = re.compile(
    r"\s*\((?P<e>\d+\w{0,3}\.?\s+(?:ed|edn|edition|éd|édition|Aufl|Auflage|ed\.\s*rev)\.?)\)$",
    re.I,
)
_EDITORS = re.compile(
    r"\s*\((?:eds?|hrsg|hg|dir|coord|a cura di|red|éds?|ed\. lit|comp)\.?\)\s*", re.I
)
#: words that end an author and start a description of the document ("PICUM Fact Sheet")
_DOC_TYPE_CUT = re.compile(
    r"\s+(?:resolution|fact\s?sheets?|policy\s+brief|briefing(?:\s+paper|\s+note)?"
    r"|press\s+release|position\s+paper|working\s+paper|discussion\s+paper|statement"
    r"|(?:was\s+)?adopted|published|issued)\b.*$",
    re.I | re.S,
)
_SPACE = re.compile(r"\s+")
_WINDOW = 400
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
_WORD = re.compile(r"[^\W_]+")
_LIST_MARKER = re.compile(r"\s*(?:[-*•·–]\s+|\[\d{1,3}\]\s*|\(?\d{1,3}[.)]\s+)")

_PUBLISHER_WORDS = re.compile(
    r"\b(?:press|publishing|publishers?|publications?\s+office|verlag|éditions?|editorial"
    r"|edizioni|editore|uitgeverij|books|ltd|inc|gmbh|university|universit[éàä]t?|presses"
    r"|palgrave|routledge|springer|elsevier|wiley|sage|brill|hart|bloomsbury|macmillan"
    r"|transcript|nomos|boom|il mulino|la découverte|dalloz|bruylant|intersentia)\b",
    re.I,
)
#: link words that name no work ("See the campaign [here](...)")
_NON_TITLE_LINKS = _words(
    """here link this online website web pdf source more ici lien hier aquí aqui qui qua dit"""
) | {"this link", "click here", "read more", "available here", "en ligne", "deze link"}
#: first words that show a note is talking rather than naming an author
_COMMENTARY = _words(
    """see cf cfr for in on under as according this these that those it its there adopted
    published updated note notes available also more further although while since following
    regarding concerning with where when which what who here how if but and or by from at to
    between during after before about is was are were has have such other another each all
    both only one some many most our their his her we they you quoted cited compare e.g i.e
    eg ie voir pour dans sur selon sous avec siehe vgl für zur zum nach laut im zu zie voor
    volgens onder met véase ver para según sobre con vedi per secondo sul sulla nel nella cfr
    outcomes however thus hence moreover"""
)
#: lower-case words that may sit inside a name ("Office of the UN High Commissioner")
_PARTICLES = _words(
    """of for the and on in at to de des du la le les d' l' van von der den di da del della
    delle dei degli dos das do e et y und en het für zu zur al al. & i o och og an auf pour
    per ter te op sobre por ten 't et al"""
)
#: lower-case particles a surname may start with, as sorted in a reference list
_NAME_PARTICLES = _words("van von der den de di da du del della le la d' ten ter")
#: words that open a document's title, never an author ("Handbook on ...")
_DOC_TYPE_START = _words(
    """handbook report guide guidelines manual directive regulation convention proposal
    communication decision resolution opinion recommendation white green strategy study
    survey general action plan policy review charter protocol declaration framework
    agreement code toolkit briefing statement"""
)
#: what a document is, written after its title ("rapport public thématique", "AIDA Report")
_DOC_KINDS = _words(
    """report rapport bericht informe rapporto verslag relatório raport study étude studie
    estudio studio brief briefing paper note factsheet leaflet guide handbook manual policy
    press statement communication"""
)
_ABBREVIATIONS = _words(
    """no nr núm n° vol vols ed eds edn p pp para paras art arts st dr prof mr mrs ms e.g i.e cf vs
    al jr inc ltd co dept univ n s ibid op cit hrsg hg coord dir rev ch chap sec fig ca approx
    jan feb mar apr jun jul aug sep sept oct nov dec"""
)
#: verbs that give away a sentence when no author or date vouches for a title
_PROSE_VERBS = _words(
    """is are was were has have had be been will would can could should may might must does
    did est sont ont ist sind wird hat haben wurde wurden son fue fueron è sono zijn heeft
    werd wordt"""
)
_LEADING_ARTICLE = re.compile(r"^(?:the|la|le|les|die|der|das|het|de|el|il|lo)\s+(?=\S)")
#: a description before the title inside a link: "[joint statement: The EU AI Act ...]"
_LINK_KIND = re.compile(r"^[a-z][\w\s-]{0,30}:\s+(?=[A-Z0-9])")
_LINK_SEE = re.compile(
    r"^(?:see|voir|siehe|zie|véase|vedi)(?:\s+(?:also|aussi|auch|ook|también|anche))?\s+", re.I
)
_KEY_STOP = frozenset({"and", "et", "und", "y", "e", "en", "the"})
_QUOTE_CHARS = "\"'‘’“”«»„‚"


# --- patterns used by the readers below ---------------------------------------------------

#: a full stop that belongs to the name: an initial, "et al.", "Inc."
_KEEPS_STOP = re.compile(r"(?:\b\w|\bal|\bJr|\bInc|\bLtd|\bCo|\bed)\.$")
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?", re.I)
_LINE = re.compile(r"[^\n]+")
#: two letters in a row: words rather than numbers and marks
_LETTERS = re.compile(r"[^\W\d_]{2}")
_QUESTION_IN = re.compile(r"[?!](?=\s+(?:In|En|Dans|In:)\s)")
_FULL_STOP = re.compile(r"\.\s+(?=\S)")
#: "e.g", "U.S": abbreviations written with stops
_DOTTED = re.compile(r"(?:\w\.)+\w")
#: "Berlin 2021"
_PLACE_YEAR = re.compile(rf"[^\W\d_][\w\s\-]*?\s{_YEAR}")
_ENDS_WITH_DATE = re.compile(rf"{_DATE_BODY}$", re.I)
#: "JORF n°0148 du 29 juin 2018", "BOE núm. 179"
_NUMBER_NEAR_START = re.compile(rf"(?:\S+\s)?{_NUMBER.pattern}", re.I)
_RANGE = re.compile(r"\d+\s*[-–]\s*\d+")
#: "in: Zeitschrift für Ausländerrecht 39 (4)": the book or journal a part is in
_IN_BOOK = re.compile(r"(?:in|en|dans|im|nel|nella)\s*:?\s+\S.*", re.I | re.S)
#: "10085/17", "5514/23", "2015/2660(RSP)"
_FILE_NUMBER = re.compile(r"[A-Z]{0,4}\s?\d+(?:/\d+)+(?:\s?\(?[A-Z]{1,4}\)?)?")
#: "7e édition", "2nd edn", "7. Aufl."
_EDITION_PART = re.compile(r"\d+\w{0,3}\.?\s+(?:éd|ed|edn|edición|edizione|Aufl)\w*\.?", re.I)
_IN_BOOK_START = re.compile(r"\s*(?:in|en|dans|im)\s*:?\s+[A-ZÀ-Þ]", re.I)
_AFTER_HEAD = re.compile(r"[\s.,:)]*")
_CLAUSE_END = re.compile(r"[,;.(]")
_BRACKETED = re.compile(r"\((?P<t>[^()]*)\)[\s,.;:]*")
#: "... Borders 12 (2014).", "... migration (2015/2095(INI))."
_BRACKETED_END = re.compile(r"(?:\s+\d+)?\s*\((?P<in>(?:[^()]|\([^()]*\))*)\)[\s.,;:]*$")
_PROCEDURE = re.compile(r"[\w\s]*\d+/\d+[\w()/\s]*")
#: "[GC]" after a case name
_COURT_TAG = re.compile(r"\s*\[[A-Z]{1,4}\]$")
#: "Anderson, Bridget. " before a title
_MLA_AUTHOR = re.compile(r"(?P<a>[^.,()]{2,60}, [^.,()]{2,40}?)\.\s+(?=[A-Z\"“‘«*_])")
_YEAR_AT_END = re.compile(rf"\(\s*{_YEAR}\s*\)[\s.]*$|,\s*{_YEAR}[\s.]*$")
_AT = re.compile(r"^\s*at\s+")
_SEPARATORS = re.compile(r"[\s.,;:]*")
#: the start of a reference-list entry: a list mark, or an author and a year in brackets
_ENTRY_START = re.compile(
    rf"\s*(?:[-*•·–]\s|\[\d{{1,3}}\]|\(?\d{{1,3}}[.)]\s"
    rf"|[^\W\d_][^\n()]{{0,120}}?\(\s*(?:{_YEAR}|n\.\s?d\.)[a-h]?\s*[,)])"
)
#: the end of an entry: a full stop, a closing bracket or an address at the end of the line
_ENTRY_END = re.compile(r"(?:[.)\]>”\"»]|https?://\S+|\d)\s*$")
#: a document number before the title: "76/172. Promotion and protection ..."
_LEADING_NUMBER = re.compile(r"(?P<n>[A-Z]{0,4}\s?\d+(?:/\d+)+)[.,]\s+(?=[A-Z])")
#: the title of an instrument, which needs no author or date to be a citation
_INSTRUMENT_START = re.compile(
    r"(?:\d{4}\s+)?(?:Proposal|Directive|Regulation|Council\s+[Dd]ecision|Decision|Convention"
    r"|Resolution|Recommendation|Communication|Declaration|Charter|Protocol|Code\s+of\s+Conduct"
    r"|General\s+Comment|White\s+Paper|Green\s+Paper)\b"
)
#: two documents run together after a file number: "... (5523/1/23) Code of Conduct ..."
_DOC_AFTER_NUMBER = re.compile(
    r"(?<=\d\))\s+(?=(?:\d{4}\s+)?(?:Code|Council|Commission|Declaration|Proposal|Directive"
    r"|Regulation|Decision|Convention|Resolution|Recommendation|Communication)\b)"
)
#: a quoted short name in brackets: ("Victims' Directive")
_ALIAS = re.compile(r"\(\s*[\"“‘'«](?P<t>[^()]{2,60})[\"”’'»]\s*\)")
#: a work the writer names in passing ("joint statement: The EU AI Act must ...")
_KIND_COLON = re.compile(
    r"\b(?:joint\s+)?(?:statement|report|study|briefing|paper|publication|guide|toolkit"
    r"|factsheet|press\s+release|policy\s+brief)\s*:\s+(?P<t>[A-Z0-9][^.;]{3,})"
)
_TITLE_RUN = (
    r"[A-Z][\w’'\-]*(?:\s+(?:of|on|for|and|the|in|to|de|des|du|la|le|der|die|und|van|het|en)"
    r"(?=\s+[A-Z]))*(?:\s+[A-Z][\w’'\-]*(?:\s+(?:of|on|for|and|the|in|to|de|des|du|la|le|der"
    r"|die|und|van|het|en)(?=\s+[A-Z]))*)*"
)
#: a capitalised name after "see (the platform)": "ProtectNotSurveil", "Legislative Train ..."
_NAMED_RUN = re.compile(rf"(?P<t>{_TITLE_RUN})")
#: "the EU Anti Racism Action Plan": a capitalised name that says it is a document
_THE_DOCUMENT = re.compile(
    rf"\b[Tt]he\s+(?P<t>{_TITLE_RUN})",
)
_DOCUMENT_NOUN = re.compile(
    r"\b(?:Plan|Strategy|Act|Pact|Compact|Convention|Directive|Regulation|Declaration|Charter"
    r"|Agenda|Programme|Program|Framework|Guidelines|Report|Schedule|Initiative|Protocol)\b"
)
_CAMEL = re.compile(r"[A-Z][a-z]+[A-Z]\w*")
#: the journal, book or publisher right after a title, up to its volume, date or pages
_CONTAINER = re.compile(
    r"(?:in:?\s+)?(?P<c>[^\s,;(\[][^,;()\[\]]*?)\s*(?=,|\.\s|\.$|\(|\s\d|$)", re.I
)
#: "7.", "VII", "A)" before a heading
_HEADING_NUMBER = re.compile(r"^\s*(?:[\dIVXivx]+[.)]?|[A-Z][.)])\s+")
_HEADING_AND = re.compile(r"\s+(?:and|und|y|e|en|et|og|och|i|a)\s+|\s*&\s*")


@dataclass(frozen=True, slots=True)
class _Date:
    start: int
    end: int
    text: str  #: "" when only a year was written
    year: str


@dataclass(slots=True)
class _Ref:
    """One cited work while it is being read: a span of the note and its fields."""

    start: int
    end: int
    author: str = ""
    year: str = ""
    title: str = ""
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    ibid: bool = False


# --- small helpers -------------------------------------------------------------------------


def _squash(text: str) -> str:
    return _SPACE.sub(" ", _ESCAPE.sub(r"\1", text)).strip()


def _clean(text: str, keep_end: str = "?!") -> str:
    """Text of a field: escapes undone, spaces collapsed, stray punctuation trimmed."""
    value = _squash(text)
    value = value.strip(" ,;:/–—-" + _QUOTE_CHARS)
    while value.endswith(".") and not keep_end.endswith("."):
        value = value[:-1].rstrip(" ,;:" + _QUOTE_CHARS)
    if value.count("(") < value.count(")") and value.endswith(")"):
        value = value[:-1].rstrip()
    if value.count("(") > value.count(")") and value.startswith("("):
        value = value[1:].lstrip()
    return value


def _clean_author(text: str) -> str:
    """An author as written, minus editor marks and a description of the document."""
    value = _EDITORS.sub(" ", _squash(text))
    value = _KIND_OF.sub("", value)
    cut = _DOC_TYPE_CUT.sub("", value)
    if cut.strip(" ,;:"):
        value = cut
    value = value.strip(" ,;:(/–—-" + _QUOTE_CHARS)
    if value.endswith(".") and not _KEEPS_STOP.search(value):
        value = value[:-1].rstrip(" ,;:")
    return value


def _first_word(text: str) -> str:
    words = text.split()
    return words[0].strip(",.;:()[]" + _QUOTE_CHARS).casefold() if words else ""


def _commentary(text: str) -> bool:
    """Whether a stretch of note reads as the writer's own words rather than a citation."""
    stripped = text.strip(" ,;:.(" + _QUOTE_CHARS)
    if not stripped:
        return False
    return stripped[0].islower() or _first_word(stripped) in _COMMENTARY


def _authorish(text: str, strict: bool = False) -> bool:
    """Whether ``text`` can be a person's or an organisation's name (or a list of them)."""
    if not text or len(text) > 160 or "?" in text or "!" in text:
        return False
    words = text.split()
    lead = 0
    while lead < len(words) - 1 and words[lead] in _NAME_PARTICLES:
        lead += 1  # "van der Leun, J.", "de Genova"
    if not (words[lead][0].isupper() or words[lead][0].isdigit()) or _YEAR_ALONE.search(text):
        return False
    if len(words) > (10 if strict else 14):
        return False
    first = _first_word(text)
    if first in _COMMENTARY or first in _DOC_TYPE_START:
        return False
    bare = [w.strip(",.;:()[]" + _QUOTE_CHARS).casefold() for w in words]
    lower = sum(
        1 for w, b in zip(words, bare, strict=True) if w[:1].islower() and b not in _PARTICLES
    )
    if lower > (1 if strict else 3):
        return False
    return not (words[-1][:1].islower() and bare[-1] in _PARTICLES and bare[-1] != "al")


def _dates(text: str, lo: int = 0, hi: int | None = None) -> list[_Date]:
    """Dates and bare years in ``text[lo:hi]``, in order, a full date preferred to its year."""
    hi = len(text) if hi is None else hi
    if not _YEAR_IN.search(text, lo, hi) and not _NO_DATE.search(text, lo, hi):
        return []
    full: list[_Date] = []
    for m in _DATE.finditer(text, lo, hi):
        year = _YEAR_IN.search(m.group())
        if year:
            full.append(_Date(m.start(), m.end(), _squash(m.group()), year.group()))
    found = list(full)
    index = 0
    for m in _YEAR_ALONE.finditer(text, lo, hi):
        while index < len(full) and full[index].end <= m.start():
            index += 1
        if index < len(full) and full[index].start <= m.start():
            continue  # the year of a full date already found
        found.append(_Date(m.start(), m.end(), "", m.group("y")))
    for m in _NO_DATE.finditer(text, lo, hi):
        found.append(_Date(m.start(), m.end(), "", ""))
    return sorted(found, key=lambda d: d.start)


def _mask(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(w for w in _WORD.findall(plain) if w not in _KEY_STOP)


def _url_basis(url: str) -> str:
    bare = _SCHEME.sub("", url.strip())
    host, _, rest = bare.partition("/")
    return host.casefold() + "/" + rest.rstrip("/")


def _key(ref: _Ref) -> str:
    """A short stable hash of what identifies the work: its DOI, else author-year-title,
    else its address; casing, accents and punctuation do not change it."""
    if ref.extra.get("doi"):
        basis = "doi|" + ref.extra["doi"].casefold()
    elif ref.title:
        basis = f"work|{_fold(ref.author)}|{ref.year}|{_fold(ref.title)}"
    elif ref.url:
        basis = "url|" + _url_basis(ref.url)
    else:
        basis = f"short|{_fold(ref.author)}|{ref.year}"
    return hashlib.blake2b(basis.encode("utf-8"), digest_size=8).hexdigest()


def _label(ref: _Ref) -> str:
    """What a person reads: "PICUM (2021) Preventing harm, promoting rights"."""
    short = ref.title
    main, sep, _ = short.partition(": ")
    if sep and len(main.split()) >= 2:
        short = main
    if len(short) > 90:
        short = short[:90].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    if not short and ref.url:
        short = _url_basis(ref.url)[:90]
    if not short and ref.extra.get("doi"):
        short = "doi:" + ref.extra["doi"]
    head = ref.author + (f" ({ref.year})" if ref.year else "")
    head = head.strip()
    if head and short:
        return f"{head} {short}" if ref.year else f"{head}: {short}"
    return head or (short + (f" ({ref.year})" if ref.year else ""))


def _trim_url(url: str) -> str:
    url = url.strip("<>")
    while url and url[-1] in ".,;:'\"”’»":
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


# --- splitting a note into cited works ------------------------------------------------------


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """Entries of a note or list, one per line; but a line that a PDF or a word processor
    merely wrapped is joined to the one before: inside an open bracket, or when the line
    before does not end an entry (a full stop, a bracket, an address) and this one does not
    open one (a list mark, an author and a year)."""
    start = end = -1
    depth = 0
    for m in _LINE.finditer(text):
        line = m.group()
        if not line.strip():
            continue
        opens = _ENTRY_START.match(line) is not None
        ended = _ENTRY_END.search(text, start, end) is not None if start >= 0 else True
        joins = start >= 0 and (
            depth > 0 or not (opens or (ended and not line.lstrip()[0].islower()))
        )
        if joins:
            end = m.end()
        else:
            if start >= 0:
                yield start, end
            start, end, depth = m.start(), m.end(), 0
        depth = max(0, depth + line.count("[") - line.count("]"))
    if start >= 0:
        yield start, end


def _top_level(text: str, lo: int, hi: int, separators: str) -> list[tuple[int, int]]:
    """Spans of ``text[lo:hi]`` between separators that sit outside brackets and quotes."""
    spans: list[tuple[int, int]] = []
    depth = 0
    quoted = ""
    start = lo
    closers = {"“": "”", "«": "»", "„": "“", "‘": "’"}
    i = lo
    while i < hi:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if quoted:
            if c == quoted or (quoted == "“" and c == "”"):
                quoted = ""
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif c in closers and depth == 0:
            quoted = closers[c]
        elif (
            c in separators
            and depth == 0
            and (separators != "," or (i + 1 < hi and text[i + 1] == " "))
        ):
            spans.append((start, i))
            start = i + 1
        i += 1
    spans.append((start, hi))
    return spans


def _pieces(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """The cited works of one entry: split at top-level semicolons (a part that is only a
    page or a paragraph stays with the work before) and between links that follow each other
    with nothing but space between them."""
    pieces: list[tuple[int, int]] = []
    for a, b in _top_level(text, lo, hi, ";"):
        part = text[a:b].strip()
        if not part:
            continue
        if pieces and (_LOCATOR_AT_START.fullmatch(part.rstrip(".")) or not _LETTERS.search(part)):
            pieces[-1] = (pieces[-1][0], b)
            continue
        pieces.append((a, b))
    split: list[tuple[int, int]] = []
    for a, b in pieces:
        cut = a
        cuts = [
            *_NEW_SENTENCE_CITATION.finditer(text, a, b),
            *_DOC_AFTER_NUMBER.finditer(text, a, b),
        ]
        for m in sorted(cuts, key=lambda m: m.start()):
            split.append((cut, m.start()))
            cut = m.end()
        split.append((cut, b))
    out: list[tuple[int, int]] = []
    for a, b in split:
        links = [m for m in _LINK.finditer(text, a, b) if _substantive(m.group("text"))]
        cut = a
        for left, right in pairwise(links):
            gap = text[left.end() : right.start()]
            joint = _JOINT.match(gap)
            if joint is not None and (
                not gap[joint.end() :].strip() or _NEXT_HEAD.match(gap, joint.end())
            ):
                out.append((cut, left.end()))
                cut = left.end() + joint.end()
        out.append((cut, b))
    return out


def _substantive(link_text: str) -> bool:
    """Whether a link's words name something ("here" and bare addresses do not)."""
    words = _squash(link_text).strip(" .,:;" + _QUOTE_CHARS)
    if not _LETTERS.search(words):
        return False
    return words.casefold() not in _NON_TITLE_LINKS and not _URL.match(words)


# --- reading one cited work -----------------------------------------------------------------


class _Piece:
    """One cited work's stretch of a note, with links, addresses and emphasis masked out of
    a same-length copy, so structure is read from words while offsets stay exact."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.start = start = 0
        self.end = end = len(text)
        chars = list(text)
        self.links: list[tuple[int, int, int, int, str, str]] = []  # span, text span, text, url
        self.urls: list[str] = []
        self.doi = ""
        self.accessed = ""
        self.italics: list[tuple[int, int]] = []
        for m in _LINK.finditer(text, start, end):
            url = m.group("url").strip("<>")
            self.links.append(
                (m.start(), m.end(), m.start("text"), m.end("text"), m.group("text"), url)
            )
            chars[m.start()] = " "
            _mask(chars, m.end("text"), m.end())
        plain = "".join(chars)
        accessed = _ACCESS_WORD.search(plain, start, end) is not None
        for m in _ACCESSED.finditer(plain, start, end) if accessed else ():
            self.accessed = self.accessed or _squash(m.group("date"))
            _mask(chars, m.start(), m.end())
        plain = "".join(chars)
        for m in _URL.finditer(plain, start, end):
            url = _trim_url(m.group())
            if not url:
                continue
            self.urls.append(url)
            url_end = m.start() + len(m.group().split(url, 1)[0]) + len(url)
            lead = _AVAILABLE.search(plain, max(start, m.start() - 60), m.start())
            _mask(chars, lead.start() if lead else m.start(), max(url_end, m.start()))
            if m.group().endswith(">"):
                _mask(chars, m.end() - 1, m.end())
        plain = "".join(chars)
        for m in _DOI.finditer(plain, start, end):
            self.doi = self.doi or _trim_url(m.group("doi"))
            _mask(chars, m.start(), m.start() + len(m.group().rstrip(".,;)")))
        for url in self.urls:
            doi = _DOI_URL.search(url)
            if doi and not self.doi:
                self.doi = _trim_url(doi.group("doi"))
        for _, _, _, _, _, url in self.links:
            doi = _DOI_URL.search(url)
            if doi and not self.doi:
                self.doi = _trim_url(doi.group("doi"))
        plain = "".join(chars)
        for m in _ITALIC.finditer(plain, start, end):
            self.italics.append((m.start("t"), m.end("t")))
            _mask(chars, m.start(), m.start("t"))
            _mask(chars, m.end("t"), m.end())
        self.plain = "".join(chars)

    def real_url(self, lo: int, hi: int) -> str:
        """The first real address: the title's link, else a bare address, else any link."""
        for a, b, _, _, _, url in self.links:
            if a >= lo and b <= hi and url and url != "#":
                return url
        if self.urls:
            return self.urls[0]
        for _, _, _, _, _, url in self.links:
            if url and url != "#":
                return url
        return ""


def _prose(text: str) -> bool:
    """Several lower-case words that are not name particles: the writer's own sentence."""
    words = [w.strip(",.;:()" + _QUOTE_CHARS) for w in text.split()]
    return sum(1 for w in words if w[:1].islower() and w.casefold() not in _PARTICLES) >= 3


def _skip_see(plain: str, lo: int, hi: int) -> int:
    """Where the citation starts once a lead-in ("See, for example:", "For X, see") is cut."""
    last = lo
    for m in _SEE.finditer(plain, lo, hi):
        before = plain[lo : m.start()]
        if not before.strip() or _commentary(before) or _prose(before):
            last = m.end()
    return last


def _strong_title(piece: _Piece, lo: int) -> tuple[int, int, str, bool] | None:
    """A title that marks itself: a link with words, else quotation marks (a link wrapped in
    quotation marks counts as the quoted span, so the closing mark is not left behind)."""
    plain = piece.plain
    for a, b, _, _, text, _ in piece.links:
        if a >= lo and _substantive(text):
            before = plain[lo:a].rstrip()
            after = plain[b:]
            after_text = after.lstrip()
            if before.endswith(tuple("‘“«\"'„")) and after_text[:1] in "’”»\"'“":
                a = lo + len(before) - 1
                b = len(plain) - len(after_text) + 1
            title = _squash(text)
            title = _LINK_SEE.sub("", title)
            title = _LEADING_ARTICLE.sub("", title)
            title = _LINK_KIND.sub("", title)
            return a, b, _clean(title), True
    best: tuple[int, int, str, bool] | None = None
    for pattern in _QUOTES:
        for m in pattern.finditer(plain, lo, piece.end):
            words = _clean(m.group("t"))
            if (
                plain[lo : m.start()].rstrip().endswith("(")
                and plain[m.end() :].lstrip()[:1] == ")"
            ):
                continue  # ("Victims' Directive"): a short name for what came before
            if len(words.split()) < 2 or not _LETTERS.search(words):
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), m.end(), words, False)
            break
    return best


def _sentence_end(plain: str, lo: int, hi: int) -> int:
    """Where the first sentence of ``plain[lo:hi]`` ends (-1 if it runs to ``hi``): a full
    stop after a word that is not an initial or an abbreviation, before a capital; or a
    question mark before "In" (a chapter title, then the book it is in)."""
    question = _QUESTION_IN.search(plain, lo, hi)
    for m in _FULL_STOP.finditer(plain, lo, hi):
        if question and question.start() < m.start():
            return question.end()
        at = m.start()
        nxt = plain[m.end()]
        if nxt.islower():
            continue
        before = plain[max(lo, at - 40) : at].split()
        token = before[-1].casefold().lstrip("(" + _QUOTE_CHARS) if before else ""
        if len(token) == 1 or token in _ABBREVIATIONS or _DOTTED.fullmatch(token):
            continue
        return at
    return question.end() if question else -1


def _tail_kind(part: str, place_year: bool = True) -> str | None:
    """What a comma-separated part after a title is, if it is not more of the title
    ("Berlin 2021" reads as place and year only where a title cannot be)."""
    c = _squash(part).strip(" .;:()[]" + _QUOTE_CHARS)
    if not c:
        return "empty"
    if _DATE.fullmatch(c) or _YEAR_ALONE.fullmatch(c) or _NO_DATE.fullmatch(c):
        return "date"
    words = c.split()
    if len(words) <= 8 and ((place_year and _PLACE_YEAR.fullmatch(c)) or _ENDS_WITH_DATE.search(c)):
        return "date"
    if len(words) <= 8 and _NUMBER_NEAR_START.match(c):
        return "number"
    if _LOCATOR.fullmatch(c) or _VOLUME.fullmatch(c) or _RANGE.fullmatch(c):
        return "number"
    if _IN_BOOK.fullmatch(c):
        return "publisher"
    if _FILE_NUMBER.fullmatch(c):
        return "number"
    if _SYMBOL.fullmatch(c) or _NUMBER.fullmatch(c) or _EDITION_PART.fullmatch(c):
        return "number"
    if _PUBLISHER_WORDS.search(c) and len(c.split()) <= 12:
        return "publisher"
    if len(words) <= 4 and (
        (c[0].islower() and words[0].casefold() in _DOC_KINDS)
        or (len(words) <= 3 and words[-1].casefold() in _DOC_KINDS)
    ):
        return "type"
    if (
        len(words) <= 4
        and c[0].isupper()
        and "?" not in c
        and all(
            w[0].isupper() or w[0].isdigit() or w.casefold() in _PARTICLES or w == ":"
            for w in words
        )
    ):
        return "short"
    return None


def _title_in(piece: _Piece, lo: int, hi: int) -> tuple[int, int]:
    """The title's span in an unmarked stretch: the first sentence if there is a full stop,
    else the comma-separated parts before a tail of publisher, place, date and numbers."""
    plain = piece.plain
    stop = _sentence_end(plain, lo, hi)
    if stop >= 0:
        rest = plain[stop + 1 : hi].strip(" .")
        words = rest.split()
        if (
            0 < len(words) <= 6
            and not any(c in rest for c in ",:;()")
            and not any(c.isdigit() for c in rest)
            and any(w.islower() and w not in _PARTICLES for w in words)
            and _tail_kind(rest) is None
            and not _IN_BOOK_START.match(rest)
        ):
            return lo, hi  # "The EU Migration Pact. Questions and answers": one title
        return lo, stop
    parts = [(a, b) for a, b in _top_level(plain, lo, hi, ",")]
    names = 0
    keep = len(parts)
    for index, (a, b) in enumerate(parts[1:], 1):
        if _IN_BOOK_START.match(plain, a, b):
            keep = index  # "..., in: Alt, J. (Hrsg.), Illegalität, ...": the rest is the book
            break
    while keep > 1:
        kind = _tail_kind(plain[parts[keep - 1][0] : parts[keep - 1][1]])
        if kind is None:
            break
        if kind in {"short", "publisher"}:
            names += 1
            if names > 2:
                break
        keep -= 1
    return lo, parts[keep - 1][1]


def _head(piece: _Piece, lo: int) -> tuple[str, _Date, int] | None:
    """An author-date opening ("PICUM (2020)", "PICUM, 2021,", "Smith, J. 2019."): the
    author, the date and where the rest begins."""
    plain = piece.plain
    for d in _dates(plain, lo, min(piece.end, lo + 260)):
        before = plain[lo : d.start]
        trimmed = before.rstrip()
        opened = trimmed.endswith("(") and (trimmed == "(" or trimmed[-2:-1].isspace())
        described = _DOC_TYPE_CUT.search(trimmed)  # "UN General Assembly Resolution adopted on"
        if (
            trimmed
            and not (opened or trimmed.endswith((",", ".", ":")))
            and not (described and described.start() > 0)
        ):
            continue
        after = plain[d.end : piece.end]
        if opened:
            if not after.startswith(")"):
                continue
            after_start = d.end + 1
        else:
            if after[:1] not in {"", ",", ".", ":", ")", ";"} and not after[:1].isspace():
                continue
            if after[:1].isspace() and after.strip() and not opened:
                continue
            after_start = d.end
        author = _clean_author(trimmed.rstrip("(").rstrip())
        if author and not (_authorish(author, strict=not opened) and _names_list(author, opened)):
            continue
        rest = _AFTER_HEAD.match(plain, after_start, piece.end)
        return author, d, rest.end() if rest else after_start
    return None


def _names_list(author: str, bracketed: bool) -> bool:
    """Whether an author before a date reads as names, not as names and a title run together
    ("UNHCR, Guidelines on International Protection No. 9, HCR/GIP/12/09, 23 October 2012"):
    no colon, no numbers, no part that opens a document, and without brackets around the
    date (a weaker signal) no part longer than a name."""
    if ":" in author or (any(c.isdigit() for c in author) and len(author.split()) > 3):
        return False
    parts = [p.strip() for p in author.split(",") if p.strip()]
    if any(_first_word(p) in _DOC_TYPE_START for p in parts[1:]):
        return False
    return bracketed or len(parts) <= 2 or all(len(p.split()) <= 3 for p in parts)


def _prose_after(post: str) -> bool:
    """Whether the words after a title carry on a sentence ("... is meant to step up")."""
    stripped = post.lstrip(" \t\n.,;:" + _QUOTE_CHARS)
    clause = _CLAUSE_END.split(stripped, maxsplit=1)[0]
    return (
        stripped[:1].islower()
        and len(clause.split()) >= 3
        and _first_word(stripped) not in {"in", "vol", "no", "pp", "p", "para", "n", "en", "dans"}
        and _first_word(stripped) not in _DOC_KINDS
    )


def _read_tail(piece: _Piece, ref: _Ref, lo: int) -> None:
    """Fields after the title: container, volume and pages, date, locator, document symbol."""
    plain = piece.plain
    hi = piece.end
    post = plain[lo:hi]
    stripped = post.lstrip(" \t\n.,;:" + _QUOTE_CHARS)
    at = hi - len(stripped)
    if _prose_after(post):
        # prose after a title ("... is meant to step up action"): the reference ends here
        ref.end = min(ref.end, lo)
        return
    dated = _DATE.match(stripped) or _SYMBOL.match(stripped)
    dates = _dates(plain, at, hi)
    if not ref.year:
        for d in dates:
            if d.year:
                ref.year = d.year
                if d.text:
                    ref.extra["date"] = d.text
                break
    elif "date" not in ref.extra:
        for d in dates:
            if d.text and d.year == ref.year:
                ref.extra["date"] = d.text
                break
    locators = list(_LOCATOR.finditer(plain, at, hi))
    if locators:
        ref.extra["locator"] = _clean(locators[-1].group())
    # a short name in brackets right after the title: ("Victims' Directive")
    paren = _BRACKETED.match(stripped)
    if paren:
        inner = _clean(paren.group("t"))
        if _FILE_NUMBER.fullmatch(inner) or _PROCEDURE.fullmatch(inner):
            ref.extra["number"] = inner
        elif inner and not _dates(inner) and not _LOCATOR.fullmatch(inner):
            ref.extra["short_title"] = inner
        at += paren.end()
        stripped = stripped[paren.end() :]
    italic = next(((a, b) for a, b in piece.italics if a >= lo), None)
    if dated:
        pass  # "..., 11 August 2000, E/C.12/2000/4": no journal or publisher named
    elif italic:
        ref.extra["container"] = _clean(plain[italic[0] : italic[1]])
        _volume(plain, italic[1], hi, ref)
    else:
        chunk = _CONTAINER.match(stripped)
        name = _clean(chunk.group("c")) if chunk else ""
        if (
            chunk
            and name
            and (name[0].isupper() or name[0] == "*")
            and len(name.split()) <= 15
            and not _LOCATOR.match(name)
            and not _DATE.match(name)
            and not _SYMBOL.match(name)
            and _first_word(name) not in _DOC_TYPE_START
        ):
            if _NUMBER.search(name):
                ref.extra["number"] = name
            else:
                ref.extra["container"] = name
                _volume(plain, at + chunk.end("c"), hi, ref)
    symbol = _SYMBOL.search(piece.text, piece.start, piece.end)
    if symbol:
        ref.extra["symbol"] = symbol.group()


def _volume(plain: str, lo: int, hi: int, ref: _Ref) -> None:
    m = _VOLUME.match(plain[lo:hi])
    if m and m.group("v"):
        ref.extra["volume"] = _squash(m.group("v")) + (
            f", no. {m.group('i')}" if m.group("i") else ""
        )
        if m.group("p"):
            ref.extra["pages"] = _squash(m.group("p"))


def _parse(text: str, lo: int, hi: int) -> list[_Ref]:
    """The cited works in one entry of a note or a list."""
    refs: list[_Ref] = []
    for a, b in _pieces(text, lo, hi):
        authors = tuple(dict.fromkeys(r.author for r in reversed(refs) if r.author))
        refs.extend(_parse_piece(text, a, b, authors))
    return refs


def _bounds(text: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and text[lo].isspace():
        lo += 1
    marker = _LIST_MARKER.match(text, lo, hi)
    if marker:
        lo = marker.end()
    while hi > lo and text[hi - 1] in " \t\n;,":
        hi -= 1
    return lo, hi


def _parse_piece(text: str, lo: int, hi: int, authors: Sequence[str] = ()) -> list[_Ref]:
    """The cited works in ``text[lo:hi]``, read from a copy of just that stretch (so a long
    reference list costs time in proportion to its length, not to its square)."""
    lo, hi = _bounds(text, lo, hi)
    if lo >= hi:
        return []
    refs = _read_piece(text[lo:hi], authors)
    for ref in refs:
        ref.start += lo
        ref.end += lo
    return refs


def _read_piece(text: str, authors: Sequence[str] = ()) -> list[_Ref]:
    """Works in one piece; after "Ibid., p. 4." the rest of the piece is read again, since a
    note may go on to cite something new ("Ibid. See also ...")."""
    found: list[_Ref] = []
    offset = 0
    while offset < len(text):
        lo, hi = _bounds(text, offset, len(text))
        if lo >= hi:
            break
        refs, rest = _read_one(text, lo, hi, authors)
        for ref in refs:
            ref.start += lo
            ref.end += lo
        found.extend(refs)
        if rest is None or len(text[lo + rest : min(hi, lo + rest + 80)].split()) < 3:
            break
        offset = lo + rest
    return found


def _read_one(
    whole: str, begin: int, end: int, authors: Sequence[str] = ()
) -> tuple[list[_Ref], int | None]:
    """The work at the start of ``whole[begin:end]`` (offsets relative to ``begin``); and
    where to go on reading, after a back-reference."""
    # a back-reference is read from the first words only, so a note of many "Ibid."s stays
    # linear in its length
    short = end - begin <= _WINDOW
    window = _Piece(whole[begin : min(end, begin + _WINDOW)])
    back = _back_reference(window, 0)
    text = window.text if back is not None else whole[begin:end]
    lo, hi = 0, len(text)
    piece = window if back is not None or short else _Piece(text)
    plain = piece.plain
    start = lo
    if back is None:
        first_link = min((a for a, *_ in piece.links), default=hi)
        start = _skip_see(plain, lo, min(hi, lo + 200, first_link))
        joined = _CONJUNCTION.match(plain, start)
        if joined and start == lo:
            start = joined.end()
        if start < _WINDOW // 2:
            back = _back_reference(window, start)
    if back is not None:
        ref, rest = back
        return [ref], rest

    ref = _Ref(start, hi)
    head = _head(piece, start)
    strong = _strong_title(piece, start)
    if (
        strong is not None
        and not strong[3]
        and head is not None
        and len(plain[head[2] : strong[0]].split()) >= 3
    ):
        # a quotation well after an author-date opening is a phrase inside the title or a
        # series name ("Report for the 'City Initiative ...'"), not the title itself
        strong = None
    if strong is not None:
        return _around_title(piece, ref, strong), None

    known = next((a for a in authors if _starts_with_name(plain, start, a)), "")
    if head is not None:
        ref.author, date, rest = head
        ref.year = date.year
        if date.text:
            ref.extra["date"] = date.text
        _unmarked_title(piece, ref, rest)
    elif known:
        # "...; PICUM Dismantling the use of Big Data": an author this note has named already
        ref.author = known
        _unmarked_title(piece, ref, start + len(known))
    else:
        _no_head(piece, ref, start)
    ref.url = piece.real_url(lo, hi)
    if _is_reference(piece, ref, bool(head or known)):
        return [_finish(piece, ref)], None
    named = _named_in_passing(piece, lo, start)
    return ([_finish(piece, named)] if named else []), None


def _around_title(piece: _Piece, ref: _Ref, strong: tuple[int, int, str, bool]) -> list[_Ref]:
    """A work whose title marks itself: author and date are read from what comes before
    it, container, date and locator from what follows."""
    plain = piece.plain
    ts, te, ref.title, linked = strong
    pre = plain[ref.start : ts]
    if not linked and (
        _commentary(pre)
        or (pre.strip() and not pre.rstrip().endswith((",", ":", ".", "(", ")")))
        or _prose_after(plain[te : piece.end])
    ):
        # a quoted phrase inside the writer's own words ("Under objective 7 'Address and
        # reduce vulnerabilities'", 'The term "firewall" is used') names no work
        return []
    if _commentary(pre):
        ref.start = ts  # "Adopted in September 2020, [the Plan](#)": the work, not the comment
    else:
        dates = _dates(plain, ref.start, ts)
        author_raw = pre
        if dates:
            last = dates[-1]
            author_raw = plain[ref.start : last.start]
            ref.year = last.year
            if last.text:
                ref.extra["date"] = last.text
        ref.author = _clean_author(author_raw)
        if ref.author and not _authorish(ref.author):
            ref.author = ""
            if author_raw.strip(" ,.;:("):  # words that are no name: a date in them is no
                ref.year = ""  # publication date either
                ref.extra.pop("date", None)
        if not ref.author and not ref.year:
            ref.start = ts
    _read_tail(piece, ref, te)
    ref.url = piece.real_url(ts, te)
    return [_finish(piece, ref)]


def _starts_with_name(plain: str, at: int, name: str) -> bool:
    """Whether ``plain`` has ``name`` at ``at``, followed by a capitalised word."""
    end = at + len(name)
    return (
        plain.startswith(name, at)
        and plain[end : end + 1].isspace()
        and (plain[end:].lstrip()[:1].isupper())
    )


def _named_in_passing(piece: _Piece, lo: int, start: int) -> _Ref | None:
    """A work the writer names in a sentence, without a citation's form: "joint statement:
    The EU AI Act must protect ...", "see the European Parliament's Legislative Train
    Schedule", "the EU Anti Racism Action Plan is meant to". No author or year is guessed."""
    plain = piece.plain
    hi = piece.end
    found = _KIND_COLON.search(plain, lo, hi)
    if found is None and start > lo:  # after "see": the capitalised name that follows
        run = _NAMED_RUN.match(plain, start, hi)
        if run and (len(run.group("t").split()) >= 2 or _CAMEL.fullmatch(run.group("t"))):
            found = run
    if found is None and (_commentary(plain[lo:hi]) or _prose(plain[lo:hi])):
        for m in _THE_DOCUMENT.finditer(plain, lo, hi):
            if len(m.group("t").split()) >= 3 and _DOCUMENT_NOUN.search(m.group("t")):
                found = m
                break
    if found is None:
        return None
    title = _clean(found.group("t"))
    return _Ref(
        found.start("t"), found.start("t") + len(found.group("t").rstrip(" .,;:")), title=title
    )


def _unmarked_title(piece: _Piece, ref: _Ref, lo: int) -> None:
    """Title and tail after an author (and date): emphasis marks the title when it comes
    first and the container when plain words come before it."""
    plain = piece.plain
    hi = piece.end
    while lo < hi and plain[lo] in " \t\n.,:;" + _QUOTE_CHARS:
        lo += 1
    number = _LEADING_NUMBER.match(plain, lo, hi)
    if number:  # "..., 76/172. Promotion and protection of human rights"
        ref.extra["number"] = _clean(number.group("n"))
        lo = number.end()
    if lo >= hi:
        return
    italic = next(((a, b) for a, b in piece.italics if a >= lo), None)
    if italic and not plain[lo : italic[0]].strip(" *_"):
        ts, te = italic
    elif italic:
        ts, te = lo, italic[0]
    else:
        ts, te = _title_in(piece, lo, hi)
    # "Title (Geneva, 2018)", "Title (2015/2095(INI))": place, date or file number in
    # brackets at the end belong to the tail, and so does a short name ("Victims' Directive")
    ending = _BRACKETED_END.search(plain, ts, te)
    alias = _ALIAS.fullmatch(ending.group().strip(" .,;:")) if ending else None
    if ending and alias and ending.start() > ts:
        ref.extra["short_title"] = _clean(alias.group("t"))
        te = ending.start()
    elif ending and ending.start() > ts:
        inner = ending.group("in")
        if _dates(inner) or _PROCEDURE.fullmatch(inner):
            te = ending.start()
            if not _dates(inner):
                ref.extra["number"] = _clean(inner)
    title = _COURT_TAG.sub("", _clean(plain[ts:te]))
    if _tail_kind(title, place_year=False) in {"date", "number", "empty"}:
        # nothing but a page or a date after the author: a short citation ("Smith (2019), p. 4")
        _read_tail(piece, ref, lo)
        return
    edition = _EDITION.search(title)
    if edition:
        ref.extra["edition"] = _clean(edition.group("e"))
        title = title[: edition.start()].rstrip(" ,.;:")
    ref.title = title
    _read_tail(piece, ref, te)


def _no_head(piece: _Piece, ref: _Ref, lo: int) -> None:
    """Citations without an author-date opening: "Surname, Given. Title." (MLA, Chicago
    bibliography), "Author, Title, Publisher, Year" (Chicago notes) or a title first."""
    plain = piece.plain
    hi = piece.end
    mla = _MLA_AUTHOR.match(plain, lo, hi)
    if mla and _authorish(_clean_author(mla.group("a")), strict=True):
        ref.author = _clean_author(mla.group("a"))
        _unmarked_title(piece, ref, lo + mla.end())
        return
    parts = _top_level(plain, lo, hi, ",")
    colon = _COLON_AUTHOR.match(plain, lo, hi)
    if colon and _authorish(_clean_author(colon.group("a")), strict=True):
        ref.author = _clean_author(colon.group("a"))
        _unmarked_title(piece, ref, colon.end())
        return
    second = plain[parts[1][0] : parts[1][1]] if len(parts) == 2 else ""
    opens_document = bool(second) and (
        _first_word(second) in _DOC_TYPE_START or bool(_YEAR_AT_END.search(second))
    )
    pair = (
        len(parts) == 2
        and len(plain[lo:hi].split()) <= 25
        and _organisation(_clean_author(plain[parts[0][0] : parts[0][1]]))
        and not _sentence(plain[parts[1][0] : parts[1][1]])
    )  # "European Commission, Eurosur", "Irish Times, Ireland: Migrants face ..."
    if len(parts) >= 3 or opens_document or pair:
        first = _clean_author(plain[parts[0][0] : parts[0][1]])
        then = _first_word(plain[parts[1][0] : parts[1][1]])
        if _authorish(first, strict=True) or (then in _DOC_TYPE_START and _authorish(first)):
            upto = parts[0][1]
            second = _clean_author(plain[parts[1][0] : parts[1][1]])
            if (
                len(parts) >= 4
                and len(second.split()) <= 4
                and _authorish(second, strict=True)
                and all(w[:1].isupper() or w.casefold() in _PARTICLES for w in second.split())
                and _tail_kind(second) not in {"date", "number"}
            ):
                upto = parts[1][1]
            ref.author = _clean_author(plain[lo:upto])
            _unmarked_title(piece, ref, upto + 1)
            return
    _unmarked_title(piece, ref, lo)


def _sentence(text: str) -> bool:
    """Whether words read as the writer's sentence rather than a title: they open like
    commentary or carry a finite verb."""
    lowered = {w.strip(",.;:") for w in text.split() if w[:1].islower()}
    return _commentary(text) or bool(lowered & _PROSE_VERBS)


def _organisation(name: str) -> bool:
    """A name that reads as a body or a person's full name: several capitalised words or an
    acronym ("European Commission", "UNHCR"), not one ordinary word ("Greece")."""
    if not _authorish(name, strict=True):
        return False
    words = name.split()
    return len(words) >= 2 or (len(name) >= 2 and sum(c.isupper() for c in name) >= 2)


def _is_reference(piece: _Piece, ref: _Ref, headed: bool) -> bool:
    """Whether an unmarked stretch names a work rather than comments. An author-date opening
    vouches for it; a bare title needs a date, an address, a symbol or a publisher behind it,
    and must not read as a sentence. Commentary with an address still cites that address."""
    if headed and (ref.author or ref.title):
        return True
    title_ok = bool(ref.title) and not _sentence(ref.title)
    if title_ok and (
        ref.author
        or ref.year
        or ref.url
        or piece.doi
        or "symbol" in ref.extra
        or _PUBLISHER_WORDS.search(ref.extra.get("container", ""))
        or _INSTRUMENT_START.match(ref.title)
    ):
        return True
    if ref.url or piece.doi:
        ref.author = ref.title = ref.year = ""
        for name in ("container", "date", "locator", "volume", "pages", "number", "short_title"):
            ref.extra.pop(name, None)
        ref.start, ref.end = piece.start, piece.end
        return True
    return False


def _back_reference(piece: _Piece, lo: int) -> tuple[_Ref, int] | None:
    """ "Ibid., p. 4", "Id.", "Anderson, op. cit., p. 12": a pointer to an earlier note, with
    the new locator and (for op. cit.) the author it names; resolved by ``find_all``."""
    plain = piece.plain
    m = _IBID.match(plain, lo, piece.end)
    author = ""
    if m is None:
        m = _OP_CIT.match(plain, lo, piece.end)
        if m is None:
            return None
        author = _clean_author(m.group("a"))
        if not _authorish(author):
            return None
    end = m.end()
    lead = _SEPARATORS.match(plain, end, piece.end)
    after = lead.end() if lead else end
    loc = _LOCATOR_AT_START.match(plain, after, piece.end)
    locator = ""
    if loc and loc.group().strip():
        locator = _clean(_AT.sub("", loc.group()))
        end = loc.end()
    ref = _Ref(lo, end, author=author, ibid=True)
    note = m.groupdict().get("note") or m.groupdict().get("note2")
    if note:
        ref.extra["note"] = note
    if locator:
        ref.extra["locator"] = locator
    rest = _SEPARATORS.match(plain, end, piece.end)
    return ref, rest.end() if rest else end


def _finish(piece: _Piece, ref: _Ref) -> _Ref:
    if piece.doi:
        ref.extra["doi"] = piece.doi
    if piece.accessed:
        ref.extra["accessed"] = piece.accessed
    text = piece.text
    while ref.end > ref.start and text[ref.end - 1] in " \t\n,;":
        ref.end -= 1
    return ref


def _mention(ref: _Ref) -> Mention:
    attrs = {"author": ref.author, "year": ref.year, "title": ref.title, "url": ref.url}
    attrs.update({k: v for k, v in ref.extra.items() if v})
    if ref.ibid:
        attrs["ibid"] = "unresolved"
        label = "Ibid." if not ref.author else f"{ref.author}, op. cit."
        if "locator" in attrs:
            label += f", {attrs['locator']}"
        return Mention("reference", "ibid", label, ref.start, ref.end, attrs)
    return Mention("reference", _key(ref), _label(ref), ref.start, ref.end, attrs)


# --- headings --------------------------------------------------------------------------------


def _fold_heading(text: str) -> str:
    text = _HEADING_NUMBER.sub("", text)
    return _fold(text.strip(" :.*#"))


@cache
def _headings() -> tuple[frozenset[str], frozenset[str]]:
    """Reference-list and endnote headings from the packaged data file, folded."""
    resource = files("evidencia.data").joinpath("reference_headings.yaml")
    raw = yaml.safe_load(resource.read_text("utf-8"))
    result: list[frozenset[str]] = []
    for section in ("reference_lists", "endnotes"):
        by_language = raw.get(section, {}) if isinstance(raw, dict) else {}
        words = {
            _fold_heading(str(word))
            for listed in (by_language or {}).values()
            for word in (listed or [])
        }
        result.append(frozenset(w for w in words if w))
    return result[0], result[1]


def is_reference_heading(heading: str, section: str = "reference_lists") -> bool:
    """Whether ``heading`` opens a list of cited works (or, with ``section="endnotes"``,
    of endnotes); "Sources and further reading" counts when both halves are known."""
    lists, notes = _headings()
    known = lists if section == "reference_lists" else notes
    folded = _fold_heading(heading)
    if not folded:
        return False
    if folded in known:
        return True
    halves = _HEADING_AND.split(_squash(heading))
    return len(halves) > 1 and all(_fold_heading(h) in known for h in halves)


# --- the enricher ----------------------------------------------------------------------------


class ReferenceEnricher:
    """Cited works in footnotes and in passages under a reference-list heading."""

    name: ClassVar[str] = "references"
    version: ClassVar[str] = "1"

    def find(self, text: str, language: str | None = None) -> list[Mention]:
        """Every cited work in a footnote or a reference list (one entry per line).

        ``language`` is not needed: the cues of every supported language are tried, since
        a French report cites English sources as often as French ones. "Ibid." gives a
        mention keyed "ibid" that only :meth:`find_all` can point at its work.
        """
        mentions: list[Mention] = []
        for lo, hi in _lines(text):
            mentions.extend(_mention(ref) for ref in _parse(text, lo, hi))
        return mentions

    def find_all(self, units: Sequence[TextUnit]) -> list[list[Mention]]:
        """References for each of one document's texts. Footnotes (and endnote passages) are
        read in order so that "Ibid." and "op. cit." take the key and fields of the work
        they point back to; passages outside a reference list give nothing, because prose
        that mentions a year and a title is not a citation."""
        results: list[list[Mention]] = []
        history: list[Mention] = []
        notes: list[list[Mention]] = []  # the works of each note so far, for "supra note 3"
        for unit in units:
            heading = unit.heading_path[-1] if unit.heading_path else ""
            if unit.kind == "footnote" or (heading and is_reference_heading(heading, "endnotes")):
                found = []
                works: list[Mention] = []
                for mention in self.find(unit.text, unit.language):
                    resolved, work = _resolve(mention, history, notes)
                    if work is not None:
                        history.append(work)
                        works.append(work)
                    found.append(resolved)
                notes.append(works)
                results.append(found)
            elif heading and is_reference_heading(heading):
                results.append(self.find(unit.text, unit.language))
            else:
                results.append([])
        return results


def _resolve(
    mention: Mention, history: list[Mention], notes: list[list[Mention]]
) -> tuple[Mention, Mention | None]:
    """An "Ibid." mention rewritten as the work it points to, with its own locator; and the
    work itself, which the next "Ibid." points to in turn (None when nothing was found).
    "Supra note 3" takes the first work of the document's third note, counting notes in
    order, which holds wherever notes are numbered from one without gaps."""
    if mention.attrs.get("ibid") != "unresolved":
        return mention, mention
    target = _target(mention, history, notes)
    if target is None:
        return mention, None
    attrs = {k: v for k, v in target.attrs.items() if k not in {"locator", "ibid", "note"}}
    attrs["ibid"] = "resolved"
    label = target.label
    locator = mention.attrs.get("locator", "")
    if locator:
        attrs["locator"] = locator
        label += f", {locator}"
    return Mention("reference", target.key, label, mention.start, mention.end, attrs), target


def _target(mention: Mention, history: list[Mention], notes: list[list[Mention]]) -> Mention | None:
    """The earlier work a back-reference points to: a numbered note's first work, the last
    work by the author an "op. cit." names, or else the last work cited."""
    note = mention.attrs.get("note", "")
    if note.isdigit():
        number = int(note)
        earlier = notes[number - 1] if 0 < number <= len(notes) else []
        return earlier[0] if earlier else None
    wanted = set(_fold(mention.attrs.get("author", "")).split())
    if wanted:
        for work in reversed(history):
            if wanted <= set(_fold(work.attrs.get("author", "")).split()):
                return work
        return None
    return history[-1] if history else None

"""Ingest throughput: the Evidencia pipeline against raw PyMuPDF / python-docx / lxml.

Generates a corpus of report-like documents (≥ 500 PDF pages by default, plus DOCX and HTML)
with Evidencia's own renderer, then measures, after one warm-up run each, the median of three
timed runs of:

* the peers: raw text extraction of the same files in one process (PyMuPDF
  ``page.get_text()``, python-docx paragraph iteration, ``lxml.html`` parse + text);
* the full pipeline, ``Ingestor(...).run`` into a fresh data directory (sniff, read, passages,
  language detection, de-dup signature, originals copied, SQLite + FTS writes).

Run: ``.venv/bin/python bench/ingest_throughput.py [--pages 500] [--workers N] [--json FILE]``.
See ``bench/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import platform
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import docx
import pymupdf
from lxml import html as lxml_html
from rich.console import Console
from rich.table import Table

from evidencia.config import Home
from evidencia.ingest import dedup, language, registry
from evidencia.ingest.limits import Limits
from evidencia.ingest.passages import document_text, make_passages
from evidencia.ingest.pipeline import OK, FileResult, Ingestor
from evidencia.ingest.readers.text import parse_text
from evidencia.ingest.sniff import sniff
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument
from evidencia.render import render
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
GOAL = 0.5
REPEATS = 3
#: Rough characters of body text per rendered A4 page (10.5 pt Noto Sans, one column).
CHARS_PER_PAGE = 2900

console = Console(width=max(140, shutil.get_terminal_size().columns))


# -- corpus ---------------------------------------------------------------------------------


class Pool(NamedTuple):
    """Phrase pools for one language; sentences are assembled from them."""

    subjects: tuple[str, ...]
    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    tails: tuple[str, ...]
    headings: tuple[str, ...]
    note: str


POOLS: dict[str, Pool] = {
    "en": Pool(
        (
            "The network",
            "Member organisations",
            "Local authorities",
            "Undocumented workers",
            "Health care providers",
            "The European Commission",
            "Many municipalities",
            "Civil society groups",
            "Labour inspectors",
            "Children and families",
            "Border police",
            "Legal aid lawyers",
        ),
        (
            "have repeatedly reported",
            "continue to face",
            "documented",
            "called for an end to",
            "raised concerns about",
            "were excluded from",
            "gained access to",
            "monitored",
            "challenged in court",
            "recommended reforms of",
            "provided evidence on",
            "described",
        ),
        (
            "immigration detention of children",
            "firewalls between services and enforcement",
            "access to emergency health care",
            "exploitative working conditions",
            "regularisation programmes",
            "data sharing with immigration authorities",
            "pushbacks at internal borders",
            "complaint mechanisms for victims of crime",
            "housing and homeless services",
            "the right to education",
            "forced returns",
            "residence permits for young adults",
        ),
        (
            "in several member states",
            "despite existing safeguards",
            "over the reporting period",
            "according to recent testimonies",
            "as confirmed by national courts",
            "without adequate legal remedies",
            "in urban and rural areas alike",
            "since the adoption of the pact",
            "in the absence of reliable data",
            "with serious consequences for health",
        ),
        (
            "Introduction",
            "Methodology",
            "Key findings",
            "Access to health care",
            "Labour rights",
            "Detention and return",
            "Regularisation",
            "Access to justice",
            "Recommendations",
            "Children and youth",
            "Conclusions",
            "Country examples",
        ),
        "Report",
    ),
    "fr": Pool(
        (
            "Le réseau",
            "Les organisations membres",
            "Les autorités locales",
            "Les travailleurs sans papiers",
            "Les prestataires de soins",
            "La Commission européenne",
            "De nombreuses communes",
            "Les associations",
            "Les inspecteurs du travail",
            "Les enfants et leurs familles",
            "La police aux frontières",
            "Les avocats",
        ),
        (
            "ont signalé à plusieurs reprises",
            "continuent de subir",
            "ont documenté",
            "demandent la fin de",
            "s'inquiètent de",
            "sont exclus de",
            "ont obtenu l'accès à",
            "surveillent",
            "ont contesté devant les tribunaux",
            "recommandent une réforme de",
            "apportent des preuves sur",
            "décrivent",
        ),
        (
            "la détention des enfants migrants",
            "la séparation entre services publics et contrôle",
            "l'aide médicale urgente",
            "des conditions de travail abusives",
            "les programmes de régularisation",
            "le partage de données avec la préfecture",
            "les refoulements aux frontières intérieures",
            "les mécanismes de plainte pour les victimes",
            "l'hébergement d'urgence",
            "le droit à l'éducation",
            "les expulsions forcées",
            "les titres de séjour des jeunes majeurs",
        ),
        (
            "dans plusieurs États membres",
            "malgré les garanties existantes",
            "au cours de la période étudiée",
            "selon des témoignages récents",
            "comme l'ont confirmé les juridictions",
            "sans recours effectif",
            "en ville comme à la campagne",
            "depuis l'adoption du pacte",
            "faute de données fiables",
            "avec de graves conséquences sanitaires",
        ),
        (
            "Introduction",
            "Méthodologie",
            "Principaux constats",
            "Accès aux soins",
            "Droits des travailleurs",
            "Détention et retour",
            "Régularisation",
            "Accès à la justice",
            "Recommandations",
            "Enfants et jeunes",
            "Conclusions",
            "Exemples nationaux",
        ),
        "Rapport",
    ),
    "es": Pool(
        (
            "La red",
            "Las organizaciones miembro",
            "Las autoridades locales",
            "Los trabajadores indocumentados",
            "Los servicios de salud",
            "La Comisión Europea",
            "Muchos ayuntamientos",
            "Las entidades sociales",
            "La inspección de trabajo",
            "Los niños y sus familias",
            "La policía de fronteras",
            "Las abogadas de oficio",
        ),
        (
            "han denunciado repetidamente",
            "siguen sufriendo",
            "documentaron",
            "exigen el fin de",
            "expresaron su preocupación por",
            "quedaron excluidos de",
            "obtuvieron acceso a",
            "vigilan",
            "recurrieron ante los tribunales",
            "recomiendan reformar",
            "aportan pruebas sobre",
            "describen",
        ),
        (
            "la detención de menores migrantes",
            "la separación entre servicios y control migratorio",
            "la atención sanitaria de urgencia",
            "condiciones laborales abusivas",
            "los procesos de regularización extraordinaria",
            "el intercambio de datos con extranjería",
            "las devoluciones en caliente",
            "los mecanismos de denuncia para víctimas",
            "el acceso a la vivienda",
            "el derecho a la educación",
            "las expulsiones forzosas",
            "los permisos de residencia para jóvenes",
        ),
        (
            "en varios Estados miembros",
            "a pesar de las garantías existentes",
            "durante el periodo analizado",
            "según testimonios recientes",
            "como confirmaron los tribunales",
            "sin recursos efectivos",
            "tanto en ciudades como en zonas rurales",
            "desde la aprobación del pacto",
            "ante la falta de datos fiables",
            "con graves consecuencias para la salud",
        ),
        (
            "Introducción",
            "Metodología",
            "Principales conclusiones",
            "Acceso a la sanidad",
            "Derechos laborales",
            "Detención y retorno",
            "Regularización",
            "Acceso a la justicia",
            "Recomendaciones",
            "Infancia y juventud",
            "Conclusiones",
            "Ejemplos por país",
        ),
        "Informe",
    ),
    "de": Pool(
        (
            "Das Netzwerk",
            "Die Mitgliedsorganisationen",
            "Die Kommunen",
            "Arbeitnehmer ohne Papiere",
            "Die Gesundheitsdienste",
            "Die Europäische Kommission",
            "Viele Städte",
            "Zivilgesellschaftliche Gruppen",
            "Die Arbeitsinspektion",
            "Kinder und ihre Familien",
            "Die Bundespolizei",
            "Anwältinnen und Anwälte",
        ),
        (
            "berichten wiederholt über",
            "leiden weiterhin unter",
            "dokumentierten",
            "fordern ein Ende",
            "äußerten Bedenken gegen",
            "wurden ausgeschlossen von",
            "erhielten Zugang zu",
            "beobachten",
            "klagten gegen",
            "empfehlen eine Reform",
            "legten Belege vor über",
            "beschreiben",
        ),
        (
            "die Abschiebungshaft von Kindern",
            "die Übermittlungspflicht öffentlicher Stellen",
            "die medizinische Notversorgung",
            "ausbeuterische Arbeitsbedingungen",
            "Programme zur Legalisierung",
            "den Datenaustausch mit der Ausländerbehörde",
            "Zurückweisungen an den Binnengrenzen",
            "Beschwerdestellen für Opfer von Straftaten",
            "die Wohnungslosenhilfe",
            "das Recht auf Bildung",
            "erzwungene Rückführungen",
            "Aufenthaltstitel für junge Erwachsene",
        ),
        (
            "in mehreren Mitgliedstaaten",
            "trotz bestehender Schutzmechanismen",
            "im Berichtszeitraum",
            "nach aktuellen Zeugenaussagen",
            "wie die Gerichte bestätigten",
            "ohne wirksamen Rechtsbehelf",
            "in Städten und auf dem Land",
            "seit der Verabschiedung des Pakts",
            "mangels verlässlicher Daten",
            "mit schweren gesundheitlichen Folgen",
        ),
        (
            "Einleitung",
            "Methodik",
            "Wichtigste Ergebnisse",
            "Zugang zur Gesundheitsversorgung",
            "Arbeitsrechte",
            "Haft und Rückkehr",
            "Legalisierung",
            "Zugang zum Recht",
            "Empfehlungen",
            "Kinder und Jugendliche",
            "Schlussfolgerungen",
            "Länderbeispiele",
        ),
        "Bericht",
    ),
    "it": Pool(
        (
            "La rete",
            "Le organizzazioni aderenti",
            "Le autorità locali",
            "I lavoratori senza documenti",
            "I servizi sanitari",
            "La Commissione europea",
            "Molti comuni",
            "Le associazioni",
            "L'ispettorato del lavoro",
            "I bambini e le loro famiglie",
            "La polizia di frontiera",
            "Gli avvocati",
        ),
        (
            "hanno segnalato più volte",
            "continuano a subire",
            "hanno documentato",
            "chiedono la fine del",
            "hanno espresso preoccupazione per",
            "sono stati esclusi da",
            "hanno ottenuto accesso a",
            "monitorano",
            "hanno impugnato in tribunale",
            "raccomandano una riforma del",
            "forniscono prove su",
            "descrivono",
        ),
        (
            "il trattenimento dei minori migranti",
            "la separazione tra servizi e controlli",
            "l'assistenza sanitaria urgente",
            "condizioni di lavoro sfruttatrici",
            "i programmi di regolarizzazione",
            "lo scambio di dati con la questura",
            "i respingimenti alle frontiere interne",
            "i meccanismi di denuncia per le vittime",
            "l'accoglienza abitativa",
            "il diritto all'istruzione",
            "i rimpatri forzati",
            "i permessi di soggiorno per i neomaggiorenni",
        ),
        (
            "in diversi Stati membri",
            "nonostante le garanzie esistenti",
            "nel periodo considerato",
            "secondo testimonianze recenti",
            "come confermato dai tribunali",
            "senza rimedi effettivi",
            "sia nelle città sia nelle aree rurali",
            "dopo l'adozione del patto",
            "in mancanza di dati affidabili",
            "con gravi conseguenze per la salute",
        ),
        (
            "Introduzione",
            "Metodologia",
            "Risultati principali",
            "Accesso alle cure",
            "Diritti dei lavoratori",
            "Trattenimento e rimpatrio",
            "Regolarizzazione",
            "Accesso alla giustizia",
            "Raccomandazioni",
            "Minori e giovani",
            "Conclusioni",
            "Esempi nazionali",
        ),
        "Rapporto",
    ),
    "nl": Pool(
        (
            "Het netwerk",
            "De lidorganisaties",
            "De gemeenten",
            "Ongedocumenteerde werknemers",
            "De zorgverleners",
            "De Europese Commissie",
            "Veel steden",
            "Maatschappelijke organisaties",
            "De arbeidsinspectie",
            "Kinderen en hun gezinnen",
            "De marechaussee",
            "Advocaten",
        ),
        (
            "hebben herhaaldelijk gemeld",
            "hebben nog steeds last van",
            "documenteerden",
            "vragen om een einde aan",
            "uitten zorgen over",
            "werden uitgesloten van",
            "kregen toegang tot",
            "volgen",
            "vochten in de rechtbank aan",
            "bevelen een hervorming aan van",
            "leveren bewijs over",
            "beschrijven",
        ),
        (
            "de vreemdelingendetentie van kinderen",
            "de scheiding tussen hulpverlening en handhaving",
            "medisch noodzakelijke zorg",
            "uitbuitende arbeidsomstandigheden",
            "regularisatieprogramma's",
            "het delen van gegevens met de vreemdelingenpolitie",
            "terugduwingen aan de binnengrenzen",
            "klachtenprocedures voor slachtoffers",
            "de nachtopvang",
            "het recht op onderwijs",
            "gedwongen terugkeer",
            "verblijfsvergunningen voor jongvolwassenen",
        ),
        (
            "in verschillende lidstaten",
            "ondanks de bestaande waarborgen",
            "in de onderzochte periode",
            "volgens recente getuigenissen",
            "zoals de rechter bevestigde",
            "zonder effectief rechtsmiddel",
            "in steden en op het platteland",
            "sinds de aanneming van het pact",
            "bij gebrek aan betrouwbare gegevens",
            "met ernstige gevolgen voor de gezondheid",
        ),
        (
            "Inleiding",
            "Methode",
            "Belangrijkste bevindingen",
            "Toegang tot zorg",
            "Arbeidsrechten",
            "Detentie en terugkeer",
            "Regularisatie",
            "Toegang tot het recht",
            "Aanbevelingen",
            "Kinderen en jongeren",
            "Conclusies",
            "Voorbeelden per land",
        ),
        "Rapport",
    ),
    "el": Pool(
        (
            "Το δίκτυο",
            "Οι οργανώσεις-μέλη",
            "Οι τοπικές αρχές",
            "Οι εργαζόμενοι χωρίς χαρτιά",
            "Οι υπηρεσίες υγείας",
            "Η Ευρωπαϊκή Επιτροπή",
            "Πολλοί δήμοι",
            "Οι οργανώσεις της κοινωνίας των πολιτών",
            "Η επιθεώρηση εργασίας",
            "Τα παιδιά και οι οικογένειές τους",
            "Η συνοριοφυλακή",
            "Οι δικηγόροι",
        ),
        (
            "έχουν καταγγείλει επανειλημμένα",
            "εξακολουθούν να υφίστανται",
            "κατέγραψαν",
            "ζητούν τον τερματισμό",
            "εξέφρασαν ανησυχίες για",
            "αποκλείστηκαν από",
            "απέκτησαν πρόσβαση σε",
            "παρακολουθούν",
            "προσέφυγαν στα δικαστήρια κατά",
            "προτείνουν τη μεταρρύθμιση",
            "παρέχουν στοιχεία για",
            "περιγράφουν",
        ),
        (
            "την κράτηση ανήλικων μεταναστών",
            "τον διαχωρισμό υπηρεσιών και ελέγχων",
            "την επείγουσα υγειονομική περίθαλψη",
            "τις συνθήκες εκμετάλλευσης στην εργασία",
            "τα προγράμματα νομιμοποίησης",
            "την ανταλλαγή δεδομένων με την αστυνομία",
            "τις επαναπροωθήσεις στα σύνορα",
            "τους μηχανισμούς καταγγελιών για θύματα",
            "τη στέγαση αστέγων",
            "το δικαίωμα στην εκπαίδευση",
            "τις αναγκαστικές επιστροφές",
            "τις άδειες διαμονής για νέους ενήλικες",
        ),
        (
            "σε πολλά κράτη μέλη",
            "παρά τις υφιστάμενες εγγυήσεις",
            "κατά την περίοδο αναφοράς",
            "σύμφωνα με πρόσφατες μαρτυρίες",
            "όπως επιβεβαίωσαν τα δικαστήρια",
            "χωρίς αποτελεσματική προσφυγή",
            "σε πόλεις και σε αγροτικές περιοχές",
            "μετά την έγκριση του συμφώνου",
            "ελλείψει αξιόπιστων δεδομένων",
            "με σοβαρές συνέπειες για την υγεία",
        ),
        (
            "Εισαγωγή",
            "Μεθοδολογία",
            "Κύρια ευρήματα",
            "Πρόσβαση στην υγεία",
            "Εργασιακά δικαιώματα",
            "Κράτηση και επιστροφή",
            "Νομιμοποίηση",
            "Πρόσβαση στη δικαιοσύνη",
            "Συστάσεις",
            "Παιδιά και νέοι",
            "Συμπεράσματα",
            "Παραδείγματα χωρών",
        ),
        "Έκθεση",
    ),
}
COUNTRIES = (
    "Belgium",
    "Spain",
    "Greece",
    "Italy",
    "Germany",
    "France",
    "Sweden",
    "Ireland",
    "Portugal",
    "Slovenia",
    "the Netherlands",
    "Poland",
    "Malta",
    "Cyprus",
)
ORGS = ("PICUM", "UNHCR", "FRA", "ECRE", "Amnesty International", "Médecins du Monde", "ILO")


def seed_blocks() -> list[Block]:
    """Paragraphs of the network's real documents, or nothing on a machine without them."""
    blocks: list[Block] = []
    for seed in sorted(SEEDS.glob("0*.txt")) if SEEDS.is_dir() else []:
        doc = parse_text(seed.read_text(encoding="utf-8"))
        blocks.extend(b for b in doc.blocks if b.kind is not BlockKind.HEADING and len(b.text) > 80)
    return blocks


class DocumentMaker:
    """Builds varied report-like documents: headings, paragraphs, lists, quotes, footnotes."""

    def __init__(self, rng: random.Random, seeds: list[Block]) -> None:
        self.rng = rng
        self.seeds = seeds

    def sentence(self, pool: Pool, vocab: Pool) -> str:
        r = self.rng
        parts = [r.choice(vocab.subjects), r.choice(vocab.verbs), r.choice(vocab.objects)]
        if r.random() < 0.7:
            parts.append(r.choice(vocab.tails))
        if r.random() < 0.5:
            parts.append(f"({r.choice(COUNTRIES)}, {r.randint(1998, 2024)})")
        if r.random() < 0.3:
            parts.append(f"– {r.randint(3, 9800):,} {r.choice(pool.objects).split()[-1]}")
        return " ".join(parts) + "."

    def paragraph(self, pool: Pool, vocab: Pool) -> str:
        return " ".join(self.sentence(pool, vocab) for _ in range(self.rng.randint(3, 9)))

    def vocabulary(self, lang: str) -> Pool:
        """A random subset of the language's phrases, so documents differ in wording."""
        pool = POOLS[lang]

        def take(items: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(self.rng.sample(items, k=max(3, len(items) * 2 // 3)))

        return Pool(
            take(pool.subjects),
            take(pool.verbs),
            take(pool.objects),
            take(pool.tails),
            pool.headings,
            pool.note,
        )

    def document(self, target_chars: int) -> ReadDocument:
        r = self.rng
        main = r.choice(list(POOLS))
        other = r.choice([lang for lang in POOLS if lang != main]) if r.random() < 0.35 else None
        vocabs = {lang: self.vocabulary(lang) for lang in filter(None, (main, other))}
        seeds = (
            r.sample(self.seeds, k=min(len(self.seeds), r.randint(0, 12))) if main == "en" else []
        )
        title = f"{POOLS[main].note} {r.randint(2015, 2025)}: {r.choice(POOLS[main].headings)}"
        blocks: list[Block] = [Block(title, BlockKind.HEADING, level=1)]
        notes: list[FootnoteDraft] = []
        size = 0
        section = 0
        while size < target_chars:
            section += 1
            lang = other if other and r.random() < 0.3 else main
            pool, vocab = POOLS[lang], vocabs[lang]
            blocks.append(
                Block(f"{section}. {r.choice(pool.headings)}", BlockKind.HEADING, level=1)
            )
            for sub in range(1, r.randint(1, 4) + 1):
                if r.random() < 0.6:
                    heading = f"{section}.{sub} {r.choice(vocab.objects).capitalize()}"
                    blocks.append(Block(heading, BlockKind.HEADING, level=2))
                for _ in range(r.randint(2, 6)):
                    roll = r.random()
                    if seeds and roll < 0.25:
                        block = Block(seeds.pop().text)
                    elif roll < 0.33:
                        for _ in range(r.randint(2, 5)):
                            item = self.sentence(pool, vocab)
                            blocks.append(Block(item, BlockKind.LIST_ITEM))
                            size += len(item)
                        continue
                    elif roll < 0.37:
                        block = Block(self.sentence(pool, vocab), BlockKind.QUOTE)
                    else:
                        block = Block(self.paragraph(pool, vocab))
                    if r.random() < 0.3:
                        label = str(len(notes) + 1)
                        block.footnote_refs.append(label)
                        notes.append(FootnoteDraft(label, self.note(pool)))
                    blocks.append(block)
                    size += len(block.text)
        return ReadDocument(blocks=blocks, footnotes=notes, title=title)

    def note(self, pool: Pool) -> str:
        r = self.rng
        return (
            f"{r.choice(ORGS)}, {pool.note} {r.randint(2008, 2024)}: "
            f"{r.choice(pool.objects)}, p. {r.randint(1, 240)}."
        )


@dataclass
class Corpus:
    """The generated files, by format, with the PDF page counts PyMuPDF reports."""

    root: Path
    pdfs: list[Path] = field(default_factory=list)
    pdf_pages: int = 0
    docx: list[Path] = field(default_factory=list)
    html: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def folder(self, fmt: str) -> Path:
        return self.root / fmt


def build_corpus(root: Path, pages: int, n_docx: int, n_html: int, seed: int) -> Corpus:
    """Render PDFs until ``pages`` pages are reached (at least 20 files), then DOCX and HTML."""
    started = time.perf_counter()
    rng = random.Random(seed)
    maker = DocumentMaker(rng, seed_blocks())
    corpus = Corpus(root)
    for fmt in ("pdf", "docx", "html"):
        corpus.folder(fmt).mkdir(parents=True, exist_ok=True)
    per_file = max(3, pages // 30)
    while corpus.pdf_pages < pages or len(corpus.pdfs) < 20:
        want = max(1, round(per_file * rng.uniform(0.4, 1.6)))
        path = corpus.folder("pdf") / f"report-{len(corpus.pdfs):03d}.pdf"
        render(maker.document(want * CHARS_PER_PAGE), "pdf", path)
        with pymupdf.open(path) as pdf:  # type: ignore[no-untyped-call]
            corpus.pdf_pages += pdf.page_count
        corpus.pdfs.append(path)
    for fmt, count, target in (("docx", n_docx, corpus.docx), ("html", n_html, corpus.html)):
        for i in range(count):
            doc = maker.document(rng.randint(3, 20) * CHARS_PER_PAGE)
            target.append(render(doc, fmt, corpus.folder(fmt) / f"doc-{i:03d}.{fmt}"))
    corpus.seconds = time.perf_counter() - started
    return corpus


# -- measurements ---------------------------------------------------------------------------


@dataclass
class Figures:
    """One measurement: the median of the timed runs, plus what the warm-up took."""

    name: str
    files: int
    pages: int | None
    passages: int | None
    seconds: float
    runs: list[float]
    warmup: float
    peer: str | None = None
    ratio: float | None = None
    failed: int = 0
    version_links: int = 0
    parent_cpu: float | None = None
    worker_cpu: float | None = None

    @property
    def pages_per_s(self) -> float | None:
        return self.pages / self.seconds if self.pages is not None else None

    @property
    def passages_per_s(self) -> float | None:
        return self.passages / self.seconds if self.passages is not None else None

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds


class Run(NamedTuple):
    seconds: float
    passages: int | None
    failed: int
    version_links: int
    parent_cpu: float | None = None
    worker_cpu: float | None = None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], Run], repeats: int) -> tuple[Run, list[float], float]:
    """One warm-up call, then ``repeats`` timed calls; the median run and all times."""
    warm = fn()
    runs = [fn() for _ in range(repeats)]
    median = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
    return median, [run.seconds for run in runs], warm.seconds


def raw_pdf(paths: Sequence[Path]) -> Run:
    """The floor: open each PDF and extract plain text page by page, in this process."""
    started = time.perf_counter()
    for path in paths:
        with pymupdf.open(path) as pdf:  # type: ignore[no-untyped-call]
            for page in pdf:
                page.get_text()
    return Run(time.perf_counter() - started, None, 0, 0)


def raw_docx(paths: Sequence[Path]) -> Run:
    """python-docx: load each file and read every body paragraph's text."""
    started = time.perf_counter()
    for path in paths:
        for paragraph in docx.Document(str(path)).paragraphs:
            _ = paragraph.text
    return Run(time.perf_counter() - started, None, 0, 0)


def raw_html(paths: Sequence[Path]) -> Run:
    """lxml: parse each page and take its text content."""
    started = time.perf_counter()
    for path in paths:
        lxml_html.parse(str(path)).getroot().text_content()
    return Run(time.perf_counter() - started, None, 0, 0)


def pipeline(folder: Path, homes: Path, workers: int) -> Callable[[], Run]:
    """A callable that ingests ``folder`` into a fresh data directory and times ``run``."""

    def go() -> Run:
        homes.mkdir(parents=True, exist_ok=True)
        home = Path(tempfile.mkdtemp(prefix=f"home-{folder.name}-{workers}-", dir=homes))
        store = Store(Home(home))  # schema migration: not timed
        try:
            cpu, children = time.process_time(), _children_cpu()
            started = time.perf_counter()
            results: list[FileResult] = Ingestor(store, workers=workers).run(
                [folder], lambda _p: DocumentMeta()
            )
            seconds = time.perf_counter() - started
            # the pool has joined its workers, so their CPU time is in RUSAGE_CHILDREN
            cpu, children = time.process_time() - cpu, _children_cpu() - children
        finally:
            store.close()
        ok = [r for r in results if r.status == OK]
        for bad in (r for r in results if r.status != OK):
            console.print(f"[yellow]{bad.status}: {bad.path}: {bad.error}")
        return Run(
            seconds,
            sum(r.passages for r in ok),
            len(results) - len(ok),
            sum(1 for r in ok if r.versions),
            cpu,
            children,
        )

    return go


def measure(
    name: str,
    fn: Callable[[], Run],
    files: int,
    pages: int | None,
    repeats: int,
    peer: Figures | None = None,
) -> Figures:
    console.print(f"[dim]measuring {name} …")
    run, runs, warm = timed(fn, repeats)
    fig = Figures(name, files, pages, run.passages, run.seconds, runs, warm)
    fig.failed, fig.version_links = run.failed, run.version_links
    fig.parent_cpu, fig.worker_cpu = run.parent_cpu, run.worker_cpu
    if peer is not None:
        fig.peer = peer.name
        mine, theirs = (
            (fig.pages_per_s, peer.pages_per_s)
            if pages is not None
            else (fig.files_per_s, peer.files_per_s)
        )
        fig.ratio = mine / theirs if mine and theirs else None
    return fig


# -- profile --------------------------------------------------------------------------------


def stage_breakdown(paths: Sequence[Path]) -> dict[str, float]:
    """What ``worker.read_file`` does, stage by stage, in this process (one core)."""
    limits = Limits()
    totals = dict.fromkeys(("sniff", "read", "passages", "language", "signature"), 0.0)
    language.detect("warm up the language model once, outside the timings")
    for path in paths:
        t0 = time.perf_counter()
        sniffed = sniff(path)
        reader = registry.choose(sniffed)
        t1 = time.perf_counter()
        doc = reader().read(path, limits)
        t2 = time.perf_counter()
        passages = make_passages(doc.blocks)
        t3 = time.perf_counter()
        for passage in passages:
            passage.language = language.detect(passage.text)
        t4 = time.perf_counter()
        dedup.signature(document_text(passages))
        t5 = time.perf_counter()
        for key, value in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            totals[key] += value
    return totals


def profile(corpus: Corpus, homes: Path, workers: int, top: int) -> dict[str, object]:
    """Stage times of the worker's work per format, and cProfiles of the PDF reader and of
    the parent (store) process during one pipeline run."""
    stages = {
        "pdf": stage_breakdown(corpus.pdfs),
        "docx": stage_breakdown(corpus.docx),
        "html": stage_breakdown(corpus.html),
    }
    table = Table(title="Worker stages, in one process (seconds, share of the worker's time)")
    table.add_column("stage")
    for fmt_name in stages:
        table.add_column(fmt_name.upper(), justify="right")
    totals = {fmt_name: sum(values.values()) for fmt_name, values in stages.items()}
    for key in stages["pdf"]:
        table.add_row(
            key,
            *(f"{stages[f][key]:.2f} ({stages[f][key] / (totals[f] or 1):.0%})" for f in stages),
        )
    table.add_row("total", *(f"{totals[f]:.2f}" for f in stages))
    console.print(table)
    console.print(
        f"PDF worker work alone, one core: {corpus.pdf_pages / totals['pdf']:,.0f} pages/s"
    )

    reader_prof = cProfile.Profile()
    limits = Limits()
    reader_prof.enable()
    for path in corpus.pdfs:
        registry.choose(sniff(path))().read(path, limits)
    reader_prof.disable()
    console.print("[bold]PDF reader (in process), top functions by own time:")
    pstats.Stats(reader_prof, stream=sys.stdout).sort_stats("tottime").print_stats(top)

    parent = cProfile.Profile()
    go = pipeline(corpus.folder("pdf"), homes, workers)
    parent.enable()
    run = go()
    parent.disable()
    console.print(
        f"[bold]Parent process during one PDF pipeline run ({run.seconds:.2f} s under cProfile; "
        "'acquire' of a lock is waiting for workers):"
    )
    pstats.Stats(parent, stream=sys.stdout).sort_stats("tottime").print_stats(top)
    return {"stages_seconds": stages, "parent_run_seconds_under_cprofile": run.seconds}


# -- report ---------------------------------------------------------------------------------


def fmt(value: float | None, spec: str = ",.1f") -> str:
    return "–" if value is None else format(value, spec)


def report(figures: list[Figures], corpus: Corpus, workers: int) -> None:
    console.print(
        f"[bold]Machine:[/] {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, PyMuPDF {pymupdf.__version__}, "
        f"{platform.system()} {platform.release()}; pipeline workers = {workers}"
    )
    console.print(
        f"[bold]Corpus:[/] {len(corpus.pdfs)} PDFs / {corpus.pdf_pages} pages, "
        f"{len(corpus.docx)} DOCX, {len(corpus.html)} HTML (rendered in {corpus.seconds:.1f} s); "
        f"median of {REPEATS} timed runs after one warm-up"
    )
    table = Table(title="Ingest throughput")
    for column in ("measurement", "files", "pages", "passages", "seconds"):
        if column == "measurement":
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, justify="right")
    columns = ["pages/s", "passages/s", "files/s", "ratio", "CPU s p+w"]
    columns.append("min–max s")
    for column in (*columns, "warm-up s"):
        table.add_column(column, justify="right")
    for fig in figures:
        table.add_row(
            fig.name,
            str(fig.files),
            fmt(fig.pages, ",d"),
            fmt(fig.passages, ",d"),
            f"{fig.seconds:.2f}",
            fmt(fig.pages_per_s, ",.0f"),
            fmt(fig.passages_per_s, ",.0f"),
            f"{fig.files_per_s:,.1f}",
            "–" if fig.ratio is None else f"{fig.ratio:.2f}×",
            "–"
            if fig.parent_cpu is None or fig.worker_cpu is None
            else f"{fig.parent_cpu:.2f} + {fig.worker_cpu:.2f}",
            f"{min(fig.runs):.2f}–{max(fig.runs):.2f}",
            f"{fig.warmup:.2f}",
        )
    console.print(table)
    for fig in figures:
        if fig.failed:
            console.print(f"[red]{fig.name}: {fig.failed} files did not ingest as ok")
        if fig.version_links:
            console.print(
                f"[yellow]{fig.name}: {fig.version_links} documents were linked as versions of "
                "earlier ones (near-duplicate corpus; harmless, but the corpus is less varied)"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=500, help="PDF pages in total (≥ 500)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--docx", type=int, default=30, help="DOCX files to generate")
    parser.add_argument("--html", type=int, default=30, help="HTML files to generate")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--profile", action="store_true", help="profile even above the goal")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--top", type=int, default=25, help="functions per profile listing")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="evidencia-bench-") as tmp:
        root = Path(tmp)
        console.print(f"[dim]rendering the corpus in {root} …")
        corpus = build_corpus(root / "corpus", args.pages, args.docx, args.html, args.seed)
        homes = root / "homes"
        n, pages = len(corpus.pdfs), corpus.pdf_pages
        raw = measure("PDF  peer: get_text()", lambda: raw_pdf(corpus.pdfs), n, pages, REPEATS)
        figures = [raw]
        figures.append(
            measure(
                f"PDF  pipeline ×{args.workers}",
                pipeline(corpus.folder("pdf"), homes, args.workers),
                n,
                pages,
                REPEATS,
                raw,
            )
        )
        if args.workers != 1:
            figures.append(
                measure(
                    "PDF  pipeline ×1",
                    pipeline(corpus.folder("pdf"), homes, 1),
                    n,
                    pages,
                    REPEATS,
                    raw,
                )
            )
        for label, files, peer_fn in (
            ("DOCX", corpus.docx, raw_docx),
            ("HTML", corpus.html, raw_html),
        ):
            fmt_name = label.lower()
            peer_name = "peer: python-docx" if label == "DOCX" else "peer: lxml.html"
            peer = measure(
                f"{label} {peer_name}",
                functools.partial(peer_fn, files),
                len(files),
                None,
                REPEATS,
            )
            figures.append(peer)
            figures.append(
                measure(
                    f"{label} pipeline ×{args.workers}",
                    pipeline(corpus.folder(fmt_name), homes, args.workers),
                    len(files),
                    None,
                    REPEATS,
                    peer,
                )
            )
        report(figures, corpus, args.workers)
        ratio = figures[1].ratio or 0.0
        verdict = "MET" if ratio >= GOAL else "NOT MET"
        colour = "green" if ratio >= GOAL else "red"
        console.print(
            f"[bold {colour}]Verdict: pipeline PDF throughput is {ratio:.2f}× raw PyMuPDF "
            f"extraction — the ≥ {GOAL}× goal is {verdict}."
        )
        profiled: dict[str, object] | None = None
        if args.profile or (ratio < GOAL and not args.no_profile):
            profiled = profile(corpus, homes, args.workers, args.top)
        if args.json:
            payload = {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "pymupdf": pymupdf.__version__,
                    "platform": platform.platform(),
                },
                "corpus": {
                    "pdfs": len(corpus.pdfs),
                    "pdf_pages": corpus.pdf_pages,
                    "docx": len(corpus.docx),
                    "html": len(corpus.html),
                    "render_seconds": corpus.seconds,
                },
                "workers": args.workers,
                "goal": GOAL,
                "pdf_ratio": ratio,
                "goal_met": ratio >= GOAL,
                "figures": [
                    asdict(fig)
                    | {
                        "pages_per_s": fig.pages_per_s,
                        "passages_per_s": fig.passages_per_s,
                        "files_per_s": fig.files_per_s,
                    }
                    for fig in figures
                ],
                "profile": profiled,
            }
            args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
            console.print(f"[dim]figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What runs in a worker process for one file: sniff, read, cut into passages, detect
languages, redact personal data (restricted documents and testimonies), enrich, sign for
de-duplication. Everything CPU-bound happens here, in parallel and under
limits; the parent process only writes results to the store.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

from evidencia.enrich import registry as enrichers
from evidencia.enrich.base import TextUnit
from evidencia.enrich.run import Enriched, enrich_units
from evidencia.ingest import dedup, language, registry
from evidencia.ingest.limits import Limits
from evidencia.ingest.passages import document_text, make_passages
from evidencia.ingest.sniff import sniff
from evidencia.model import FootnoteDraft, PassageDraft, ReadError


@dataclass
class Parsed:
    """A file read and prepared for storing."""

    mime: str
    reader: str
    title: str | None
    page_count: int | None
    passages: list[PassageDraft]
    footnotes: list[FootnoteDraft]
    languages: list[str]
    metadata: dict[str, str]
    signature: bytes
    enriched: Enriched
    seconds: float
    #: for a protected document, each pseudonym and the originals it replaced
    pseudonyms: dict[str, list[str]] = field(default_factory=dict)


def warm_enrichers() -> None:
    """Build the enrichers' tables now (a second or two for country names). Called in the
    parent before the pool forks, workers inherit them instead of each building its own."""
    units = [TextUnit("warm-up", "passage"), TextUnit("warm-up", "footnote")]
    enrich_units(units, enrichers.pipeline())


def prepare_worker(max_bytes: int) -> None:
    """Pool initializer: cap memory, and make sure the enrichers are ready (a no-op when
    inherited), so that cost is never charged to the first file's time limit."""
    limit_memory(max_bytes)
    warm_enrichers()


def limit_memory(max_bytes: int) -> None:
    """Cap the worker's address space so a bomb fails alone: ``max_bytes`` on top of what
    the worker inherited from the process that forked it, so a web server holding models
    and indexes leaves its workers the same room to read as the command line does."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = _address_space() + max_bytes
    cap = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _address_space() -> int:
    """This process's mapped address space in bytes (0 where /proc cannot say)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def read_file(path: Path, limits: Limits, name: str, protect: bool = False) -> Parsed:
    """Read the stored copy at ``path``; ``name`` is the original file name, whose extension
    breaks ties between look-alike text formats. ``protect``: the document is restricted
    or a testimony, so its personal data is redacted before anything is enriched, hashed
    for de-duplication or returned to be stored."""
    started = time.perf_counter()
    sniffed = sniff(path, Path(name).suffix)
    reader_cls = registry.choose(sniffed)
    try:
        doc = reader_cls().read(path, limits)
    except MemoryError:
        raise ReadError(
            f"reading needed more than the memory limit ({limits.max_memory_bytes >> 20} MiB)"
        ) from None
    except RecursionError:
        raise ReadError("the file is nested too deeply to read safely") from None
    passages = make_passages(doc.blocks)
    if not passages:
        raise ReadError("no text found in the file")
    for passage in passages:
        passage.language = language.detect(passage.text)
    langs = language.document_languages(
        [p.language for p in passages], [len(p.text) for p in passages]
    )
    hinted = doc.metadata.get("language")
    if not langs and hinted:
        langs = [hinted]
    main_language = langs[0] if langs else None
    title, pseudonyms = doc.title, dict[str, list[str]]()
    if protect:
        title, pseudonyms = _redact(passages, doc.footnotes, doc.title, main_language)
    units = [TextUnit(p.text, "passage", p.language, tuple(p.heading_path)) for p in passages]
    units += [TextUnit(f.text, "footnote", main_language) for f in doc.footnotes]
    return Parsed(
        mime=sniffed.mime,
        reader=reader_cls.name,
        title=title,
        page_count=doc.page_count,
        passages=passages,
        footnotes=doc.footnotes,
        languages=langs,
        metadata=doc.metadata,
        signature=dedup.signature(document_text(passages)),
        enriched=enrich_units(units, enrichers.pipeline()),
        seconds=time.perf_counter() - started,
        pseudonyms=pseudonyms,
    )


def _redact(
    passages: list[PassageDraft],
    footnotes: list[FootnoteDraft],
    title: str | None,
    language: str | None,
) -> tuple[str | None, dict[str, list[str]]]:
    """Replace personal data in every text of a document, in place, with pseudonyms that
    stay the same across the document; return the redacted title and who each pseudonym
    stands for (kept sealed, for a subject-access export)."""
    # imported here: its tables weigh on a worker's memory limit, and most files need none
    from evidencia.redact import Pseudonyms, redact

    names = Pseudonyms()
    for passage in passages:
        passage.text = redact(passage.text, passage.language or language, names).text
        passage.heading_path = [redact(h, language, names).text for h in passage.heading_path]
    for footnote in footnotes:
        footnote.text = redact(footnote.text, language, names).text
    if title:
        title = redact(title, language, names).text
    return title, {label: list(originals) for label, originals in names.mapping.items()}

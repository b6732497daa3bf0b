"""Lexical search over the SQLite FTS5 index, with snippets and citations.

Ranking is BM25 (title-less: passages are ranked on their own text, with the heading path as
a weaker second field); passages that contain the whole query as a phrase come first, which
is what people mean when they type a policy's name.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from evidencia.model import AccessLevel
from evidencia.search.query import phrase_of, to_fts

MARK_START, MARK_END = "<mark>", "</mark>"
ALL_LEVELS = tuple(level.value for level in AccessLevel)


@dataclass
class Hit:
    """One passage found, with everything needed to cite it."""

    passage_id: int
    document_id: int
    title: str
    page: int | None
    heading_path: list[str]
    text: str
    snippet: str
    score: float
    language: str | None
    doc_type: str
    access: str
    footnotes: list[dict[str, str]] = field(default_factory=list)
    also_in: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


_SQL = """
SELECT p.id, p.document_id, d.title, p.page, p.heading_path, p.text, p.language,
       d.doc_type, d.access,
       snippet(passage_fts, 0, :mark_start, :mark_end, '…', 28) AS snippet,
       bm25(passage_fts, 1.0, 0.3) AS rank
FROM passage_fts
JOIN passage p ON p.id = passage_fts.rowid
JOIN document d ON d.id = p.document_id
WHERE passage_fts MATCH :match AND d.access IN ({levels})
ORDER BY rank
LIMIT :pool
"""


def search(
    session: Session,
    query: str,
    *,
    limit: int = 10,
    levels: tuple[str, ...] = ALL_LEVELS,
) -> list[Hit]:
    """Passages matching ``query`` that a viewer allowed ``levels`` may see, best first."""

    placeholders = ", ".join(f":level{i}" for i in range(len(levels)))
    params: dict[str, Any] = {f"level{i}": lvl for i, lvl in enumerate(levels)}
    params.update(
        match=to_fts(query), mark_start=MARK_START, mark_end=MARK_END, pool=max(limit * 5, 50)
    )
    rows = session.execute(text(_SQL.format(levels=placeholders)), params).all()
    phrase = phrase_of(query)
    hits = [
        Hit(
            passage_id=row.id,
            document_id=row.document_id,
            title=row.title,
            page=row.page,
            heading_path=json.loads(row.heading_path) if row.heading_path else [],
            text=row.text,
            snippet=row.snippet,
            score=round(-float(row.rank), 4),
            language=row.language,
            doc_type=row.doc_type,
            access=row.access,
        )
        for row in rows
    ]
    if phrase:
        hits.sort(key=lambda h: (phrase not in _normalise(h.text), -h.score))
    hits = _collapse_copies(hits)[:limit]
    _attach_footnotes(session, hits)
    return hits


def _collapse_copies(hits: list[Hit]) -> list[Hit]:
    """The same passage in several versions of a document is shown once, at its best rank;
    the copy that can be cited to a page is preferred, and the others are listed."""
    first: dict[str, int] = {}
    unique: list[Hit] = []
    for hit in hits:
        key = _normalise(hit.text)
        if key not in first:
            first[key] = len(unique)
            unique.append(hit)
            continue
        kept = unique[first[key]]
        if kept.page is None and hit.page is not None:
            hit.also_in, kept.also_in = [*kept.also_in, kept.document_id], []
            unique[first[key]] = hit
        else:
            kept.also_in.append(hit.document_id)
    return unique


def _normalise(value: str) -> str:
    return " ".join(re.findall(r"\w+", value.lower()))


def _attach_footnotes(session: Session, hits: list[Hit]) -> None:
    if not hits:
        return
    by_id = {h.passage_id: h for h in hits}
    ids = ", ".join(str(i) for i in by_id)
    rows = session.execute(
        text(
            "SELECT pf.passage_id, f.label, f.text FROM passage_footnote pf "
            f"JOIN footnote f ON f.id = pf.footnote_id WHERE pf.passage_id IN ({ids}) "
            "ORDER BY f.id"
        )
    )
    for passage_id, label, note in rows:
        by_id[passage_id].footnotes.append({"label": label, "text": note})

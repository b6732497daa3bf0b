"""Tagging stored passages with the current tagger, people's decisions always kept.

Tags are annotations of the ``themes`` enricher (kinds ``theme`` and ``outcome``), so the
search filters, facets and framework pages read them like any other annotation. Each
carries its score, its origin (``model:<version>``, ``rule:<id>`` or ``person``) and its
status (``suggested`` or ``accepted``); a rejected tag is not an annotation at all, only a
decision in ``tag_review``, so nothing filters by it.

A document is done for a model version when its ``enrichment`` row says so, which makes the
run incremental and resumable like every other enrichment; each document is committed on
its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import and_, delete, insert, select
from sqlalchemy.orm import Session

from evidencia.classify.labels import LabelKind
from evidencia.classify.model import Matrix, ModelError, Tag, TaggerModel
from evidencia.classify.rules import RuleBook
from evidencia.embed.base import EmbeddingBackend, checked
from evidencia.store.db import Store
from evidencia.store.embeddings import model_input, select_vectors
from evidencia.store.schema import Annotation, Document, Enrichment, Passage, TagReview

ENRICHER = "themes"
#: passages shorter than this (headings, captions, page furniture) are not tagged
MIN_WORDS = 4


@dataclass
class TagReport:
    model: str
    documents: int = 0
    passages: int = 0
    tags: int = 0
    #: passages embedded on the way, for lack of a stored vector
    embedded: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.passages / self.seconds if self.seconds > 0 else 0.0


def due_documents(session: Session, model: TaggerModel) -> list[int]:
    """Documents not yet tagged by ``model``'s version."""
    done = select(Enrichment.document_id).where(
        and_(Enrichment.enricher == ENRICHER, Enrichment.version == model.version)
    )
    return list(
        session.scalars(select(Document.id).where(Document.id.not_in(done)).order_by(Document.id))
    )


def check_tags(store: Store) -> list[str]:
    """Warnings for ``evidencia check``: documents the current tagger has not tagged."""
    from evidencia.classify.shelf import Shelf

    try:
        model = Shelf(store.home).current()
    except ModelError as exc:
        return [str(exc)]
    with store.session() as session:
        due = len(due_documents(session, model))
    if not due:
        return []
    return [f"{due} document(s) not tagged by tagger {model.version}: run `evidencia tag`"]


def _passage_vectors(
    session: Session,
    model: TaggerModel,
    rows: Sequence[tuple[int, str, list[str], str]],
    backend: EmbeddingBackend | None,
) -> tuple[Matrix, int]:
    """Stored vectors of the passages, embedding those without one when ``backend`` is the
    model's embedder."""
    dim = model.prototypes.shape[1]
    ids, matrix = select_vectors(session, model.embedder, dim, [r[0] for r in rows])
    found = {int(pid): vector for pid, vector in zip(ids, matrix, strict=True)}
    missing = [r for r in rows if r[0] not in found]
    if missing:
        if backend is None or backend.name != model.embedder:
            raise ModelError(
                f"{len(missing)} passages have no vector from {model.embedder}, which tagger "
                f"{model.version} reads: run `evidencia embed` first"
            )
        texts = [model_input(title, headings, text) for _pid, text, headings, title in missing]
        computed = checked(backend.embed_passages(texts), len(texts), dim, backend.name)
        found.update((row[0], vector) for row, vector in zip(missing, computed, strict=True))
    return np.stack([found[r[0]] for r in rows]).astype(np.float32), len(missing)


def merge(
    tags: Sequence[Tag],
    decisions: dict[str, tuple[str, float | None, str]],
    kinds: Mapping[str, LabelKind],
    theme_of: dict[str, str | None],
) -> list[tuple[Tag, str]]:
    """The model's ``tags`` for one passage with people's ``decisions`` (key -> decision,
    score, origin) laid over them: (tag, status) pairs.

    A rejected tag goes, an accepted one stays (or is added) whatever the model says, and an
    outcome goes with its theme.
    """
    kept: dict[str, tuple[Tag, str]] = {}
    for tag in tags:
        said = decisions.get(tag.label)
        if said is None:
            kept[tag.label] = (tag, "suggested")
        elif said[0] == "accepted":
            kept[tag.label] = (tag, "accepted")
    for key, (decision, score, origin) in decisions.items():
        if decision == "accepted" and key not in kept and key in kinds:
            tag = Tag(key, kinds[key], score if score is not None else 1.0, origin)
            kept[key] = (tag, "accepted")
    return [
        (tag, status)
        for tag, status in kept.values()
        if tag.kind == "theme" or theme_of.get(tag.label) in kept
    ]


def tag_document(
    session: Session,
    document_id: int,
    model: TaggerModel,
    rules: RuleBook,
    backend: EmbeddingBackend | None = None,
) -> tuple[int, int, int]:
    """Replace one document's tags inside the caller's transaction; returns (passages
    tagged, tags written, passages embedded on the way)."""
    rows = [
        (int(pid), str(text), list(headings or []), str(title))
        for pid, text, headings, title in session.execute(
            select(Passage.id, Passage.text, Passage.heading_path, Document.title)
            .join(Document, Document.id == Passage.document_id)
            .where(Passage.document_id == document_id)
            .order_by(Passage.order)
        )
        if len(str(text).split()) >= MIN_WORDS
    ]
    session.execute(
        delete(Annotation).where(
            Annotation.document_id == document_id, Annotation.enricher == ENRICHER
        )
    )
    session.execute(
        delete(Enrichment).where(
            Enrichment.document_id == document_id, Enrichment.enricher == ENRICHER
        )
    )
    written = embedded = 0
    if rows:
        vectors, embedded = _passage_vectors(session, model, rows, backend)
        texts = [text for _pid, text, _h, _t in rows]
        hits = [rules.hits(t) for t in texts]
        suggested = model.suggest(model.scores(vectors, hits), hits)
        decisions: dict[int, dict[str, tuple[str, float | None, str]]] = {}
        for pid, key, decision, score, origin in session.execute(
            select(
                TagReview.passage_id,
                TagReview.key,
                TagReview.decision,
                TagReview.score,
                TagReview.origin,
            ).where(TagReview.document_id == document_id)
        ):
            decisions.setdefault(int(pid), {})[str(key)] = (str(decision), score, str(origin))
        kinds = {label.id: label.kind for label in model.labels}
        theme_of = {label.id: label.theme for label in model.labels}
        titles = {label.id: label.title for label in model.labels}
        values = []
        for (pid, text, _h, _t), tags in zip(rows, suggested, strict=True):
            for tag, status in merge(tags, decisions.get(pid, {}), kinds, theme_of):
                values.append(
                    annotation_row(document_id, pid, text, model.version, tag, status, titles)
                )
        if values:
            session.execute(insert(Annotation), values)
        written = len(values)
    session.execute(
        insert(Enrichment),
        [
            {
                "document_id": document_id,
                "enricher": ENRICHER,
                "version": model.version,
                "annotations": written,
                "finished_at": datetime.now(UTC),
            }
        ],
    )
    return len(rows), written, embedded


def annotation_row(
    document_id: int,
    passage_id: int,
    text: str,
    version: str,
    tag: Tag,
    status: str,
    titles: dict[str, str],
) -> dict[str, object]:
    """A tag as an annotation row covering the whole passage."""
    return {
        "document_id": document_id,
        "passage_id": passage_id,
        "footnote_id": None,
        "enricher": ENRICHER,
        "version": version,
        "kind": tag.kind,
        "key": tag.label,
        "label": titles.get(tag.label, tag.label),
        "start": 0,
        "end": len(text),
        "attrs": {"origin": tag.origin, "status": status},
        "score": round(tag.score, 4),
    }


def tag_stored(
    store: Store,
    model: TaggerModel,
    rules: RuleBook,
    *,
    backend: EmbeddingBackend | None = None,
    force: bool = False,
    on_document: Callable[[int, int], None] | None = None,
) -> TagReport:
    """Bring every document's tags up to ``model`` (all documents with ``force``)."""
    model.check_rules(rules)
    started = time.perf_counter()
    with store.session() as session:
        todo = (
            list(session.scalars(select(Document.id).order_by(Document.id)))
            if force
            else due_documents(session, model)
        )
    report = TagReport(model.version)
    for done, document_id in enumerate(todo, start=1):
        with store.session() as session, session.begin():
            passages, written, embedded = tag_document(session, document_id, model, rules, backend)
        report.documents += 1
        report.passages += passages
        report.tags += written
        report.embedded += embedded
        if on_document:
            on_document(done, len(todo))
    report.seconds = time.perf_counter() - started
    return report

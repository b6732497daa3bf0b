"""Measuring search against judged queries, whatever the search mode.

The judged queries (``eval/search/queries.yaml``) are what the network's staff and members
actually ask, often in a language other than the one the evidence is written in, each with
the passages a careful reader judged relevant: grade 2 answers the question, grade 1 is
related or partial. A passage is named by its document's file name and a short verbatim
quote, never by its id, because ids change every time a store is rebuilt while the file
names and the words do not. :func:`resolve` turns the quotes into passage ids of one store
and says plainly which quotes it could not place, so that a re-worded document or a reader
that splits paragraphs differently shows up as a broken judgment rather than as a silent
drop in the figures.

The same text often exists in several versions (a report as PDF and as DOCX, a seed text
and its PDF rendering); search shows such copies once. A judgment therefore lists the other
files (``also_in``) and is found when any of its copies is returned, and it is credited
once however many copies come back.

The metrics are the usual ones for ranked retrieval with graded judgments: recall at k
(share of the judged passages found in the first k results, any grade) and nDCG at k
(gain 2^grade - 1, discounted by log2 of the rank, divided by the gain of the ideal
ordering of the judgments). Search is passed in as a function from (query, limit) to
passage ids in rank order, so lexical, semantic and hybrid search are measured alike.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select

from evidencia import datafile
from evidencia.datafile import DataFileError
from evidencia.store.db import Store
from evidencia.store.schema import Document, Passage

#: where the judged queries live, relative to the repository root
DEFAULT_QUERIES = Path("eval/search/queries.yaml")
#: a quote long enough to be unambiguous and short enough to survive small edits around it
QUOTE_CHARS = (10, 80)
DEFAULT_CUTOFFS = (5, 10)

#: a search mode under test: (query text, limit) -> passage ids, best first
SearchFunction = Callable[[str, int], list[int]]


class QueryFileError(DataFileError):
    """A query file that cannot be used, naming the file and the query at fault."""


def normalise(text: str) -> str:
    """Whitespace collapsed, case kept: PDF, DOCX and text readers break lines differently,
    but a judge's quote must still say exactly what the passage says."""
    return " ".join(text.split())


class Judgment(BaseModel):
    """One passage judged relevant to a query, named stably by file and quote."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(min_length=1)
    quote: str
    grade: Literal[1, 2]
    also_in: tuple[str, ...] = ()

    @field_validator("quote")
    @classmethod
    def _quote_length(cls, value: str) -> str:
        low, high = QUOTE_CHARS
        if not low <= len(normalise(value)) <= high:
            raise ValueError(f"a quote has {low} to {high} characters, got {value!r}")
        return value

    @model_validator(mode="after")
    def _distinct_files(self) -> Judgment:
        files = [self.file, *self.also_in]
        if len(set(files)) != len(files):
            raise ValueError(f"a file is listed twice in {files}")
        return self

    @property
    def files(self) -> tuple[str, ...]:
        return (self.file, *self.also_in)


class Query(BaseModel):
    """A question as someone would type it, with the passages judged relevant to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    lang: str = Field(pattern=r"^[a-z]{2,3}$")
    text: str = Field(min_length=1)
    relevant: tuple[Judgment, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_judgments(self) -> Query:
        seen: set[tuple[str, str]] = set()
        for judgment in self.relevant:
            key = (judgment.file, normalise(judgment.quote))
            if key in seen:
                raise ValueError(f"{judgment.file} {judgment.quote!r} is judged twice")
            seen.add(key)
        return self


class QueryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    queries: tuple[Query, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> QueryFile:
        counts: dict[str, int] = defaultdict(int)
        for query in self.queries:
            counts[query.id] += 1
        repeated = sorted(qid for qid, n in counts.items() if n > 1)
        if repeated:
            raise ValueError(f"query ids must be unique: {', '.join(repeated)} repeated")
        return self


def parse_queries(text: str, source: str = "<queries>") -> list[Query]:
    """Validate the YAML ``text`` of a query file; errors name ``source`` and the query id."""
    return list(datafile.parse(text, source, QueryFile, QueryFileError).queries)


def load_queries(path: Path = DEFAULT_QUERIES) -> list[Query]:
    return list(datafile.load_file(path, QueryFile, QueryFileError).queries)


@dataclass(frozen=True)
class Unresolved:
    """A judgment that could not be placed on exactly one passage of a file in this store."""

    query_id: str
    file: str
    quote: str
    reason: str

    def __str__(self) -> str:
        return f"{self.query_id}: {self.file} {self.quote!r}: {self.reason}"


@dataclass(frozen=True)
class Judged:
    """A judgment placed in one store: the passage that holds the quote in each copy."""

    file: str
    quote: str
    grade: int
    passages: frozenset[int]


@dataclass(frozen=True)
class ResolvedQuery:
    query: Query
    judged: tuple[Judged, ...]


@dataclass
class Resolution:
    queries: list[ResolvedQuery]
    unresolved: list[Unresolved]


def _documents_by_file(store: Store) -> dict[str, list[int]]:
    by_name: dict[str, list[int]] = defaultdict(list)
    with store.session() as session:
        for doc_id, origin in session.execute(select(Document.id, Document.origin)):
            by_name[Path(origin).name].append(doc_id)
    return by_name


def _passages(store: Store, doc_id: int) -> list[tuple[int, str]]:
    with store.session() as session:
        rows = session.execute(
            select(Passage.id, Passage.text)
            .where(Passage.document_id == doc_id)
            .order_by(Passage.order)
        )
        return [(pid, normalise(text)) for pid, text in rows]


def resolve(store: Store, queries: Iterable[Query]) -> Resolution:
    """Place every judgment on passage ids of ``store``.

    A quote must occur in exactly one passage of each file it names; anything else is
    reported, and the judgment keeps the copies that did resolve, so one missing rendering
    does not change what a query is measured against. A judgment that lands on a passage
    already claimed by another judgment of the same query is reported and dropped: one
    result would otherwise be credited twice (this happens when a reader merges two
    paragraphs that another reader keeps apart; judge one of them).
    """
    documents = _documents_by_file(store)
    cache: dict[int, list[tuple[int, str]]] = {}

    def place(judgment: Judgment, name: str) -> int | str:
        """The passage holding the quote in file ``name``, or why there is none."""
        docs = documents.get(name, [])
        if len(docs) != 1:
            return f"{len(docs)} documents with this file name" if docs else "no such document"
        if docs[0] not in cache:
            cache[docs[0]] = _passages(store, docs[0])
        quote = normalise(judgment.quote)
        matches = [pid for pid, text in cache[docs[0]] if quote in text]
        if len(matches) != 1:
            return f"the quote is in {len(matches)} passages of document {docs[0]}"
        return matches[0]

    resolved: list[ResolvedQuery] = []
    unresolved: list[Unresolved] = []
    for query in queries:
        judged: list[Judged] = []
        claimed: dict[int, str] = {}
        for judgment in query.relevant:
            found: set[int] = set()
            for name in judgment.files:
                where = place(judgment, name)
                if isinstance(where, str):
                    unresolved.append(Unresolved(query.id, name, judgment.quote, where))
                else:
                    found.add(where)
            clash = sorted(pid for pid in found if pid in claimed)
            if clash:
                reason = f"passage {clash[0]} is already judged as {claimed[clash[0]]!r}"
                unresolved.append(Unresolved(query.id, judgment.file, judgment.quote, reason))
            elif found:
                claimed.update(dict.fromkeys(found, judgment.quote))
                judged.append(
                    Judged(judgment.file, judgment.quote, judgment.grade, frozenset(found))
                )
        resolved.append(ResolvedQuery(query, tuple(judged)))
    return Resolution(resolved, unresolved)


def gain(grade: int) -> float:
    """Exponential gain: a passage that answers the question is worth three related ones."""
    return float(2**grade - 1)


def _credited(ranking: Sequence[int], judged: Sequence[Judged], k: int) -> list[int | None]:
    """For each of the first ``k`` results, the index of the judgment it is credited to, if
    any: a judgment is credited once, at its best-ranked copy, so returning both the PDF and
    the DOCX copy of one paragraph earns nothing more than returning one of them."""
    owners: dict[int, list[int]] = defaultdict(list)
    for index, item in enumerate(judged):
        for pid in item.passages:
            owners[pid].append(index)
    done: set[int] = set()
    credited: list[int | None] = []
    for pid in ranking[:k]:
        waiting = [i for i in owners.get(pid, []) if i not in done]
        best = max(waiting, key=lambda i: judged[i].grade, default=None)
        if best is not None:
            done.add(best)
        credited.append(best)
    return credited


def _check(judged: Sequence[Judged], k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not judged:
        raise ValueError("no judged passages: the metric is undefined")


def recall_at(ranking: Sequence[int], judged: Sequence[Judged], k: int) -> float:
    """Share of the judged passages that appear among the first ``k`` results.

    Every grade counts: someone compiling evidence wants the related passages too, while
    :func:`ndcg_at` is the figure that rewards putting the direct answers first.
    """
    _check(judged, k)
    found = sum(index is not None for index in _credited(ranking, judged, k))
    return found / len(judged)


def ndcg_at(ranking: Sequence[int], judged: Sequence[Judged], k: int) -> float:
    """Normalised discounted cumulative gain of the first ``k`` results.

    Rank r (from 1) contributes gain(grade) / log2(r + 1); the ideal is the judgments sorted
    by grade, so 1.0 means the best passages came first and nothing judged was missed.
    """
    _check(judged, k)
    dcg = sum(
        gain(judged[index].grade) / math.log2(rank + 1)
        for rank, index in enumerate(_credited(ranking, judged, k), 1)
        if index is not None
    )
    ideal = sorted((item.grade for item in judged), reverse=True)[:k]
    idcg = sum(gain(grade) / math.log2(rank + 1) for rank, grade in enumerate(ideal, 1))
    return dcg / idcg


@dataclass
class QueryResult:
    """How search did on one query, with what it missed for the person improving it."""

    id: str
    lang: str
    text: str
    figures: dict[str, float]
    ranking: list[int]
    missed: list[str] = field(default_factory=list)


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return round(sum(items) / len(items), 4) if items else 0.0


@dataclass
class SearchEvaluation:
    """Per-query figures, their means overall and per query language, and what could not be
    measured (unresolved judgments, queries left with none)."""

    queries: list[QueryResult]
    unresolved: list[Unresolved]
    skipped: list[str]

    def metrics(self) -> list[str]:
        return list(self.queries[0].figures) if self.queries else []

    def means(self) -> dict[str, float]:
        return {m: _mean(q.figures[m] for q in self.queries) for m in self.metrics()}

    def by_language(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[QueryResult]] = defaultdict(list)
        for result in self.queries:
            groups[result.lang].append(result)
        return {
            lang: {"queries": len(group)}
            | {m: _mean(q.figures[m] for q in group) for m in self.metrics()}
            for lang, group in sorted(groups.items())
        }

    def failures(self, metric: str, below: float = 1e-9) -> list[QueryResult]:
        """Queries scoring under ``below`` on ``metric`` (by default: those scoring zero)."""
        return [q for q in self.queries if q.figures[metric] < below]

    def as_json(self) -> dict[str, Any]:
        return {
            "means": self.means(),
            "languages": self.by_language(),
            "queries": [
                {"id": q.id, "lang": q.lang, "text": q.text, **q.figures, "missed": q.missed}
                for q in self.queries
            ],
            "unresolved": [str(u) for u in self.unresolved],
            "skipped": self.skipped,
        }


def evaluate_search(
    store: Store,
    queries: Sequence[Query],
    search: SearchFunction,
    cutoffs: Sequence[int] = DEFAULT_CUTOFFS,
) -> SearchEvaluation:
    """Run ``search(text, limit)`` for every query and score its ranking against the
    judgments resolved in ``store``; queries with no resolvable judgment are skipped."""
    if not cutoffs or min(cutoffs) < 1:
        raise ValueError(f"cutoffs must be positive, got {list(cutoffs)}")
    resolution = resolve(store, queries)
    limit = max(cutoffs)
    results: list[QueryResult] = []
    skipped: list[str] = []
    for item in resolution.queries:
        if not item.judged:
            skipped.append(item.query.id)
            continue
        ranking = list(search(item.query.text, limit))[:limit]
        figures: dict[str, float] = {}
        for k in cutoffs:
            figures[f"recall@{k}"] = round(recall_at(ranking, item.judged, k), 4)
        for k in cutoffs:
            figures[f"ndcg@{k}"] = round(ndcg_at(ranking, item.judged, k), 4)
        found = set(_credited(ranking, item.judged, limit))
        missed = [f"{j.file} {j.quote!r}" for i, j in enumerate(item.judged) if i not in found]
        results.append(
            QueryResult(item.query.id, item.query.lang, item.query.text, figures, ranking, missed)
        )
    return SearchEvaluation(results, resolution.unresolved, skipped)

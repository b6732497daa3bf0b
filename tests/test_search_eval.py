"""Search evaluation: metrics on hand-computed rankings, the query file's validation, quotes
placed on passages, and every judgment of eval/search/queries.yaml found in the demo store."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from evidencia.ingest.pipeline import Ingestor
from evidencia.search.evaluate import (
    Judged,
    Query,
    QueryFileError,
    evaluate_search,
    load_queries,
    ndcg_at,
    normalise,
    parse_queries,
    recall_at,
    resolve,
)
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from tests.conftest import needs_seeds

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "eval" / "search" / "queries.yaml"


def judged(grade: int, *passages: int) -> Judged:
    return Judged(
        file="f.txt", quote=f"quote {passages}", grade=grade, passages=frozenset(passages)
    )


def dcg(*gains: float) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, 1))


# --- metrics ---------------------------------------------------------------------------------


def test_perfect_ranking_scores_one() -> None:
    items = [judged(2, 10), judged(1, 20), judged(2, 30)]
    ranking = [10, 30, 20, 99]
    assert recall_at(ranking, items, 3) == 1.0
    assert ndcg_at(ranking, items, 3) == pytest.approx(1.0)
    assert ndcg_at(ranking, items, 10) == pytest.approx(1.0)


def test_nothing_found_scores_zero() -> None:
    items = [judged(2, 10)]
    assert recall_at([1, 2, 3], items, 3) == 0.0
    assert ndcg_at([], items, 3) == 0.0


def test_known_ndcg_value() -> None:
    # A (grade 2) at rank 3, B (grade 1) at rank 2, an unjudged passage first.
    items = [judged(2, 1), judged(1, 2)]
    ranking = [7, 2, 1]
    expected = (1 / math.log2(3) + 3 / math.log2(4)) / (3 + 1 / math.log2(3))
    assert ndcg_at(ranking, items, 3) == pytest.approx(expected)
    assert ndcg_at(ranking, items, 3) == pytest.approx(0.58689, abs=1e-5)
    assert recall_at(ranking, items, 3) == 1.0
    assert recall_at(ranking, items, 2) == 0.5


def test_cutoff_ignores_what_comes_later() -> None:
    items = [judged(2, 6)]
    ranking = [1, 2, 3, 4, 5, 6]
    assert recall_at(ranking, items, 5) == 0.0
    assert ndcg_at(ranking, items, 5) == 0.0
    assert recall_at(ranking, items, 6) == 1.0
    assert ndcg_at(ranking, items, 6) == pytest.approx(1 / math.log2(7))


def test_version_copies_are_credited_once() -> None:
    # One paragraph as PDF (1) and DOCX (2), another passage (3).
    items = [judged(2, 1, 2), judged(1, 3)]
    assert recall_at([2], items, 5) == 0.5  # either copy counts
    assert recall_at([1, 2], items, 5) == 0.5  # both copies still count once
    both = ndcg_at([1, 2, 3], items, 3)
    assert both == pytest.approx(dcg(3, 0, 1) / dcg(3, 1))
    assert ndcg_at([1, 3], items, 3) == pytest.approx(1.0)


def test_ideal_ordering_comes_from_the_judgments() -> None:
    # Three judged passages but k = 2: the ideal holds the two best grades.
    items = [judged(1, 1), judged(2, 2), judged(2, 3)]
    assert ndcg_at([2, 3], items, 2) == pytest.approx(1.0)
    assert ndcg_at([1, 2], items, 2) == pytest.approx(dcg(1, 3) / dcg(3, 3))


def test_metrics_refuse_undefined_cases() -> None:
    with pytest.raises(ValueError, match="no judged"):
        recall_at([1], [], 5)
    with pytest.raises(ValueError, match="no judged"):
        ndcg_at([1], [], 5)
    with pytest.raises(ValueError, match="at least 1"):
        recall_at([1], [judged(1, 1)], 0)


def test_normalise_keeps_case_and_collapses_whitespace() -> None:
    assert normalise("  Free in,\n  Free\tout ") == "Free in, Free out"
    assert normalise("Free In") != normalise("free in")


# --- the query file --------------------------------------------------------------------------

GOOD = """
queries:
  - id: q01
    lang: fr
    text: "police pays-bas victimes"
    relevant:
      - {file: a.txt, also_in: [a.pdf], quote: "Free in, Free out", grade: 2}
  - id: q02
    lang: en
    text: detention
    relevant:
      - {file: b.md, quote: "children in detention", grade: 1}
"""


def test_a_good_file_loads() -> None:
    queries = parse_queries(GOOD, "good.yaml")
    assert [q.id for q in queries] == ["q01", "q02"]
    assert queries[0].relevant[0].files == ("a.txt", "a.pdf")
    assert queries[1].relevant[0].also_in == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("grade: 1", "grade: 3"), "queries[q02].relevant[0].grade"),
        (('"children in detention"', '"children"'), "queries[q02].relevant[0].quote"),
        (('"children in detention"', '"' + "x" * 81 + '"'), "10 to 80 characters"),
        (("id: q02", "id: q01"), "q01 repeated"),
        (("lang: en", "lang: English"), "queries[q02].lang"),
        (("text: detention", "text: ''"), "queries[q02].text"),
        (("also_in: [a.pdf]", "also_in: [a.txt]"), "queries[q01].relevant[0]"),
        (("grade: 1}", "grade: 1, page: 3}"), "queries[q02].relevant[0].page"),
        (("      - {file: b.md", "      - {fil: b.md"), "queries[q02].relevant[0].file"),
        (("queries:", "queries: [\n"), "not valid YAML"),
    ],
)
def test_bad_entries_name_the_file_and_the_query(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    with pytest.raises(QueryFileError) as caught:
        parse_queries(text, "eval/search/bad.yaml")
    assert str(caught.value).startswith("eval/search/bad.yaml")
    assert message in str(caught.value)


def test_a_query_needs_judgments() -> None:
    text = GOOD.split("  - id: q02")[0] + "  - {id: q02, lang: en, text: detention, relevant: []}\n"
    with pytest.raises(QueryFileError, match=r"queries\[q02\]\.relevant"):
        parse_queries(text, "none.yaml")


def test_a_judgment_twice_in_one_query_is_refused() -> None:
    text = GOOD.replace(
        '      - {file: b.md, quote: "children in detention", grade: 1}',
        '      - {file: b.md, quote: "children in detention", grade: 1}\n'
        '      - {file: b.md, quote: "children  in detention", grade: 2}',
    )
    with pytest.raises(QueryFileError, match=r"queries\[q02\].*judged twice"):
        parse_queries(text, "dup.yaml")


def test_missing_and_empty_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(QueryFileError, match="cannot read"):
        load_queries(tmp_path / "absent.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(QueryFileError, match=r"empty\.yaml: empty file"):
        load_queries(empty)


def test_the_shipped_query_file_is_valid() -> None:
    """Runs without a store: the file's shape and the brief's coverage."""
    queries = load_queries(QUERIES)
    assert len(queries) >= 50
    assert len({q.lang for q in queries}) >= 7
    assert all(1 <= len(q.relevant) <= 8 for q in queries)
    assert any(q.text.startswith('"') for q in queries)  # some exact phrases


# --- resolving quotes in a store -------------------------------------------------------------

REPORT = """# Safe reporting

The Netherlands has created a policy known as "Free in, Free out" for victims.

Children in detention are a recurring concern of the network.

Children in detention were also seen in Greece.
"""


@pytest.fixture
def small(store: Store, tmp_path: Path) -> Store:
    """A report and a second version of it (one more paragraph), and a health note."""
    files = {
        "report.md": REPORT,
        "report-v2.md": REPORT + "\nA closing paragraph only in the second version.\n",
        "sante.md": "# Santé\n\nL'aide médicale urgente reste difficile d'accès.\n",
    }
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    Ingestor(store, workers=1).run([tmp_path / n for n in files], lambda _p: DocumentMeta())
    return store


def _query(*judgments: str, qid: str = "q1") -> Query:
    body = "\n".join(f"      - {j}" for j in judgments)
    return parse_queries(
        f"queries:\n  - id: {qid}\n    lang: en\n    text: x\n    relevant:\n{body}"
    )[0]


def test_quotes_resolve_to_one_passage_per_copy(small: Store) -> None:
    query = _query(
        '{file: report.md, also_in: [report-v2.md], quote: "Free in,\\n   Free out", grade: 2}',
        '{file: sante.md, quote: "aide médicale urgente", grade: 1}',
    )
    resolution = resolve(small, [query])
    assert resolution.unresolved == []
    [placed] = resolution.queries
    free, health = placed.judged
    assert len(free.passages) == 2 and free.grade == 2  # one passage in each version
    assert len(health.passages) == 1 and health.grade == 1


def test_unresolved_quotes_are_reported_with_the_reason(small: Store) -> None:
    query = _query(
        '{file: report.md, quote: "Children in detention", grade: 2}',  # two passages
        '{file: report.md, quote: "children in detention are", grade: 2}',  # case differs
        '{file: missing.pdf, quote: "aide médicale urgente", grade: 1}',
        '{file: sante.md, also_in: [sante.docx], quote: "aide médicale urgente", grade: 1}',
        qid="q7",
    )
    resolution = resolve(small, [query])
    reasons = {(u.file, u.quote): u.reason for u in resolution.unresolved}
    assert set(reasons) == {
        ("report.md", "Children in detention"),
        ("report.md", "children in detention are"),
        ("missing.pdf", "aide médicale urgente"),
        ("sante.docx", "aide médicale urgente"),
    }
    assert "in 2 passages" in reasons[("report.md", "Children in detention")]
    assert "in 0 passages" in reasons[("report.md", "children in detention are")]
    assert reasons[("missing.pdf", "aide médicale urgente")] == "no such document"
    assert all(str(u).startswith("q7: ") for u in resolution.unresolved)
    # what did resolve is kept: the health note, found through the copy that exists
    [kept] = resolution.queries[0].judged
    assert kept.file == "sante.md" and len(kept.passages) == 1


def test_two_judgments_on_one_passage_are_reported(small: Store) -> None:
    query = _query(
        '{file: report.md, quote: "Free in, Free out", grade: 2}',
        '{file: report.md, quote: "The Netherlands has created", grade: 1}',
    )
    resolution = resolve(small, [query])
    [clash] = resolution.unresolved
    assert clash.quote == "The Netherlands has created" and "already judged" in clash.reason
    assert [j.quote for j in resolution.queries[0].judged] == ["Free in, Free out"]


def test_evaluate_search_per_query_means_and_skips(small: Store) -> None:
    queries = parse_queries(
        """
queries:
  - id: hit
    lang: fr
    text: aide
    relevant:
      - {file: sante.md, quote: "aide médicale urgente", grade: 2}
  - id: half
    lang: en
    text: free
    relevant:
      - {file: report.md, also_in: [report-v2.md], quote: "Free in, Free out", grade: 2}
      - {file: report-v2.md, quote: "A closing paragraph only", grade: 1}
  - id: lost
    lang: en
    text: nothing
    relevant:
      - {file: gone.md, quote: "no such document here", grade: 2}
"""
    )
    resolution = resolve(small, queries)
    ids = {j.quote: sorted(j.passages) for q in resolution.queries for j in q.judged}
    asked: list[tuple[str, int]] = []

    def fake(text: str, limit: int) -> list[int]:
        asked.append((text, limit))
        if text == "aide":
            return ids["aide médicale urgente"]
        if text == "free":
            return [9999, *ids["Free in, Free out"]]  # both copies, after a miss
        return []

    result = evaluate_search(small, queries, fake)
    assert asked == [("aide", 10), ("free", 10)]
    assert result.skipped == ["lost"] and len(result.unresolved) == 1
    figures = {q.id: q.figures for q in result.queries}
    assert figures["hit"] == {"recall@5": 1.0, "recall@10": 1.0, "ndcg@5": 1.0, "ndcg@10": 1.0}
    assert figures["half"]["recall@5"] == 0.5
    assert figures["half"]["ndcg@10"] == pytest.approx(dcg(0, 3) / dcg(3, 1), abs=1e-4)
    [half] = [q for q in result.queries if q.id == "half"]
    assert half.missed == ["report-v2.md 'A closing paragraph only'"]
    assert result.means()["recall@5"] == 0.75
    assert result.by_language()["fr"] == {
        "queries": 1,
        "recall@5": 1.0,
        "recall@10": 1.0,
        "ndcg@5": 1.0,
        "ndcg@10": 1.0,
    }
    assert [q.id for q in result.failures("recall@5", below=1.0)] == ["half"]
    assert result.as_json()["skipped"] == ["lost"]
    with pytest.raises(ValueError, match="cutoffs"):
        evaluate_search(small, queries, fake, cutoffs=[0])


# --- the shipped judgments against the demo store -------------------------------------------


@needs_seeds
@pytest.mark.slow
def test_every_judgment_resolves_in_the_demo_store(demo_store: Store) -> None:
    queries = load_queries(QUERIES)
    resolution = resolve(demo_store, queries)
    assert [str(u) for u in resolution.unresolved] == []
    for placed in resolution.queries:
        assert len(placed.judged) == len(placed.query.relevant), placed.query.id
        for item, judgment in zip(placed.judged, placed.query.relevant, strict=True):
            assert len(item.passages) == len(judgment.files), (placed.query.id, item.quote)

    # A search that returns the judged passages, best grade first, scores perfectly: the
    # judgments and the metrics agree with each other on real data.
    best = {
        p.query.text: [min(j.passages) for j in sorted(p.judged, key=lambda j: -j.grade)]
        for p in resolution.queries
    }
    assert len(best) == len(queries)  # the texts tell the queries apart
    result = evaluate_search(demo_store, queries, lambda text, limit: best[text][:limit])
    assert result.skipped == [] and result.unresolved == []
    assert result.means()["ndcg@10"] == 1.0 and result.means()["recall@10"] == 1.0

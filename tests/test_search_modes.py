"""Search by words, by meaning, and both fused, on a real store with real embeddings:
cross-language questions find their passages, exact phrases still count, and the viewer's
access holds in every mode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from evidencia.access import ANONYMOUS, OWNER
from evidencia.cli import app
from evidencia.config import Home
from evidencia.embed import registry
from evidencia.embed.base import EmbeddingBackend
from evidencia.embed.run import embed_missing
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel
from evidencia.search.hits import Ranked
from evidencia.search.modes import Fusion, RememberedQueries, Request, Searcher, fuse
from evidencia.search.scope import Filters
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from tests.conftest import SUBMISSION, needs_seeds

DOCS = {
    "health.md": "# Health\n\nUndocumented migrants are refused medical care at hospitals "
    "unless they pay upfront, even for pregnancy and emergencies.",
    "labour.md": "# Labour\n\nLabour inspectors visited farms where seasonal workers were "
    "paid below the minimum wage.",
    "phrase.md": "# Policy\n\nThe so-called Kalimera protocol lets victims file a complaint "
    "without their residence status being checked.",
    "secret.md": "# Testimony\n\nI was refused care at the hospital and the guard called the "
    "police because I had no papers.",
}


@pytest.fixture(scope="module")
def backend() -> EmbeddingBackend:
    return registry.get()


@pytest.fixture
def searcher(store: Store, tmp_path: Path, backend: EmbeddingBackend) -> Searcher:
    for name, body in DOCS.items():
        (tmp_path / name).write_text(body + "\n", encoding="utf-8")
    levels = {"secret.md": AccessLevel.RESTRICTED}
    Ingestor(store, workers=1).run(
        [tmp_path / n for n in DOCS],
        lambda p: DocumentMeta(access=levels.get(p.name, AccessLevel.PUBLIC)),
    )
    embed_missing(store, backend)
    return Searcher(store, backend)


def _titles(searcher: Searcher, query: str, mode: str, **kw: object) -> list[str]:
    return [h.title for h in searcher.search(Request(query, 3, **kw), mode)]  # type: ignore[arg-type]


def test_meaning_crosses_languages(searcher: Searcher) -> None:
    question = "accès aux soins médicaux pour les sans-papiers à l'hôpital"
    assert _titles(searcher, question, "lexical") == []
    public = ANONYMOUS
    assert _titles(searcher, question, "semantic", viewer=public)[0] == "Health"
    assert _titles(searcher, question, "hybrid", viewer=public)[0] == "Health"


def test_hybrid_keeps_exact_words(searcher: Searcher) -> None:
    assert _titles(searcher, '"Kalimera protocol"', "hybrid")[0] == "Policy"
    hit = searcher.search(Request("Kalimera", 1), "hybrid")[0]
    assert "<mark>Kalimera</mark>" in hit.snippet


def test_every_mode_respects_the_viewer_and_filters(searcher: Searcher) -> None:
    question = "hospital refused care police papers"
    public = ANONYMOUS
    for mode in ("lexical", "semantic", "hybrid"):
        assert "Testimony" not in _titles(searcher, question, mode, viewer=public)
        only_es = Filters(languages=("es",))
        assert _titles(searcher, question, mode, filters=only_es) == []
    everyone = OWNER
    assert "Testimony" in _titles(searcher, question, "hybrid", viewer=everyone)


def test_unknown_mode_is_refused(searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="unknown search mode 'fuzzy'"):
        searcher.search(Request("care"), "fuzzy")


def test_fusion_rewards_agreement() -> None:
    words = [Ranked(1, 9.0, "<mark>a</mark>"), Ranked(2, 5.0)]
    meaning = [Ranked(2, 0.9), Ranked(3, 0.8)]
    fused = fuse(words, meaning, Fusion(k=10, lexical_weight=1.0))
    assert [r.passage_id for r in fused] == [2, 1, 3]
    assert fused[1].snippet == "<mark>a</mark>"


@needs_seeds
@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "la police néerlandaise et les victimes sans papiers qui portent plainte",
        "Niederlande: Opfer ohne Papiere können Straftaten bei der Polizei anzeigen",
    ],
)
def test_free_in_free_out_found_from_french_and_german(
    cli: CliRunner, home: Path, backend: EmbeddingBackend, question: str
) -> None:
    assert cli.invoke(app, ["ingest", "--home", str(home), str(SUBMISSION)]).exit_code == 0
    store = Store(Home(home))
    embed_missing(store, backend)
    hits = Searcher(store, backend).search(Request(question, 3), "hybrid")
    assert any("Free in, Free out" in hit.text for hit in hits), [h.text[:80] for h in hits]


def test_more_like_this_respects_the_viewer(searcher: Searcher) -> None:
    [health] = searcher.search(Request("pregnancy emergencies", 1), "lexical")
    everyone = OWNER
    public = ANONYMOUS
    closest = searcher.similar(health.passage_id, Request("", 3, viewer=everyone))
    assert closest[0].title == "Testimony"  # refused care at the hospital
    assert health.passage_id not in {h.passage_id for h in closest}
    shown = searcher.similar(health.passage_id, Request("", 3, viewer=public))
    assert "Testimony" not in {h.title for h in shown} and shown
    # the neighbours of a passage the viewer may not see would tell what it is about
    [secret] = searcher.search(Request("refused care at the hospital", 1), "lexical")
    assert secret.title == "Testimony"
    with pytest.raises(LookupError):
        searcher.similar(secret.passage_id, Request("", 3, viewer=public))


def test_a_repeated_query_is_embedded_once() -> None:
    calls: list[str] = []

    class Counting:
        name, dim = "counting@1", 2

        def embed_passages(self, texts: object) -> np.ndarray:
            raise AssertionError("not asked")

        def embed_query(self, text: str) -> np.ndarray:
            calls.append(text)
            return np.array([1.0, 0.0], dtype=np.float32)

    remembered = RememberedQueries(Counting())
    for text in ("aide médicale", "aide médicale", "Abschiebungshaft", "aide médicale"):
        remembered.embed_query(text)
    assert calls == ["aide médicale", "Abschiebungshaft"]
    assert (remembered.name, remembered.dim) == ("counting@1", 2)

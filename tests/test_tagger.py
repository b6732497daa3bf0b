"""The theme tagger: the shipped model and starter set, tagging stored passages, people's
decisions winning over every later model, the retrain gate, rollback and the command line.

Most tests run on a copy of the demo store with hash vectors (no model to load) and a tagger
trained on them; the ones marked slow use the real multilingual model and the shipped
tagger, as a network would on day one.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from evidencia import framework
from evidencia.access import Role, Viewer
from evidencia.classify import rules as tagger_rules
from evidencia.classify.examples import (
    VectorCache,
    starter_digest,
    starter_examples,
    starter_records,
)
from evidencia.classify.labels import framework_labels
from evidencia.classify.metrics import best_threshold, best_threshold_pair
from evidencia.classify.model import Tag, TaggerModel
from evidencia.classify.retrain import _gate, retrain
from evidencia.classify.review import decide, passage_tags, queue
from evidencia.classify.rules import RulesError
from evidencia.classify.shelf import Shelf, packaged_default
from evidencia.classify.tagging import ENRICHER, merge, tag_stored
from evidencia.classify.train import fit
from evidencia.cli import app
from evidencia.embed import registry
from evidencia.embed.run import embed_missing
from evidencia.model import AccessLevel
from evidencia.search.modes import Request, Searcher
from evidencia.search.scope import Filters
from evidencia.store.db import Store
from evidencia.store.schema import Annotation, Document, Passage
from tests.conftest import ROOT, needs_seeds
from tests.web.conftest import HashBackend, copy_home

UPR = ROOT.parent / "shared" / "eval" / "upr_migrants_dev.csv"
LABELS = framework_labels(framework.default())


# -- the shipped parts ----------------------------------------------------------------------


def test_shipped_tagger_was_trained_on_this_starter_set_and_these_rules() -> None:
    model = packaged_default()
    assert model.trained["starter"] == starter_digest(), (
        "the starter set changed: run tools/train_default_tagger.py"
    )
    model.check_rules(tagger_rules.default())
    assert model.version == f"default-{model.digest()[:8]}"
    assert model.embedder == registry.get().name
    assert set(model.themes) == {t.id for t in framework.default().themes}


def test_starter_set_covers_every_theme_in_many_languages() -> None:
    records = starter_records()
    assert len({r["id"] for r in records}) == len(records) >= 2000
    themes = collections.Counter(t for r in records for t in r["themes"])
    assert min(themes.values()) >= 150, themes
    assert sum(1 for r in records if not r["themes"]) >= 300  # texts under no theme
    languages = collections.Counter(r["lang"] for r in records)
    assert len([lang for lang, n in languages.items() if n >= 15]) >= 9, languages
    outcome_ids = {label.id for label in LABELS if label.kind == "outcome"}
    assert all(set(r["outcomes"]) <= outcome_ids for r in records)


def test_a_broken_rules_file_names_the_file_and_the_rule() -> None:
    with pytest.raises(RulesError, match=r"rules\.yaml.*not a regular expression"):
        tagger_rules.parse(
            "rules:\n  health:\n    - id: health.bad\n      pattern: '(oops'\n", "rules.yaml"
        )


# -- choosing cuts --------------------------------------------------------------------------


def test_best_threshold_separates_what_can_be_separated() -> None:
    assert (
        0.3
        < best_threshold([0.1, 0.2, 0.3, 0.7, 0.8], [False, False, False, True, True], 0.5)
        <= 0.7
    )
    assert best_threshold([0.4, 0.6], [False, False], 0.5) == 0.5  # no positives: the default


def test_keywords_can_earn_a_lower_cut() -> None:
    scores = [0.2, 0.25, 0.1, 0.6, 0.9, 0.3]
    mentioned = [True, True, True, False, False, False]
    truth = [True, True, False, False, True, False]
    with_words, without = best_threshold_pair(scores, mentioned, truth, 0.5)
    assert 0.1 < with_words <= 0.2
    assert 0.6 < without <= 0.9


# -- people win -----------------------------------------------------------------------------


def test_merge_keeps_every_decision_whatever_the_model_says() -> None:
    kinds = {label.id: label.kind for label in LABELS}
    theme_of = {label.id: label.theme for label in LABELS}
    model_tags = [
        Tag("health", "theme", 0.9, "model:v1"),
        Tag("health.access.o2", "outcome", 0.5, "model:v1"),
        Tag("justice", "theme", 0.8, "model:v1"),
        Tag("labour", "theme", 0.7, "rule:labour.icrmw"),
    ]
    decisions = {
        "health": ("rejected", 0.9, "model:v0"),
        "labour": ("accepted", 0.7, "rule:labour.icrmw"),
        "children": ("accepted", None, "person"),
    }
    merged = {tag.label: status for tag, status in merge(model_tags, decisions, kinds, theme_of)}
    assert merged == {"justice": "suggested", "labour": "accepted", "children": "accepted"}


def test_the_retrain_gate_refuses_a_worse_model() -> None:
    from evidencia.classify.metrics import score

    truth = [{"health": True}, {"health": True}, {"health": False}]
    good = score(["health"], truth, [{"health"}, {"health"}, set()])
    worse = score(["health"], truth, [{"health"}, set(), {"health"}])
    assert _gate(good, worse)[0]
    refused, reason = _gate(worse, good)
    assert not refused and "below" in reason
    assert _gate(worse, None)[0]  # nothing to compare with: the new one is taken


# -- a store tagged with hash vectors -------------------------------------------------------


def _hash_model(backend: HashBackend, cache_dir: Path, version: str) -> TaggerModel:
    examples = starter_examples(LABELS)
    cache = VectorCache(cache_dir, backend)
    fitted = fit(
        LABELS,
        tagger_rules.default(),
        examples,
        cache.vectors([e.text for e in examples]),
        cache.vectors([label.prototype for label in LABELS]),
        embedder=backend.name,
        version=version,
    )
    return fitted.model


@pytest.fixture(scope="module")
def hash_tagged(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo store with hash vectors, tagged by a tagger trained on them."""
    home = copy_home(demo_store, tmp_path_factory.mktemp("tagged"))
    store = Store(home)
    backend = HashBackend(name="hash@tagger", dim=16)
    embed_missing(store, backend)
    shelf = Shelf(home)
    shelf.promote(_hash_model(backend, shelf.cache, "v0001"))
    report = tag_stored(store, shelf.current(), tagger_rules.default(), backend=backend)
    assert report.documents >= 10 and report.tags > report.documents
    yield store
    store.close()


def _theme_tags(store: Store) -> dict[tuple[int, str], str]:
    with store.session() as session:
        rows = session.execute(
            select(Annotation.passage_id, Annotation.key, Annotation.attrs).where(
                Annotation.enricher == ENRICHER, Annotation.kind == "theme"
            )
        ).all()
    return {(int(p), str(k)): str(a["status"]) for p, k, a in rows}


def test_tags_are_annotations_with_score_origin_and_status(hash_tagged: Store) -> None:
    with hash_tagged.session() as session:
        tags = session.scalars(select(Annotation).where(Annotation.enricher == ENRICHER)).all()
    assert tags
    for tag in tags:
        assert tag.kind in {"theme", "outcome"}
        assert tag.score is not None and 0.0 <= tag.score <= 1.0
        assert tag.attrs["status"] == "suggested"
        assert tag.attrs["origin"].startswith(("model:v0001", "rule:"))
    with hash_tagged.session() as session:
        outcome_themes = {t.key.split(".")[0] for t in tags if t.kind == "outcome"} - {
            t.key for t in tags if t.kind == "theme"
        }
    assert not outcome_themes  # an outcome only ever sits under its theme's tag


def test_search_filters_follow_the_tags(hash_tagged: Store) -> None:
    searcher = Searcher(hash_tagged, HashBackend(name="hash@tagger", dim=16))
    tagged = {p for (p, key) in _theme_tags(hash_tagged) if key == "justice"}
    hits = searcher.search(Request("police", 50, Filters(themes=("justice",))), "lexical")
    assert hits and {hit.passage_id for hit in hits} <= tagged


def test_decisions_outlive_retagging_retraining_and_rollback(hash_tagged: Store) -> None:
    store, backend = hash_tagged, HashBackend(name="hash@tagger", dim=16)
    shelf, rules = Shelf(store.home), tagger_rules.default()
    admin = Viewer(Role.ADMIN)
    with store.session() as session:
        suggestions, total = queue(session, admin, keys=("justice", "health"), limit=200)
    assert total >= len(suggestions) >= 2
    kept, dropped = (
        suggestions[0],
        next(s for s in suggestions if s.passage_id != suggestions[0].passage_id),
    )
    with store.session() as session, session.begin():
        decide(session, admin, kept.passage_id, kept.key, "accepted", LABELS)
        decide(session, admin, dropped.passage_id, dropped.key, "rejected", LABELS)
        # a tag the model never suggested, added by a person
        decide(session, admin, kept.passage_id, "civic_space", "accepted", LABELS)

    def check() -> None:
        tags = _theme_tags(store)
        assert tags[(kept.passage_id, kept.key)] == "accepted"
        assert tags[(kept.passage_id, "civic_space")] == "accepted"
        assert (dropped.passage_id, dropped.key) not in tags
        with store.session() as session:
            shown = {t.key: t.status for t in passage_tags(session, dropped.passage_id)}
        assert shown[dropped.key] == "rejected"

    check()
    tag_stored(store, shelf.current(), rules, backend=backend, force=True)
    check()
    result = retrain(store, shelf, backend, rules)
    assert result.reviews == 2 and result.fitted.train_examples > 1500
    assert result.before is not None  # the same held-out examples measured both ways
    if result.promoted:
        assert shelf.current_version() == "v0002"
        tag_stored(store, shelf.current(), rules, backend=backend)
        check()
        assert shelf.rollback().version == "v0001"
        tag_stored(store, shelf.current(), rules, backend=backend)
    check()
    with store.session() as session:
        pending, _ = queue(session, admin, keys=(kept.key,), limit=1000)
    assert (kept.passage_id, kept.key) not in {(s.passage_id, s.key) for s in pending}


def test_only_staff_review_and_only_what_they_may_see(hash_tagged: Store) -> None:
    store = hash_tagged
    with store.session() as session, session.begin():
        restricted = session.scalar(
            select(Passage.id)
            .join(Document, Document.id == Passage.document_id)
            .where(
                Document.access == AccessLevel.RESTRICTED.value,
                Document.organisation_id.is_not(None),
            )
        )
    assert restricted is not None
    member = Viewer(Role.MEMBER, organisation_id=None, user_id=None)
    staff = Viewer(Role.STAFF, organisation_id=None, user_id=None)
    with store.session() as session:
        with pytest.raises(PermissionError):
            decide(session, member, restricted, "health", "accepted", LABELS)
        with pytest.raises(LookupError):
            decide(session, staff, restricted, "health", "accepted", LABELS)
        seen, _ = queue(session, staff, limit=5000)
    assert restricted not in {s.passage_id for s in seen}


def test_review_from_the_command_line(hash_tagged: Store, cli: CliRunner) -> None:
    home = str(hash_tagged.home.root)
    listed = cli.invoke(
        app,
        ["review", "list", "--home", home, "--json", "--limit", "3", "--theme", "detention_return"],
    )
    assert listed.exit_code == 0, listed.output
    items = [json.loads(line) for line in listed.output.splitlines()]
    assert items and all(i["key"].startswith("detention_return") for i in items)
    first = items[0]
    done = cli.invoke(
        app, ["review", "reject", str(first["passage_id"]), first["key"], "--home", home]
    )
    assert done.exit_code == 0, done.output
    assert (first["passage_id"], first["key"]) not in _theme_tags(hash_tagged)
    bad = cli.invoke(
        app, ["review", "accept", str(first["passage_id"]), "nonsense", "--home", home]
    )
    assert bad.exit_code == 2 and "no theme or outcome 'nonsense'" in bad.output
    status = cli.invoke(app, ["tagger", "status", "--home", home])
    assert status.exit_code == 0 and "v0001" in status.output and "default-" in status.output


def test_rollback_with_nothing_to_roll_back_says_so(tmp_path: Path, cli: CliRunner) -> None:
    result = cli.invoke(app, ["tagger", "rollback", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "packaged default tagger is in use" in result.output


# -- the real model, as shipped -------------------------------------------------------------


@pytest.fixture(scope="module")
def e5_tagged(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    home = copy_home(demo_store, tmp_path_factory.mktemp("e5-tagged"))
    store = Store(home)
    backend = registry.get()
    embed_missing(store, backend)
    tag_stored(store, packaged_default(), tagger_rules.default(), backend=backend)
    yield store
    store.close()


@needs_seeds
@pytest.mark.slow
def test_seed_sections_land_under_their_themes(e5_tagged: Store) -> None:
    """The UN submission: firewalls under justice, digital technology under policing and
    surveillance, the COVID-19 vaccine section under health."""
    tags = _theme_tags(e5_tagged)
    with e5_tagged.session() as session:
        document = session.scalar(
            select(Document.id).where(Document.title.startswith("PICUM's submission"))
        )
        passages = session.execute(
            select(Passage.id, Passage.heading_path, Passage.text).where(
                Passage.document_id == document
            )
        ).all()
    sections = {
        "Access to justice": "justice",
        "COVID-19 vaccine": "health",
        "Digital technologies": "policing_surveillance",
    }
    for heading, theme in sections.items():
        inside = [
            pid
            for pid, path, text in passages
            if path and heading in path[-1] and len(text.split()) >= 12
        ]
        share = np.mean([(pid, theme) in tags for pid in inside])
        assert len(inside) >= 3 and share >= 0.8, (heading, theme, share)
    firewall = [pid for pid, _p, text in passages if "firewall" in text.lower()]
    assert firewall and all((pid, "justice") in tags for pid in firewall)


@pytest.mark.slow
def test_classify_jsonl_reads_and_writes_lines(cli: CliRunner, tmp_path: Path) -> None:
    lines = [
        {
            "id": 1,
            "text": "Ratify the International Convention on the Protection of the "
            "Rights of All Migrant Workers and Members of Their Families.",
        },
        {
            "id": "fr",
            "text": "Les personnes sans papiers renoncent aux soins médicaux par "
            "peur d'être dénoncées à l'hôpital.",
        },
        {
            "id": "de",
            "text": "Familien mit kleinen Kindern werden weiterhin in Abschiebungshaft genommen.",
        },
    ]
    result = cli.invoke(
        app,
        ["classify", "--jsonl", "--home", str(tmp_path)],
        input="\n".join(json.dumps(line) for line in lines) + "\n",
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [1, "fr", "de"]
    assert "labour" in out[0]["themes"]
    assert "health" in out[1]["themes"]
    assert {"children", "detention_return"} <= set(out[2]["themes"])
    assert all(set(o["scores"]) == set(packaged_default().themes) for o in out)
    bad = cli.invoke(app, ["classify", "--jsonl", "--home", str(tmp_path)], input='{"id": 1}\n')
    assert bad.exit_code == 2 and "line 1" in bad.output


@pytest.mark.slow
def test_tagger_quality_holds_its_floors(cli: CliRunner, tmp_path: Path) -> None:
    """Held-out starter set always; the UN recommendations labelled by others when
    ../shared/eval is there (``evidencia tagger evaluate --csv ... --update-baseline``
    records new floors)."""
    args = [
        "tagger",
        "evaluate",
        "--home",
        str(tmp_path),
        "--check",
        "--baseline",
        str(ROOT / "eval" / "tagger-baseline.json"),
    ]
    if UPR.is_file():
        args += ["--csv", str(UPR)]
    else:
        floors = json.loads((ROOT / "eval" / "tagger-baseline.json").read_text())
        partial = tmp_path / "held-out-floors.json"
        partial.write_text(json.dumps({"held_out": floors["held_out"]}))
        args[-1] = str(partial)
    result = cli.invoke(app, args, env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "micro-F1" in result.output

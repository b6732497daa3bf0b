"""The enrichment stage as users drive it: annotations stored at ingest with provenance,
``evidencia enrich`` re-running stale or chosen enrichers, failures that cost nothing stored,
``analyze`` on standard input, and the framework commands."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from evidencia.cli import app
from evidencia.config import Home
from evidencia.enrich import registry
from evidencia.enrich.base import Mention, TextEnricher, TextUnit
from evidencia.enrich.countries import CountryEnricher
from evidencia.store.db import Store
from evidencia.store.schema import Annotation, Enrichment, FrameworkNode
from tests.conftest import TINY_FRAMEWORK

BRIEF = """# Safe reporting

In the Netherlands, undocumented victims may report crime to the police[^1] and leave freely.
The Victims' Directive (Directive 2012/29/EU) applies to all victims, regardless of status.

## Spain

In Spain the Guardia Civil created specialised teams (EDATI).

[^1]: PICUM, 2022, Unconditional access to services for undocumented victims of crime.
"""


class Broken(TextEnricher):
    """Stands in for an enricher with a bug: what a plug-in author might ship."""

    name: ClassVar[str] = "broken"
    version: ClassVar[str] = "1"

    def find(self, text: str, language: str | None = None) -> list[Mention]:
        raise RuntimeError("cannot cope")


class Shouting(TextEnricher):
    """A minimal working plug-in: marks words in capitals."""

    name: ClassVar[str] = "shouting"
    version: ClassVar[str] = "1"
    targets = frozenset({"passage"})

    def find(self, text: str, language: str | None = None) -> list[Mention]:
        return [
            Mention("word", m.group(), m.group(), m.start(), m.end())
            for m in re.finditer(r"\b[A-Z]{3,}\b", text)
        ]


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.BUILTIN_ENRICHERS, "broken", f"{__name__}:Broken")
    monkeypatch.setitem(registry.BUILTIN_ENRICHERS, "shouting", f"{__name__}:Shouting")
    registry.get.cache_clear()


def _ingest(cli: CliRunner, home: Path, tmp_path: Path, text: str = BRIEF) -> int:
    path = tmp_path / "brief.md"
    path.write_text(text, encoding="utf-8")
    result = cli.invoke(app, ["ingest", "--home", str(home), "--json", str(path)])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert line["warnings"] == []
    return int(line["document_id"])


def _annotations(home: Path, enricher: str) -> list[Annotation]:
    store = Store(Home(home))
    with store.session() as session:
        rows = list(session.scalars(select(Annotation).where(Annotation.enricher == enricher)))
    store.close()
    return rows


def test_ingest_stores_annotations_with_provenance(
    cli: CliRunner, home: Path, tmp_path: Path
) -> None:
    doc_id = _ingest(cli, home, tmp_path)
    countries = [a for a in _annotations(home, "countries") if a.kind == "country"]
    assert {a.key for a in countries} == {"NL", "ES"}
    assert all(a.version == CountryEnricher.version and a.passage_id for a in countries)
    instruments = _annotations(home, "instruments")
    assert "32012L0029" in {a.key for a in instruments}
    assert all(a.attrs.get("url", "").startswith("https://") for a in instruments)
    references = _annotations(home, "references")
    assert len(references) == 1 and references[0].footnote_id is not None
    assert references[0].attrs["author"] == "PICUM" and references[0].attrs["year"] == "2022"
    store = Store(Home(home))
    with store.session() as session:
        done = dict(
            session.execute(
                select(Enrichment.enricher, Enrichment.version).where(
                    Enrichment.document_id == doc_id
                )
            ).all()
        )
    store.close()
    assert done == {e.name: e.version for e in registry.pipeline()}


def test_enrich_reruns_only_what_is_stale_or_asked(
    cli: CliRunner, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(cli, home, tmp_path)
    up_to_date = cli.invoke(app, ["enrich", "--home", str(home)])
    assert up_to_date.exit_code == 0 and "0 document(s)" in up_to_date.stdout
    before = {a.id for a in _annotations(home, "instruments")}

    monkeypatch.setattr(CountryEnricher, "version", "test-next")
    stale = cli.invoke(app, ["enrich", "--home", str(home)])
    assert stale.exit_code == 0 and "1 document(s)" in stale.stdout
    assert {a.version for a in _annotations(home, "countries")} == {"test-next"}
    assert {a.id for a in _annotations(home, "instruments")} == before  # untouched

    forced = cli.invoke(app, ["enrich", "--home", str(home), "--only", "instruments", "--force"])
    assert forced.exit_code == 0 and "by instruments" in forced.stdout
    again = _annotations(home, "instruments")
    assert {a.key for a in again} >= {"32012L0029"} and {a.id for a in again}.isdisjoint(before)

    unknown = cli.invoke(app, ["enrich", "--home", str(home), "--only", "nonsense"])
    assert unknown.exit_code == 2 and "no enricher named 'nonsense'" in unknown.output


def test_failing_enricher_loses_nothing_and_is_retried(
    cli: CliRunner, home: Path, tmp_path: Path, plugins: None
) -> None:
    _ingest(cli, home, tmp_path)
    failed = cli.invoke(app, ["enrich", "--home", str(home), "--only", "broken"])
    assert failed.exit_code == 3 and "cannot cope" in failed.stdout
    assert {a.key for a in _annotations(home, "countries") if a.kind == "country"} == {"NL", "ES"}
    store = Store(Home(home))
    with store.session() as session:
        assert session.scalar(select(Enrichment).where(Enrichment.enricher == "broken")) is None
    store.close()
    again = cli.invoke(app, ["enrich", "--home", str(home), "--only", "broken"])
    assert again.exit_code == 3 and "1 document(s)" in again.stdout  # still pending, retried

    worked = cli.invoke(app, ["enrich", "--home", str(home), "--only", "shouting"])
    assert worked.exit_code == 0
    [found] = _annotations(home, "shouting")
    assert (found.key, found.passage_id is not None, found.version) == ("EDATI", True, "1")


def test_enrichment_is_one_transaction_per_document(
    cli: CliRunner, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash while storing the second document keeps the first one's new results, and
    the re-run finishes the job."""
    _ingest(cli, home, tmp_path)
    second = tmp_path / "second.txt"
    second.write_text("Undocumented workers in Belgium and in Portugal report wage theft.\n")
    assert cli.invoke(app, ["ingest", "--home", str(home), str(second)]).exit_code == 0
    import evidencia.enrich.stored as stored

    real = stored.replace_annotations
    calls = {"n": 0}

    def crash_on_second(*args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    old = CountryEnricher.version
    monkeypatch.setattr(CountryEnricher, "version", "test-next")
    monkeypatch.setattr(stored, "replace_annotations", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        stored.enrich_stored(Store(Home(home)), [CountryEnricher()])
    versions = {(a.document_id, a.version) for a in _annotations(home, "countries")}
    assert versions == {(1, "test-next"), (2, old)}
    monkeypatch.setattr(stored, "replace_annotations", real)
    report = stored.enrich_stored(Store(Home(home)), [CountryEnricher()])
    assert report.documents == 1
    assert {a.key for a in _annotations(home, "countries") if a.document_id == 2} == {"BE", "PT"}


def test_analyze_reads_standard_input(cli: CliRunner) -> None:
    text = (
        "Les Pays-Bas et l'Espagne appliquent la directive 2012/29/UE ; voir aussi "
        "A/RES/76/172, paragraphe 4 b).\n"
    )
    result = cli.invoke(app, ["analyze", "--json"], input=text)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["language"] == "fr"
    assert set(found["countries"]) == {"NL", "ES"}
    ids = {i["id"] for i in found["instruments"]}
    assert {"32012L0029", "A/RES/76/172"} <= ids
    for instrument in found["instruments"]:
        assert {"id", "kind", "label", "url"} <= set(instrument)
    assert found["references"] == []  # prose naming an act is not a citation

    note = "PICUM, 2021, Preventing harm, promoting rights: safety for people without papers.\n"
    [cited] = json.loads(cli.invoke(app, ["analyze", "--json"], input=note).stdout)["references"]
    assert (cited["author"], cited["year"]) == ("PICUM", "2021")

    table = cli.invoke(app, ["analyze"], input=text, env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "32012L0029" in table.stdout and "NL, ES" in table.stdout


def _objective_and_outcome_counts(output: str) -> tuple[int, int]:
    summary = output.strip().splitlines()[-1]
    counts = {kind: int(n) for n, kind in (part.split() for part in summary.split(", "))}
    return counts["objectives"], counts["outcomes"]


def test_framework_show_and_load(cli: CliRunner, home: Path, tmp_path: Path) -> None:
    shown = cli.invoke(app, ["framework", "show", "--home", str(home)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert _objective_and_outcome_counts(shown.stdout) == (14, 75)
    for theme in ("children", "labour", "health", "regularisation", "detention_return"):
        assert theme in shown.stdout

    other = tmp_path / "other.yaml"
    other.write_text(TINY_FRAMEWORK, encoding="utf-8")
    loaded = cli.invoke(app, ["framework", "load", "--home", str(home), str(other)])
    assert loaded.exit_code == 0, loaded.output
    shown = cli.invoke(app, ["framework", "show", "--home", str(home)], env={"COLUMNS": "200"})
    assert "schools.enrolment.o1" in shown.stdout
    assert _objective_and_outcome_counts(shown.stdout) == (2, 3)
    store = Store(Home(home))
    with store.session() as session:
        kinds = dict(
            session.execute(
                select(FrameworkNode.kind, func.count())
                .where(FrameworkNode.framework_id == "tiny-network")
                .group_by(FrameworkNode.kind)
            ).all()
        )
        parent = session.scalar(
            select(FrameworkNode.parent_id).where(FrameworkNode.id == "housing.shelters.o1")
        )
    store.close()
    assert kinds == {"theme": 2, "area": 1, "objective": 2, "outcome": 3}
    assert parent == "housing.shelters"

    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: y\n", encoding="utf-8")
    refused = cli.invoke(app, ["framework", "load", "--home", str(home), str(broken)])
    assert refused.exit_code == 2 and "broken.yaml" in refused.output


def test_text_enrichers_read_only_their_targets() -> None:
    units: Sequence[TextUnit] = [TextUnit("Ask the NGO", "passage"), TextUnit("NGO", "footnote")]
    assert [[m.key for m in found] for found in Shouting().find_all(units)] == [["NGO"], []]

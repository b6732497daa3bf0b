"""The enrichers' quality gate: measured on the labelled sets in ``eval/enrich`` and held to
the floors in ``eval/baseline.json`` (raise them with ``make eval-baseline`` after an
improvement; a change that lowers a figure fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidencia.cli import app
from evidencia.enrich.evaluate import Evaluation, below_baseline, evaluate

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "enrich"
BASELINE = ROOT / "eval" / "baseline.json"


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(sorted(GOLD.glob("*.yaml")))


def test_gold_sets_are_as_large_as_promised(evaluation: Evaluation) -> None:
    countries = evaluation.scores["countries"]
    assert countries.items >= 150 and len(evaluation.languages["countries"]) >= 10
    assert evaluation.scores["instruments"].expected >= 60
    assert len(evaluation.languages["instruments"]) >= 10


def test_no_figure_below_its_floor(evaluation: Evaluation) -> None:
    assert below_baseline(evaluation, BASELINE) == []


def test_goals_met(evaluation: Evaluation) -> None:
    assert evaluation.scores["countries"].f1 >= 0.95
    assert evaluation.scores["instruments"].f1 >= 0.97


def test_evaluate_command_fails_under_a_raised_floor(cli: CliRunner, tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "countries.yaml").write_text(
        "enricher: countries\nitems:\n"
        "  - {id: a, lang: en, text: 'Undocumented people in Greece.', expect: [GR]}\n"
        "  - {id: b, lang: en, text: 'Chad Miller chaired the panel.', expect: []}\n",
        encoding="utf-8",
    )
    baseline = tmp_path / "baseline.json"
    args = ["evaluate", "--gold", str(gold), "--baseline", str(baseline)]
    written = cli.invoke(app, [*args, "--update-baseline"], env={"COLUMNS": "200"})
    assert written.exit_code == 0, written.output
    assert "countries" in written.stdout and baseline.is_file()
    assert cli.invoke(app, [*args, "--check"]).exit_code == 0
    baseline.write_text('{"countries": {"f1": 1.01}}', encoding="utf-8")
    failed = cli.invoke(app, [*args, "--check"])
    assert failed.exit_code == 1 and "below its floor" in failed.output

    (gold / "bad.yaml").write_text("items: [{text: no id}]\n", encoding="utf-8")
    refused = cli.invoke(app, args)
    assert refused.exit_code == 2 and "bad.yaml" in refused.output

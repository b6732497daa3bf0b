"""The network's UN submission, ingested: its countries, instruments with paragraphs, and
all 64 footnotes parsed into references and linked to the passages that cite them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import distinct, func, select
from typer.testing import CliRunner

from evidencia.cli import app
from evidencia.config import Home
from evidencia.store.db import Store
from evidencia.store.schema import Annotation, Footnote, PassageFootnote
from tests.conftest import SUBMISSION, needs_seeds

SUBMISSION_COUNTRIES = {"NL", "ES", "BE", "DE", "GR", "FR", "SE", "GB", "SI", "PT", "IE"}
SUBMISSION_INSTRUMENTS = {
    "32012L0029",  # Victims' Directive
    "32018R1240",  # ETIAS
    "32024R1689",  # AI Act
    "32016R0399",  # Schengen Borders Code
    "32019R0817",  # interoperability (borders and visa)
    "32019R0818",  # interoperability (police, asylum, migration)
    "A/RES/76/172",
}


@needs_seeds
def test_submission_enriched(cli: CliRunner, home: Path) -> None:
    result = cli.invoke(app, ["ingest", "--home", str(home), str(SUBMISSION)])
    assert result.exit_code == 0, result.output
    store = Store(Home(home))
    with store.session() as session:

        def keys(enricher: str) -> set[str]:
            query = select(Annotation.key).where(Annotation.enricher == enricher).distinct()
            return set(session.scalars(query))

        assert keys("countries") >= SUBMISSION_COUNTRIES
        assert keys("instruments") >= SUBMISSION_INSTRUMENTS
        cited = session.scalars(select(Annotation.attrs).where(Annotation.key == "A/RES/76/172"))
        paragraphs = {attrs.get("paragraph") for attrs in cited}
        assert paragraphs >= {"4(b)", "4(c)", "5(e)", "5(i)", "6(d)", "6(e)"}
        notes = session.scalar(select(func.count()).select_from(Footnote))
        linked = session.scalar(select(func.count(distinct(PassageFootnote.footnote_id))))
        with_reference = session.scalar(
            select(func.count(distinct(Annotation.footnote_id))).where(
                Annotation.enricher == "references"
            )
        )
    store.close()
    assert notes == 64 and linked == 64
    assert with_reference is not None and with_reference >= 60

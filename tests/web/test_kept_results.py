"""Search results kept for repeated requests never outlive a change that affects them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from evidencia.model import AccessLevel
from evidencia.store.db import Store
from evidencia.store.schema import Document, Passage
from evidencia.web.app import create_app
from tests.web.conftest import copy_home


def test_kept_results_never_outlive_an_access_change(web_store: Store, tmp_path: Path) -> None:
    store = Store(copy_home(web_store, tmp_path / "home"))
    with store.session() as session:
        doc_id, text = session.execute(
            select(Document.id, Passage.text)
            .join(Passage, Passage.document_id == Document.id)
            .where(Document.access == AccessLevel.PUBLIC.value)
            .order_by(Passage.id)
            .limit(1)
        ).one()
    word = max(text.split(), key=len).strip(".,;:()\"'")
    ask: dict[str, str | int] = {"q": word, "mode": "lexical", "limit": 50}
    with TestClient(create_app(store, embed_uploads=False)) as client:
        first = client.get("/api/v1/search", params=ask).json()
        assert doc_id in {hit["document_id"] for hit in first["hits"]}
        assert client.get("/api/v1/search", params=ask).json() == first  # kept
        with store.session() as session:
            doc = session.get(Document, doc_id)
            assert doc is not None
            doc.access = AccessLevel.RESTRICTED.value
            session.commit()
        again = client.get("/api/v1/search", params=ask).json()
        assert doc_id not in {hit["document_id"] for hit in again["hits"]}
    store.close()

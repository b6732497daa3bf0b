"""``evidencia check``: is the store whole? Database, full-text index and originals agree.

Problems are inconsistencies that need repair (exit non-zero); warnings are harmless
leftovers, such as an original written just before a crash and never referenced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import text

from evidencia.store import files, sealed
from evidencia.store.db import Store, schema_is_current


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(store: Store, *, verify_hashes: bool = True) -> Report:
    report = Report()
    current, head = schema_is_current(store.engine)
    if current != head:
        report.problems.append(f"schema at revision {current}, expected {head}")
    with store.engine.connect() as conn:
        integrity = conn.execute(text("PRAGMA integrity_check")).scalar()
        if integrity != "ok":
            report.problems.append(f"database integrity: {integrity}")
        for row in conn.execute(text("PRAGMA foreign_key_check")):
            report.problems.append(f"dangling reference in {row[0]} (row {row[1]})")
        try:
            conn.execute(
                text("INSERT INTO passage_fts(passage_fts, rank) VALUES ('integrity-check', 1)")
            )
        except Exception as exc:  # the FTS module reports corruption as an SQL error
            report.problems.append(f"full-text index does not match the passages: {exc}")
        for table in ("document", "passage", "footnote", "ingestion"):
            report.counts[table] = int(
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0
            )
        empty = (
            conn.execute(
                text(
                    "SELECT d.id FROM document d WHERE NOT EXISTS "
                    "(SELECT 1 FROM passage p WHERE p.document_id = d.id)"
                )
            )
            .scalars()
            .all()
        )
        for doc_id in empty:
            report.problems.append(f"document {doc_id} has no passages")
        running = conn.execute(
            text("SELECT count(*) FROM ingestion WHERE status='running'")
        ).scalar()
        if running:
            report.warnings.append(
                f"{running} ingestion(s) still marked running: a run in progress, or one that "
                "was killed (re-running the same ingest command completes it)"
            )
        stored = conn.execute(text("SELECT id, sha256, blob_path, size_bytes FROM document")).all()
    known = set()
    ring: sealed.KeyRing | None = None
    for doc_id, sha, rel, size in stored:
        path = store.home.root / rel
        known.update({path.name, sha + sealed.PSEUDONYMS})
        if not path.is_file():
            report.problems.append(f"document {doc_id}: original missing at {rel}")
        elif path.name.endswith(sealed.SUFFIX):
            if not verify_hashes:
                continue
            try:
                ring = ring or sealed.KeyRing.load(store.home, create=False)
                digest, length = hashlib.sha256(), 0
                for chunk in sealed.read_original(path, ring):
                    digest.update(chunk)
                    length += len(chunk)
            except sealed.SealError as exc:
                report.problems.append(f"document {doc_id}: sealed original: {exc}")
                continue
            if length != size or digest.hexdigest() != sha:
                report.problems.append(f"document {doc_id}: original does not match its sha256")
        elif path.stat().st_size != size:
            report.problems.append(f"document {doc_id}: original has the wrong size")
        elif verify_hashes and files.sha256_of(path) != sha:
            report.problems.append(f"document {doc_id}: original does not match its sha256")
    if store.home.files.is_dir():
        for path in store.home.files.rglob("*"):
            if path.is_file() and path.name.startswith(".incoming-"):
                report.warnings.append(
                    f"unfinished copy left by a crash: {path.relative_to(store.home.root)}"
                )
            elif path.is_file() and path.name not in known:
                report.warnings.append(
                    f"original not referenced by any document: {path.relative_to(store.home.root)}"
                )
    return report

"""``evidencia audit`` (read, export and verify the audit log), ``evidencia erase`` and
``evidencia keys rotate``: the commands that protect people and keep a record of it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from evidencia import audit, erasure, subject
from evidencia.access import OWNER
from evidencia.cli.main import HomeOption, app, err, open_store, out
from evidencia.store import sealed
from evidencia.store.schema import Document

audit_app = typer.Typer(help="Read, export and verify the audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

ActionOption = Annotated[
    str | None,
    typer.Option(
        "--action", help=f"Only this action ({', '.join(a.value for a in audit.Action)})."
    ),
]
DocumentOption = Annotated[int | None, typer.Option("--document", help="Only this document.")]


@audit_app.command("verify")
def verify_cmd(home: HomeOption = None) -> None:
    """Check the hash chain: exit 1 if an entry was changed, removed or moved."""
    store = open_store(home)
    report = audit.verify(store)
    for problem in report.problems:
        err.print(f"[red]tampered:[/] {escape(problem)}")
    if not report.ok:
        raise typer.Exit(1)
    out.print(f"[green]Audit log intact:[/] {report.entries} entries, chain and head agree.")


@audit_app.command("show")
def show_cmd(
    action: ActionOption = None,
    document: DocumentOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 30,
    home: HomeOption = None,
) -> None:
    """The newest entries."""
    store = open_store(home)
    table = Table("#", "when", "who", "action", "document", "detail", title="Audit log")
    with store.session() as session:
        for entry in audit.entries(
            session, action=action, document_id=document, limit=limit, newest_first=True
        ):
            table.add_row(
                str(entry["id"]),
                entry["at"],
                escape(entry["actor"]),
                entry["action"],
                str(entry["document_id"] or ""),
                escape(json.dumps(entry["detail"], ensure_ascii=False)),
            )
    out.print(table)


@audit_app.command("export")
def export_cmd(
    action: ActionOption = None,
    document: DocumentOption = None,
    since: Annotated[
        datetime | None, typer.Option(help="Entries from this moment (ISO date or time).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Every entry as JSON lines on standard output, oldest first, with its hash."""
    store = open_store(home)
    with store.session() as session:
        for entry in audit.entries(session, action=action, document_id=document, since=since):
            print(json.dumps(entry, ensure_ascii=False))


@app.command()
def erase(
    document: Annotated[int, typer.Argument(help="The document's id (see `evidencia docs`).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    home: HomeOption = None,
) -> None:
    """Erase a document everywhere: original, passages, footnotes, tags, vectors, indexes.

    The audit log records that it was erased (by whom, how many passages), not what it said.
    """
    store = open_store(home)
    with store.session() as session:
        title = session.scalar(select(Document.title).where(Document.id == document))
    if title is None:
        err.print(f"[red]error:[/] no document {document}")
        raise typer.Exit(2)
    if not yes and not typer.confirm(f"Erase document {document} ({title}) for good?"):
        raise typer.Exit(1)
    erased = erasure.erase(store, document, audit.command_line())
    out.print(
        f"Erased document {document}: {erased.passages} passages, {erased.footnotes} "
        f"footnotes{', the original file' if erased.original_removed else ''}; indexes rebuilt."
    )


keys_app = typer.Typer(help="The keys restricted originals are sealed with.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def rotate_keys(home: HomeOption = None) -> None:
    """Seal every restricted original again under a new key, then forget the old keys."""
    store = open_store(home)
    try:
        ring = sealed.KeyRing.load(store.home)
        new = ring.add_key()
    except sealed.SealError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    with store.session() as session:
        blobs = list(
            session.scalars(
                select(Document.blob_path).where(Document.blob_path.endswith(".sealed"))
            )
        )
    done = 0
    for blob in blobs:
        path = store.home.root / blob
        if path.exists() and sealed.reseal(path, ring):
            done += 1
    for key in [k for k in ring.keys if k != new]:
        ring.forget(key)
    with store.session() as session, session.begin():
        audit.record(
            session, audit.command_line(), audit.Action.KEY_ROTATION, detail={"originals": done}
        )
    out.print(f"{done} original(s) sealed again under key {new}; old keys forgotten.")


@app.command("subject-export")
def subject_export(
    document: Annotated[int, typer.Argument(help="The document's id.")],
    pseudonym: Annotated[str, typer.Argument(help='The pseudonym, e.g. "[PERSON 1]".')],
    home: HomeOption = None,
) -> None:
    """Everything held about one pseudonymised person in a document, as JSON: who the
    pseudonym stands for and every passage and footnote that mentions them (audited)."""
    store = open_store(home)
    try:
        found = subject.export(store, OWNER, audit.command_line(), document, pseudonym)
    except subject.SubjectError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    print(json.dumps(found.as_json(), ensure_ascii=False, indent=1))

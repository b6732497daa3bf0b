"""``evidencia audit``: read, export and verify the audit log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from evidencia import audit
from evidencia.cli.main import HomeOption, app, err, open_store, out

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

"""``evidencia framework``: load another network's strategy, or print the active one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from evidencia import framework as fw
from evidencia.cli.main import HomeOption, app, err, open_store, out
from evidencia.store import frameworks

framework_app = typer.Typer(
    help="The strategy framework (themes, objectives, outcomes) evidence is filed under.",
    no_args_is_help=True,
)
app.add_typer(framework_app, name="framework")


@framework_app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="Framework YAML file.")],
    home: HomeOption = None,
) -> None:
    """Validate a framework file and make it the active framework."""
    try:
        framework = fw.load_file(file)
    except fw.FrameworkError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    store = open_store(home)
    with store.session() as session, session.begin():
        frameworks.load(session, framework, file.read_text(encoding="utf-8"), str(file))
    counts = fw.counts(framework)
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    out.print(f"Loaded framework [bold]{escape(framework.id)}[/]: {summary}.")


@framework_app.command("show")
def show(
    file: Annotated[
        Path | None, typer.Option(help="Show this file instead of the active framework.")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Print the active framework as a tree: areas, themes, objectives and outcomes."""
    try:
        if file is not None:
            framework = fw.load_file(file)
        else:
            with open_store(home).session() as session:
                framework = frameworks.active(session)
    except fw.FrameworkError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    out.print(fw.tree(framework))
    counts = fw.counts(framework)
    out.print(", ".join(f"{n} {kind}" for kind, n in counts.items()))

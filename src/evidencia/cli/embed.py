"""``evidencia embed``: give passages vectors for search by meaning, and index them."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    TimeRemainingColumn,
)

from evidencia.cli.main import HomeOption, app, err, open_store, out, progress_bar
from evidencia.embed import registry
from evidencia.embed.base import EmbeddingBackend
from evidencia.embed.run import embed_missing
from evidencia.search import word_index
from evidencia.search.semantic import ensure_index


def backend_or_exit() -> EmbeddingBackend:
    """The configured backend, or a plain message and exit 2 when it cannot be had."""
    try:
        return registry.get()
    except (KeyError, ImportError, TypeError, ValueError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}; {registry.ENV} names the backend")
        raise typer.Exit(2) from None


@app.command()
def embed(
    batch: Annotated[
        int, typer.Option(min=1, max=4096, help="Passages embedded and committed together.")
    ] = 64,
    home: HomeOption = None,
) -> None:
    """Embed the passages that lack a vector from the current model, then update the indexes
    (vectors; and words, in a store of 50,000 passages or more).

    Interrupting it is safe: what was committed stays, and running it again carries on.
    """
    backend = backend_or_exit()
    store = open_store(home)
    progress = progress_bar("Embedding", TimeRemainingColumn())
    with progress:
        task = progress.add_task("", total=None)
        report = embed_missing(
            store,
            backend,
            batch=batch,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    model = escape(backend.name)
    if report.due:
        out.print(
            f"[bold]{report.embedded} passage(s)[/] embedded with {model} in "
            f"{report.seconds:.1f} s ({report.rate:.1f} passages/s): "
            f"{report.computed} through the model, {report.reused} reused from identical text."
        )
    else:
        out.print(f"Every passage already has a vector from {model}.")
    started = time.perf_counter()
    manifest, rebuilt = ensure_index(store, backend.name)
    if rebuilt:
        out.print(
            f"Index rebuilt ({manifest.kind}, {manifest.count} vectors) "
            f"in {time.perf_counter() - started:.2f} s."
        )
    else:
        out.print(f"Index up to date ({manifest.kind}, {manifest.count} vectors).")
    with store.session() as session:
        words_due = word_index.wanted(session) and not word_index.is_current(store, session)
    if words_due:
        started = time.perf_counter()
        built = word_index.build(store)
        out.print(
            f"Word index rebuilt ({built.count} passages) in {time.perf_counter() - started:.1f} s."
        )

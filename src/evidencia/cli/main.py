"""The core commands: ingest, list, show, search and check a data directory."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import func, select

from evidencia.classify.tagging import check_tags
from evidencia.config import resolve_home
from evidencia.embed.base import EmbeddingError
from evidencia.embed.check import check_index
from evidencia.ingest.limits import Limits
from evidencia.ingest.pipeline import FAILED, FileResult, Ingestor, expand
from evidencia.model import AccessLevel, DocumentType
from evidencia.search.hits import MARK_END, MARK_START, Hit, group_by_document
from evidencia.search.lexical import facets as lexical_facets
from evidencia.search.modes import Request, Searcher, SearchMode
from evidencia.search.query import QueryError
from evidencia.search.scope import Filters
from evidencia.store.annotations import document_summary
from evidencia.store.check import check as check_store
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import Document, DocumentLink, Organisation, Passage

app = typer.Typer(
    help="Evidencia: a citable, searchable evidence base for migrants' rights networks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", envvar="EVIDENCIA_HOME", help="Data directory (default: per-user)."),
]


#: options shared by the commands that measure quality against recorded floors
CheckOption = Annotated[
    bool, typer.Option("--check", help="Exit 1 if a figure is below its floor.")
]
UpdateBaselineOption = Annotated[
    bool, typer.Option("--update-baseline", help="Record the figures as the new floors.")
]


def exit_if_below(problems: list[str]) -> None:
    """Print every figure that fell under its recorded floor and exit 1 if any did: how
    each quality gate (enrichers, search, tagger, redaction) ends."""
    for problem in problems:
        err.print(f"[red]below baseline:[/] {escape(problem)}")
    if problems:
        raise typer.Exit(1)


def progress_bar(label: str, *extra: ProgressColumn) -> Progress:
    """The progress bar long commands show on a terminal (and hide when piped)."""
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        *extra,
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def open_store(home: Path | None) -> Store:
    return Store(resolve_home(home))


def _load_manifest(path: Path) -> dict[Path, dict[str, Any]]:
    """A manifest is a YAML list of {path, title, type, access, org, date, language}."""
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise typer.BadParameter(f"cannot read manifest {path}: {exc}") from exc
    if not isinstance(entries, list):
        raise typer.BadParameter(f"manifest {path} must be a list of entries")
    return {(path.parent / e["path"]).resolve(): e for e in entries if isinstance(e, dict)}


def _meta_from_entry(base: DocumentMeta, entry: dict[str, Any], source: Path) -> DocumentMeta:
    try:
        published = entry.get("date")
        return replace(
            base,
            title=entry.get("title", base.title),
            doc_type=DocumentType(entry.get("type", base.doc_type)),
            access=AccessLevel(entry.get("access", base.access)),
            organisation=entry.get("org", base.organisation),
            published=date.fromisoformat(str(published)) if published else base.published,
            language=entry.get("language", base.language),
            extra={"countries": ",".join(entry.get("countries", []))}
            if entry.get("countries")
            else {},
        )
    except ValueError as exc:
        raise typer.BadParameter(f"manifest entry for {source}: {exc}") from exc


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (folders recursively).")
    ] = None,
    access: Annotated[
        AccessLevel, typer.Option(help="Who may see the documents.")
    ] = AccessLevel.PUBLIC,
    org: Annotated[str | None, typer.Option(help="Owning organisation.")] = None,
    doc_type: Annotated[
        DocumentType, typer.Option("--type", help="Document type.")
    ] = DocumentType.OTHER,
    manifest: Annotated[Path | None, typer.Option(help="YAML file with per-file metadata.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per file.")] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Reader processes (default: CPUs).")
    ] = None,
    max_file_mb: Annotated[float, typer.Option(min=0.001, help="Largest file accepted.")] = 200,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds allowed to read one file.")
    ] = 120,
    max_memory_mb: Annotated[
        int, typer.Option(min=64, help="Memory allowed to read one file.")
    ] = 2048,
    home: HomeOption = None,
) -> None:
    """Read documents into passages and store them; exit 3 if any file failed."""
    base = DocumentMeta(doc_type=doc_type, access=access, organisation=org)
    entries = _load_manifest(manifest) if manifest else {}
    paths = paths or list(entries)
    if not paths:
        raise typer.BadParameter("give files or folders to ingest, or a --manifest")
    metas = {p: _meta_from_entry(base, e, p) for p, e in entries.items()}
    limits = Limits(
        max_file_bytes=int(max_file_mb * 2**20),
        max_seconds=timeout,
        max_memory_bytes=max_memory_mb * 2**20,
    )
    store = open_store(home)
    total = sum(1 for _ in expand(paths))
    results: list[FileResult] = []
    progress = progress_bar("Ingesting", TextColumn("{task.description}"))
    with progress:
        task = progress.add_task("", total=total)

        def on_result(result: FileResult) -> None:
            results.append(result)
            progress.update(task, advance=1, description=escape(Path(result.path).name))
            if as_json:
                print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)

        Ingestor(store, limits, workers).run(
            paths, lambda p: metas.get(p.resolve(), base), on_result
        )
    if not as_json:
        _print_summary(results)
    if any(r.status == FAILED for r in results):
        raise typer.Exit(3)


def _print_summary(results: list[FileResult]) -> None:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    passages = sum(r.passages for r in results)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    out.print(f"[bold]{len(results)} file(s):[/] {summary}; {passages} passages stored.")
    for r in results:
        if r.status == FAILED:
            out.print(f"  [red]failed[/] {escape(r.path)}: {escape(r.error or '')}")
        elif r.versions:
            out.print(
                f"  [cyan]version[/] {escape(r.path)} is a version of document(s) {r.versions}"
            )


@app.command()
def docs(home: HomeOption = None) -> None:
    """List stored documents."""
    store = open_store(home)
    table = Table("id", "type", "lang", "access", "pages", "passages", "organisation", "title")
    for column in table.columns[6:]:
        column.no_wrap, column.overflow, column.max_width = True, "ellipsis", 60
    with store.session() as session:
        counts = dict(
            session.execute(
                select(Passage.document_id, func.count()).group_by(Passage.document_id)
            ).all()
        )
        orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
        for doc in session.scalars(select(Document).order_by(Document.id)):
            table.add_row(
                str(doc.id),
                doc.doc_type,
                ",".join(doc.languages),
                doc.access,
                str(doc.page_count or ""),
                str(counts.get(doc.id, 0)),
                escape(orgs.get(doc.organisation_id or 0, "")),
                escape(doc.title),
            )
    out.print(table)


@app.command()
def show(
    doc_id: Annotated[int, typer.Argument(help="Document id (see `evidencia docs`).")],
    home: HomeOption = None,
) -> None:
    """Show a document: metadata, versions, passages by page, footnotes."""
    store = open_store(home)
    with store.session() as session:
        doc = session.get(Document, doc_id)
        if doc is None:
            err.print(f"[red]No document with id {doc_id}.[/]")
            raise typer.Exit(1)
        out.print(f"[bold]{escape(doc.title)}[/]  (document {doc.id})")
        out.print(
            f"type {doc.doc_type} · languages {', '.join(doc.languages) or '?'}"
            f" · access {doc.access} · pages {doc.page_count or '-'} · {doc.mime}"
            f"\norigin {escape(doc.origin)}\nsha256 {doc.sha256}"
        )
        links = session.scalars(
            select(DocumentLink).where(
                (DocumentLink.document_id == doc_id) | (DocumentLink.other_id == doc_id)
            )
        ).all()
        for link in links:
            other = link.other_id if link.document_id == doc_id else link.document_id
            out.print(
                f"[cyan]{link.kind}[/] of document {other} (similarity {link.similarity:.2f})"
            )
        for group, found in sorted(document_summary(session, doc_id).items()):
            if group.startswith("references/"):
                out.print(f"[bold]{group}[/]: {len(found)} distinct works cited")
                continue
            listed = ", ".join(
                f"{key if key == label else f'{label} ({key})'} ×{n}" for key, label, n in found
            )
            out.print(f"[bold]{group}[/]: {escape(listed)}")
        for p in doc.passages:
            where = f"p.{p.page}" if p.page else "-"
            path = " › ".join(p.heading_path)
            notes = "".join(f"[{f.label}]" for f in p.footnotes)
            out.print(f"\n[dim]#{p.id} {where} {escape(path)}[/] {escape(notes)}")
            out.print(escape(p.text))
        if doc.footnotes:
            out.print("\n[bold]Footnotes[/]")
            for f in doc.footnotes:
                out.print(f"{escape(f.label)}. {escape(f.text)}")


def _many(help_text: str, flag: str) -> Any:
    return typer.Option(flag, help=help_text, show_default=False)


def hits_json(hits: list[Hit]) -> list[dict[str, Any]]:
    return [hit.as_json() for hit in hits]


def _marked(snippet: str) -> str:
    """A snippet's <mark> tags as terminal highlighting, everything else escaped."""
    text = escape(snippet).replace(escape(MARK_START), "[bold yellow]")
    return text.replace(escape(MARK_END), "[/]")


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help='Words, "exact phrases", prefix*, AND/OR/NOT.')],
    country: Annotated[
        list[str] | None, _many("Only passages about this country (ISO code).", "--country")
    ] = None,
    theme: Annotated[
        list[str] | None, _many("Only passages tagged with this theme.", "--theme")
    ] = None,
    outcome: Annotated[
        list[str] | None, _many("Only passages tagged with this outcome.", "--outcome")
    ] = None,
    instrument: Annotated[
        list[str] | None,
        _many("Only passages citing this instrument (CELEX, symbol).", "--instrument"),
    ] = None,
    lang: Annotated[list[str] | None, _many("Only passages in this language.", "--lang")] = None,
    doc_type: Annotated[
        list[DocumentType] | None, _many("Only documents of this type.", "--type")
    ] = None,
    org: Annotated[list[str] | None, _many("Only documents of this organisation.", "--org")] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or after.")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or before.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 10,
    mode: Annotated[
        SearchMode, typer.Option(help="By words, by meaning, or both fused.")
    ] = SearchMode.HYBRID,
    facets: Annotated[bool, typer.Option("--facets", help="Also count hits per facet.")] = False,
    group: Annotated[
        bool, typer.Option("--group", help="Group hits by document, best document first.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per hit.")] = False,
    home: HomeOption = None,
) -> None:
    """Search passages by words; every hit cites document, page and passage."""
    filters = Filters(
        countries=tuple(c.upper() for c in country or ()),
        themes=tuple(theme or ()),
        outcomes=tuple(outcome or ()),
        instruments=tuple(instrument or ()),
        languages=tuple(lang or ()),
        doc_types=tuple(t.value for t in doc_type or ()),
        organisations=tuple(org or ()),
        since=since.date() if since else None,
        until=until.date() if until else None,
    )
    store = open_store(home)
    try:
        hits = Searcher(store).search(Request(query, limit, filters), mode.value)
        with store.session() as session:
            counts = lexical_facets(session, query, filters=filters) if facets else {}
    except QueryError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    if as_json:
        rows = [g.as_json() for g in group_by_document(hits)] if group else hits_json(hits)
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        if facets:
            print(json.dumps({"facets": counts}, ensure_ascii=False))
        return
    if not hits:
        out.print(f"No passage matches {escape(query)!s}.")
    if group:
        for rank, found in enumerate(group_by_document(hits), 1):
            out.print(f"[bold]{rank}. {escape(found.title)}[/] — document {found.document_id}")
            for hit in found.hits:
                page = f"p. {hit.page}" if hit.page else "no page"
                out.print(f"   [dim]{page} · passage {hit.passage_id}[/] {_marked(hit.snippet)}")
    else:
        for rank, hit in enumerate(hits, 1):
            page = f"p. {hit.page}" if hit.page else "no page"
            out.print(
                f"[bold]{rank}. {escape(hit.title)}[/] — {page} · passage {hit.passage_id}"
                f" · document {hit.document_id} · {hit.language or '?'}"
            )
            if hit.heading_path:
                out.print(f"   [dim]{escape(' › '.join(hit.heading_path))}[/]")
            out.print("   " + _marked(hit.snippet))
            tags = [*hit.countries, *hit.instruments]
            if tags:
                out.print(f"   [cyan]{escape(' · '.join(tags))}[/]")
    for name, values in counts.items():
        if values:
            listed = ", ".join(f"{value} ({n})" for value, n in values)
            out.print(f"[bold]{name}[/]: {escape(listed)}")


@app.command()
def similar(
    passage_id: Annotated[int, typer.Argument(help="Passage id (from a search hit).")],
    limit: Annotated[int, typer.Option(min=1, max=100)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per hit.")] = False,
    home: HomeOption = None,
) -> None:
    """More like this: the passages closest in meaning to a given one, in any language."""
    try:
        hits = Searcher(open_store(home)).similar(passage_id, Request("", limit))
    except (EmbeddingError, LookupError) as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    for rank, hit in enumerate(hits, 1):
        if as_json:
            print(json.dumps(hit.as_json(), ensure_ascii=False))
            continue
        page = f"p. {hit.page}" if hit.page else "no page"
        out.print(
            f"[bold]{rank}. {escape(hit.title)}[/] — {page} · passage {hit.passage_id}"
            f" · {hit.language or '?'} · {hit.score:.3f}"
        )
        out.print("   " + escape(hit.snippet))


@app.command()
def check(
    quick: Annotated[bool, typer.Option(help="Skip re-hashing the originals.")] = False,
    home: HomeOption = None,
) -> None:
    """Verify the store: database, full-text index and originals; exit 1 on inconsistency."""
    store = open_store(home)
    report = check_store(store, verify_hashes=not quick)
    # the search index is derived data: missing or stale vectors are fixed by `evidencia embed`
    report.warnings.extend(check_index(store))
    report.warnings.extend(check_tags(store))  # tags too: `evidencia tag` brings them up to date
    counts = ", ".join(f"{n} {table}s" for table, n in report.counts.items())
    out.print(f"Checked {escape(str(store.home.root))}: {counts}.")
    for warning in report.warnings:
        out.print(f"[yellow]warning:[/] {escape(warning)}")
    for problem in report.problems:
        out.print(f"[red]problem:[/] {escape(problem)}")
    if not report.ok:
        raise typer.Exit(1)
    out.print("[green]Store is consistent.[/]")

"""``evidencia tag``, ``tagger``, ``classify`` and ``review``: tagging passages with the
strategy's themes and outcomes, teaching the tagger, and deciding on its suggestions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from evidencia import floors
from evidencia.access import OWNER, Role, Viewer
from evidencia.accounts import get_user
from evidencia.classify import evaluate as tagger_eval
from evidencia.classify import rules as tagger_rules
from evidencia.classify.calibrate import calibrated, cross_calibrated
from evidencia.classify.examples import VectorCache, starter_examples
from evidencia.classify.metrics import Scores
from evidencia.classify.model import ModelError, TaggerModel
from evidencia.classify.retrain import classify_texts, labels_of, retrain
from evidencia.classify.review import ORDERS, ReviewError, decide, queue
from evidencia.classify.shelf import Shelf
from evidencia.classify.tagging import tag_stored
from evidencia.classify.train import measure
from evidencia.cli.embed import backend_or_exit
from evidencia.cli.main import (
    CheckOption,
    HomeOption,
    UpdateBaselineOption,
    app,
    err,
    exit_if_below,
    open_store,
    out,
    progress_bar,
)
from evidencia.cli.search import FLOOR_MARGIN
from evidencia.datafile import DataFileError
from evidencia.store.db import Store

tagger_app = typer.Typer(
    help="Train, inspect and roll back the theme tagger.", no_args_is_help=True
)
review_app = typer.Typer(help="Decide on the tagger's suggestions.", no_args_is_help=True)
app.add_typer(tagger_app, name="tagger")
app.add_typer(review_app, name="review")

DEFAULT_BASELINE = Path("eval/tagger-baseline.json")
DEFAULT_KEYWORDS = Path("eval/tagger/keyword-baseline.yaml")


def _current(store: Store) -> TaggerModel:
    try:
        return Shelf(store.home).current()
    except ModelError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None


def _retag(store: Store, model: TaggerModel, *, force: bool = False) -> None:
    """Bring stored passages up to ``model``, with a progress bar."""
    rules = tagger_rules.default()
    progress = progress_bar("Tagging")
    try:
        with progress:
            task = progress.add_task("", total=None)
            report = tag_stored(
                store,
                model,
                rules,
                backend=backend_or_exit(),
                force=force,
                on_document=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except ModelError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if report.documents:
        out.print(
            f"[bold]{report.documents} document(s)[/] tagged by tagger {report.model}: "
            f"{report.passages} passages, {report.tags} tags, in {report.seconds:.1f} s "
            f"({report.rate:.0f} passages/s)."
        )
    else:
        out.print(f"Every document is already tagged by tagger {report.model}.")


@app.command()
def tag(
    force: Annotated[
        bool, typer.Option("--force", help="Tag documents already up to date again.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Tag stored passages with themes and outcomes, using the current tagger.

    People's decisions are kept: an accepted tag stays and a rejected one stays off,
    whatever the model says.
    """
    store = open_store(home)
    _retag(store, _current(store), force=force)


def _scores_table(title: str, columns: dict[str, Scores]) -> Table:
    """Per-label precision, recall and F1, one column per system."""
    table = Table(
        Column("label"),
        Column("n", justify="right"),
        *(Column(f"{name}\nP / R / F1", justify="right") for name in columns),
        title=title,
    )
    first = next(iter(columns.values()))
    for i, row in enumerate(first.labels):
        cells = [row.label, str(row.support)]
        for scores in columns.values():
            s = scores.labels[i]
            cells.append(f"{s.precision:.2f} / {s.recall:.2f} / [bold]{s.f1:.2f}[/]")
        table.add_row(*cells)
    table.add_section()
    table.add_row("micro-F1", "", *(f"[bold]{s.micro_f1:.3f}[/]" for s in columns.values()))
    table.add_row("macro-F1", "", *(f"[bold]{s.macro_f1:.3f}[/]" for s in columns.values()))
    return table


@tagger_app.command("train")
def train_cmd(
    starter: Annotated[
        bool,
        typer.Option("--starter/--no-starter", help="Learn from the shipped starter set too."),
    ] = True,
    home: HomeOption = None,
) -> None:
    """Retrain from people's reviews (and the starter set); keep the new version only if it
    is not worse on held-out examples, then re-tag the stored passages with it."""
    store = open_store(home)
    shelf = Shelf(store.home)
    backend = backend_or_exit()
    progress = progress_bar("Training")
    with progress:
        task = progress.add_task("", total=None)

        def step(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total)

        try:
            result = retrain(
                store, shelf, backend, tagger_rules.default(), use_starter=starter, on_progress=step
            )
        except ValueError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(2) from None
    fitted = result.fitted
    columns = {fitted.model.version: fitted.held_out}
    if result.before is not None:
        columns[result.before_version] = result.before
    out.print(
        _scores_table(
            f"Held-out themes ({fitted.held_out_examples} examples; trained on "
            f"{fitted.train_examples}, {result.reviews} reviewed passages in all)",
            columns,
        )
    )
    out.print(f"Trained in {fitted.seconds:.1f} s.")
    if not result.promoted:
        err.print(
            f"[yellow]Kept tagger {result.before_version}:[/] {escape(result.reason)}. "
            "The new version was not saved."
        )
        raise typer.Exit(1)
    out.print(f"[green]Tagger {fitted.model.version} is now current[/] ({result.reason}).")
    _retag(store, fitted.model)


@tagger_app.command("rollback")
def rollback_cmd(home: HomeOption = None) -> None:
    """Go back to the tagger version the current one replaced, and re-tag with it."""
    store = open_store(home)
    try:
        model = Shelf(store.home).rollback()
    except ModelError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    out.print(f"Tagger {model.version} is current again.")
    _retag(store, model)


@tagger_app.command("status")
def status_cmd(home: HomeOption = None) -> None:
    """The tagger versions of this data directory, with their held-out figures."""
    store = open_store(home)
    table = Table("", "version", "trained", "replaces", "micro-F1", "macro-F1", title="Taggers")
    for v in Shelf(store.home).versions():
        table.add_row(
            "[green]●[/]" if v.current else "",
            v.version,
            v.trained_at,
            v.replaces or "",
            f"{v.held_out.get('micro_f1', 0):.3f}",
            f"{v.held_out.get('macro_f1', 0):.3f}",
        )
    out.print(table)


@tagger_app.command("evaluate")
def evaluate_cmd(
    csv_path: Annotated[
        Path | None,
        typer.Option("--csv", help="Labelled CSV (id, text, themes) written by others."),
    ] = None,
    scored_themes: Annotated[
        str,
        typer.Option("--themes", help="Comma-separated themes the CSV's source can label."),
    ] = "children,labour,health,detention_return,justice,civic_space",
    keywords: Annotated[
        Path, typer.Option(help="The keyword baseline's patterns (YAML).")
    ] = DEFAULT_KEYWORDS,
    baseline: Annotated[Path, typer.Option(help="Recorded floors.")] = DEFAULT_BASELINE,
    check: CheckOption = False,
    update_baseline: UpdateBaselineOption = False,
    home: HomeOption = None,
) -> None:
    """Measure the current tagger beside a keyword baseline: on the starter set's held-out
    part, and on a CSV of text labelled by others (``--csv``)."""
    import yaml

    store = open_store(home)
    model = _current(store)
    backend = backend_or_exit()
    rules = tagger_rules.default()
    cache = VectorCache(Shelf(store.home).cache, backend)
    try:
        patterns = yaml.safe_load(keywords.read_text(encoding="utf-8"))["baseline"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise typer.BadParameter(f"{keywords}: {exc}", param_hint="--keywords") from None
    figures: floors.Figures = {}
    held = [e for e in starter_examples(labels_of(store)) if e.held_out]
    progress = progress_bar("Embedding")
    with progress:
        task = progress.add_task("", total=None)
        vectors = cache.vectors(
            [e.text for e in held],
            on_progress=lambda d, t: progress.update(task, completed=d, total=t),
        )
    themes_scores, outcome_scores = measure(model, held, vectors, rules)
    keyword_held = tagger_eval.keyword_predictions(patterns, [e.text for e in held])
    from evidencia.classify.metrics import score

    keyword_scores = score(model.themes, [e.labels for e in held], keyword_held)
    out.print(
        _scores_table(
            f"Starter set, held-out part ({len(held)} examples, 9+ languages): "
            f"tagger {model.version} vs keywords",
            {"tagger": themes_scores, "keywords": keyword_scores},
        )
    )
    out.print(f"Outcomes (held-out): micro-F1 {outcome_scores.micro_f1:.3f}")
    figures["held_out"] = {"micro_f1": themes_scores.micro_f1, "macro_f1": themes_scores.macro_f1}
    if csv_path is not None:
        try:
            rows = tagger_eval.read_csv(csv_path)
        except tagger_eval.EvaluationFileError as exc:
            raise typer.BadParameter(str(exc), param_hint="--csv") from None
        labels = [t.strip() for t in scored_themes.split(",") if t.strip()]
        texts = [r.text for r in rows]
        with progress:
            task = progress.add_task("", total=None)
            vectors = cache.vectors(
                texts, on_progress=lambda d, t: progress.update(task, completed=d, total=t)
            )
        mine = tagger_eval.scored(
            rows, tagger_eval.model_predictions(model, rules, texts, vectors), labels
        )
        hits = [rules.hits(t) for t in texts]
        tuned = cross_calibrated(model, rows, vectors, hits, labels)
        base = tagger_eval.scored(rows, tagger_eval.keyword_predictions(patterns, texts), labels)
        out.print(
            _scores_table(
                f"{csv_path.name} ({len(rows)} texts): tagger {model.version} as it is, "
                "calibrated to the file (cuts chosen on the other half), and keywords",
                {"tagger": mine, "calibrated": tuned, "keywords": base},
            )
        )
        figures["csv"] = {"micro_f1": mine.micro_f1, "macro_f1": mine.macro_f1}
        figures["csv_calibrated"] = {"micro_f1": tuned.micro_f1, "macro_f1": tuned.macro_f1}
    if update_baseline:
        recorded = {
            k: {m: round(max(0.0, v - FLOOR_MARGIN), 3) for m, v in f.items()}
            for k, f in figures.items()
        }
        baseline.write_text(json.dumps(recorded, indent=2) + "\n", encoding="utf-8")
        out.print(f"Floors written to {baseline}.")
        return
    if check:
        exit_if_below(floors.below(figures, baseline, DataFileError))


@tagger_app.command("calibrate")
def calibrate_cmd(
    csv_path: Annotated[
        Path, typer.Option("--csv", help="Text labelled the network's way (id, text, themes).")
    ],
    scored_themes: Annotated[
        str, typer.Option("--themes", help="Comma-separated themes the file labels.")
    ],
    home: HomeOption = None,
) -> None:
    """Choose the current tagger's cuts for some themes on a labelled file, and make that
    a new version (the model itself is unchanged; roll back to undo)."""
    store = open_store(home)
    shelf = Shelf(store.home)
    model = _current(store)
    backend = backend_or_exit()
    rules = tagger_rules.default()
    try:
        rows = tagger_eval.read_csv(csv_path)
    except tagger_eval.EvaluationFileError as exc:
        raise typer.BadParameter(str(exc), param_hint="--csv") from None
    labels = [t.strip() for t in scored_themes.split(",") if t.strip()]
    unknown = sorted(set(labels) - set(model.themes))
    if unknown or not labels:
        raise typer.BadParameter(f"not themes of the tagger: {', '.join(unknown) or '(none)'}")
    texts = [r.text for r in rows]
    vectors = VectorCache(shelf.cache, backend).vectors(texts)
    hits = [rules.hits(t) for t in texts]
    new = calibrated(model, rows, vectors, hits, labels)
    new.version = shelf.next_version()
    new.trained = {
        **model.trained,
        "replaces": shelf.current_version(),
        "calibrated_on": f"{csv_path.name} ({len(rows)} texts; {', '.join(labels)})",
    }
    shelf.promote(new)
    for theme in labels:
        out.print(
            f"{theme}: cut {model.thresholds.get(theme, 0.5):.2f} → {new.thresholds[theme]:.2f}, "
            f"with its keywords {model.cut(theme, {theme}):.2f} → {new.cut(theme, {theme}):.2f}"
        )
    out.print(f"[green]Tagger {new.version} is now current[/] (calibrated {model.version}).")
    _retag(store, new)


@app.command()
def classify(
    jsonl: Annotated[
        bool,
        typer.Option("--jsonl", help='Read {"id", "text"} lines on standard input.'),
    ] = False,
    home: HomeOption = None,
) -> None:
    """Tag texts from standard input with the current tagger, printing one JSON line each:
    {"id", "themes", "scores"}."""
    if not jsonl:
        raise typer.BadParameter("only --jsonl input is supported", param_hint="--jsonl")
    store = open_store(home)
    model = _current(store)
    backend = backend_or_exit()
    rules = tagger_rules.default()
    batch: list[tuple[object, str]] = []

    def flush() -> None:
        results = classify_texts(model, rules, backend, [text for _id, text in batch])
        for (ident, _text), (themes, scores) in zip(batch, results, strict=True):
            print(json.dumps({"id": ident, "themes": themes, "scores": scores}), flush=True)
        batch.clear()

    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = record["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            err.print(f"[red]error:[/] standard input line {number}: {escape(str(exc))}")
            raise typer.Exit(2) from None
        batch.append((record.get("id"), text))
        if len(batch) >= 64:
            flush()
    if batch:
        flush()


def _reviewer(store: Store, email: str | None) -> Viewer:
    """Who the decisions are recorded for: a user of this data directory, or the owner."""
    if email is None:
        return OWNER
    with store.session() as session:
        user = get_user(session, email)
        if user is None or not user.active:
            raise typer.BadParameter(f"no active user {email}", param_hint="--user")
        return Viewer(Role(user.role), user.organisation_id, user.id)


UserOption = Annotated[
    str | None, typer.Option("--user", help="Record the decision as this user's (an email).")
]


@review_app.command("list")
def review_list(
    theme: Annotated[
        list[str] | None, typer.Option("--theme", help="Tags of this theme or outcome.")
    ] = None,
    document: Annotated[int | None, typer.Option("--document", help="Of this document.")] = None,
    min_score: Annotated[float | None, typer.Option(min=0, max=1)] = None,
    max_score: Annotated[float | None, typer.Option(min=0, max=1)] = None,
    order: Annotated[str, typer.Option(help=f"One of {', '.join(ORDERS)}.")] = "doubtful",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
    home: HomeOption = None,
) -> None:
    """Suggestions waiting for a decision, least certain first."""
    store = open_store(home)
    with store.session() as session:
        try:
            items, total = queue(
                session,
                OWNER,
                keys=theme or (),
                document_id=document,
                min_score=min_score,
                max_score=max_score,
                order=order,  # type: ignore[arg-type]
                limit=limit,
            )
        except ReviewError as exc:
            raise typer.BadParameter(str(exc), param_hint="--order") from None
    if as_json:
        for item in items:
            print(json.dumps(item.__dict__, ensure_ascii=False))
        return
    shown = f", the first {len(items)}:" if items else "."
    out.print(f"[bold]{total} suggestion(s) to review[/]{shown}")
    for item in items:
        score = f"{item.score:.2f}" if item.score is not None else "none"
        where = " › ".join([item.document_title, *item.heading_path[-1:]])
        page = f", p. {item.page}" if item.page else ""
        out.print(
            f"\n[bold]passage {item.passage_id}[/] · [cyan]{item.key}[/] "
            f"[dim](score {score}, {escape(item.origin)})[/]\n"
            f"  [italic]{escape(where)}{page}[/]\n  {escape(item.text[:280])}"
        )
    if total:
        out.print("Decide with: evidencia review accept|reject PASSAGE TAG")


def _decide(
    passage: int, tags: list[str], decision: str, email: str | None, home: Path | None
) -> None:
    store = open_store(home)
    viewer = _reviewer(store, email)
    labels = labels_of(store)
    with store.session() as session, session.begin():
        for key in tags:
            try:
                decide(session, viewer, passage, key, decision, labels)
            except (ReviewError, LookupError, PermissionError) as exc:
                err.print(f"[red]error:[/] {escape(str(exc).strip(chr(39)))}")
                raise typer.Exit(2) from None
    out.print(f"Passage {passage}: {', '.join(tags)} {decision}.")


@review_app.command("accept")
def review_accept(
    passage: Annotated[int, typer.Argument(help="Passage id.")],
    tags: Annotated[list[str], typer.Argument(help="Theme or outcome ids.")],
    user: UserOption = None,
    home: HomeOption = None,
) -> None:
    """Accept tags of a passage (adding them if the tagger had not suggested them)."""
    _decide(passage, tags, "accepted", user, home)


@review_app.command("reject")
def review_reject(
    passage: Annotated[int, typer.Argument(help="Passage id.")],
    tags: Annotated[list[str], typer.Argument(help="Theme or outcome ids.")],
    user: UserOption = None,
    home: HomeOption = None,
) -> None:
    """Reject tags of a passage: they stay off it, whatever the tagger says later."""
    _decide(passage, tags, "rejected", user, home)

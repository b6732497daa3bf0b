"""``evidencia redact`` and ``evaluate-redaction``: redacting personal data from any text,
and measuring how well that is done on the labelled testimonies in ``eval/redact``."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from evidencia.cli.main import CheckOption, UpdateBaselineOption, app, err, exit_if_below, out
from evidencia.redact import KINDS, Finding, Pseudonyms, redact
from evidencia.redact.detect import warm
from evidencia.redact.evaluate import Evaluation, GoldError, below_baseline, evaluate
from evidencia.redact.evaluate import write_baseline as write_redaction_baseline

# passages are separated by blank lines; the separators are kept as they were
_PASSAGE_BREAK = re.compile(r"(\n[ \t]*\n\s*)")


class InputError(ValueError):
    """Standard input that is not text."""


def _read_stdin() -> str:
    raw = sys.stdin.buffer.read()
    if b"\x00" in raw:
        raise InputError("the input is binary (it holds NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the input is not UTF-8 text (byte {exc.start})") from None


def _language(passage: str, given: str | None) -> str | None:
    if given:
        return given
    from evidencia.ingest.language import detect  # loads fastText: only when needed

    return detect(passage)


@app.command("redact")
def redact_cmd(
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language of the text (ISO 639-1); detected if omitted."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with the findings.")] = False,
    stats: Annotated[
        bool, typer.Option("--stats", help="Report passages per second on standard error.")
    ] = False,
) -> None:
    """Read text on standard input; print it with personal data replaced by pseudonyms.

    Passages (separated by blank lines) are redacted in turn with one set of pseudonyms,
    so "[PERSON 1]" stays the same person throughout.
    """
    try:
        text = _read_stdin()
    except InputError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    loading = time.perf_counter()
    if stats:
        warm()
    loading = time.perf_counter() - loading
    names = Pseudonyms()
    pieces = _PASSAGE_BREAK.split(text)
    parts: list[str] = []
    findings: list[tuple[Finding, str]] = []
    languages: dict[str, int] = {}
    offset, passages = 0, 0
    began = time.perf_counter()
    for k, piece in enumerate(pieces):
        if k % 2 == 1 or not piece.strip():  # a separator, or nothing to redact
            parts.append(piece)
            offset += len(piece)
            continue
        passages += 1
        language = _language(piece, lang)
        if language:
            languages[language] = languages.get(language, 0) + len(piece)
        result = redact(piece, language, names)
        parts.append(result.text)
        for finding, label in zip(result.findings, result.labels, strict=True):
            shifted = Finding(
                finding.kind,
                finding.start + offset,
                finding.end + offset,
                finding.text,
                finding.rule,
                finding.sub,
            )
            findings.append((shifted, label))
        offset += len(piece)
    seconds = time.perf_counter() - began
    redacted = "".join(parts)
    if as_json:
        main = max(languages, key=lambda code: languages[code]) if languages else None
        print(
            json.dumps(
                {
                    "language": main,
                    "text": redacted,
                    "findings": [{**f.as_json(), "label": label} for f, label in findings],
                    "mapping": {k: list(v) for k, v in names.mapping.items()},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        sys.stdout.write(redacted)
        sys.stdout.flush()
    if stats:
        rate = passages / seconds if seconds else 0.0
        err.print(
            f"{passages} passage(s), {len(text)} characters, {len(findings)} finding(s) "
            f"in {seconds:.2f} s: {rate:.0f} passages/s (after {loading:.1f} s loading)"
        )


def _table(evaluation: Evaluation) -> Table:
    """One row per kind, one column per part of the test set: recall, then recall with the
    right kind ("typed"), then how many planted items."""
    sets = sorted(evaluation.sets, key=lambda s: (s != "tuned", s != "heldout", s))
    table = Table(title="Redaction: recall per kind and keep-precision", title_justify="left")
    table.add_column("kind", no_wrap=True)
    for name in sets:
        table.add_column(f"{name}\nrecall typed n", justify="right", no_wrap=True)
    for kind in KINDS:
        row: list[str] = [kind]
        for name in sets:
            score = evaluation.sets[name].kinds.get(kind)
            row.append(
                "-"
                if score is None
                else f"{score.recall:.3f} {score.typed_recall:.3f} {score.expected:>3}"
            )
        table.add_row(*row)
    row = ["[bold]all kinds[/]"]
    for name in sets:
        total = evaluation.sets[name].overall
        row.append(f"[bold]{total.recall:.3f}[/] {total.typed_recall:.3f} {total.expected:>3}")
    table.add_row(*row, end_section=True)
    row = ["[bold]keep-precision[/]"]
    for name in sets:
        result = evaluation.sets[name]
        row.append(
            f"[bold]{result.keep_precision:.3f}[/] {result.keep_kept:>5}/{result.keep_total}"
        )
    table.add_row(*row)
    return table


@app.command("evaluate-redaction")
def evaluate_redaction(
    gold: Annotated[Path, typer.Option(help="Folder of labelled testimonies (*.yaml).")] = Path(
        "eval/redact"
    ),
    baseline: Annotated[Path, typer.Option(help="Floors the figures must not fall under.")] = Path(
        "eval/redact-baseline.json"
    ),
    check: CheckOption = False,
    update: UpdateBaselineOption = False,
    misses: Annotated[
        bool, typer.Option("--misses", help="List what was missed or wrongly redacted.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with misses).")] = False,
) -> None:
    """Recall per kind of personal data and keep-precision on labelled testimonies."""
    files = sorted(gold.glob("*.yaml"))
    if not files:
        raise typer.BadParameter(f"no labelled files (*.yaml) in {gold}", param_hint="--gold")
    try:
        evaluation = evaluate(files)
        problems = below_baseline(evaluation, baseline) if check else []
    except GoldError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(evaluation.as_json(), ensure_ascii=False, indent=2))
    else:
        out.print(_table(evaluation))
        for name, result in sorted(evaluation.sets.items()):
            rate = result.items / result.seconds if result.seconds else 0.0
            out.print(
                f"{name}: {result.items} texts in {len(result.languages)} languages "
                f"({', '.join(sorted(result.languages))}), {rate:.0f} texts/s"
            )
        if misses:
            for miss in evaluation.misses:
                out.print(
                    f"  {miss.set} {miss.item} {miss.kind} {escape(repr(miss.text))}: "
                    f"{escape(miss.what)}"
                )
    if update:
        write_redaction_baseline(evaluation, baseline)
        err.print(f"Baseline written to {baseline}.")
    exit_if_below(problems)

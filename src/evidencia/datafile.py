"""Reading the project's YAML data files (strategy framework, standards catalogue) into
validated models, with errors people can act on: the file, the line for YAML mistakes, and
the node by its id for schema mistakes, because people edit these files by id."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class DataFileError(ValueError):
    """A data file that cannot be used, naming the file and what is wrong where."""


def _where(raw: object, loc: Sequence[int | str]) -> str:
    """A validation error's location, naming list items by their id where they have one:
    ``areas[area.inclusion].themes[children].objectives[0].title``."""
    out = ""
    node = raw
    for key in loc:
        if isinstance(key, int):
            label = str(key)
            if isinstance(node, list) and 0 <= key < len(node):
                node = node[key]
                if isinstance(node, dict):
                    ident = node.get("id", node.get("theme"))
                    if isinstance(ident, str) and ident:
                        label = ident
            else:
                node = None
            out += f"[{label}]"
        else:
            node = node.get(key) if isinstance(node, dict) else None
            out += f".{key}" if out else key
    return out


def _problem(raw: object, loc: Sequence[int | str], msg: str) -> str:
    where = _where(raw, loc)
    msg = msg.removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def parse(text: str, source: str, model: type[Model], error: type[DataFileError]) -> Model:
    """Validate YAML ``text`` as ``model``; ``source`` names it in the ``error`` raised."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{where}: not valid YAML: {problem}") from exc
    if raw is None:
        raise error(f"{source}: empty file, expected a mapping")
    if not isinstance(raw, dict):
        raise error(f"{source}: expected a mapping at the top, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_problem(raw, e["loc"], e["msg"]) for e in exc.errors())
        raise error(f"{source}: {problems}") from None


def load_file(path: Path, model: type[Model], error: type[DataFileError]) -> Model:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from exc
    return parse(text, str(path), model, error)

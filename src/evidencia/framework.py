"""The strategy framework a network works to: goal, priorities, change areas, themes,
objectives and outcomes, read from a YAML file and validated.

The framework is data, not code: another network swaps the file (``evidencia framework
load FILE``) and tagging, tracking and reports follow its ids. Ids are stable because
evidence is filed under them; titles and descriptions may be reworded freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from rich.text import Text
from rich.tree import Tree

from evidencia import datafile
from evidencia.datafile import DataFileError

NODE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
DEFAULT_FRAMEWORK = "picum-2021-2025.yaml"


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=NODE_ID)
    title: str = Field(min_length=3)
    description: str = ""


class Outcome(_Node):
    """A change expected after the strategy's period: the unit evidence is tracked against."""


class Objective(_Node):
    outcomes: list[Outcome] = Field(min_length=1)


class ThemeInArea(BaseModel):
    """A theme's objectives within one change area (a theme may appear in several areas)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: str = Field(pattern=NODE_ID)
    objectives: list[Objective] = Field(min_length=1)


class Area(_Node):
    """A strategic change area."""

    themes: list[ThemeInArea] = Field(min_length=1)


Keyword = Annotated[str, Field(min_length=2)]


class Theme(_Node):
    """A thematic area with a stable id, used as a filter and a tag across the system.

    ``keywords`` (any languages) seed search and tagging for the theme.
    """

    keywords: list[Keyword] = Field(default_factory=list)


class Priority(_Node):
    """A cross-cutting priority: applies to all themes."""


NodeKind = Literal["framework", "goal", "priority", "area", "theme", "objective", "outcome"]


class Framework(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str = Field(min_length=3)
    source: str = ""
    goal: str = Field(min_length=3)
    vision: str = ""
    mission: str = ""
    themes: list[Theme] = Field(min_length=1)
    priorities: list[Priority] = Field(default_factory=list)
    areas: list[Area] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_resolve(self) -> Framework:
        theme_ids = {t.id for t in self.themes}
        seen: set[str] = set()
        for node_id, _kind, _node in self.walk():
            if node_id in seen:
                raise ValueError(f"duplicate id {node_id!r}")
            seen.add(node_id)
        for area in self.areas:
            named: set[str] = set()
            for block in area.themes:
                if block.theme not in theme_ids:
                    raise ValueError(f"area {area.id!r} names unknown theme {block.theme!r}")
                if block.theme in named:
                    raise ValueError(f"area {area.id!r} lists theme {block.theme!r} twice")
                named.add(block.theme)
        return self

    def walk(self) -> Iterator[tuple[str, NodeKind, _Node]]:
        """Every node with an id, parents before children (themes and priorities first)."""
        for theme in self.themes:
            yield theme.id, "theme", theme
        for priority in self.priorities:
            yield priority.id, "priority", priority
        for area in self.areas:
            yield area.id, "area", area
            for block in area.themes:
                for objective in block.objectives:
                    yield objective.id, "objective", objective
                    for outcome in objective.outcomes:
                        yield outcome.id, "outcome", outcome

    def objectives(self) -> Iterator[tuple[Area, str, Objective]]:
        """(area, theme id, objective) for every objective."""
        for area in self.areas:
            for block in area.themes:
                for objective in block.objectives:
                    yield area, block.theme, objective

    def outcomes(self) -> Iterator[tuple[str, Objective, Outcome]]:
        """(theme id, objective, outcome) for every outcome."""
        for _area, theme, objective in self.objectives():
            for outcome in objective.outcomes:
                yield theme, objective, outcome


class FrameworkError(DataFileError):
    """A framework file that cannot be used, with the file and the reason."""


def parse(text: str, source: str) -> Framework:
    """Validate a framework from YAML ``text``; ``source`` names it in errors."""
    return datafile.parse(text, source, Framework, FrameworkError)


def load_file(path: Path) -> Framework:
    """Read and validate a framework YAML file."""
    return datafile.load_file(path, Framework, FrameworkError)


def default() -> Framework:
    """The framework shipped with the package: the first user's strategy."""
    resource = files("evidencia.data").joinpath("framework", DEFAULT_FRAMEWORK)
    source = f"evidencia/data/framework/{DEFAULT_FRAMEWORK}"
    return parse(resource.read_text(encoding="utf-8"), source)


def counts(framework: Framework) -> dict[str, int]:
    """How many themes, priorities, areas, objectives and outcomes ``framework`` has."""
    return {
        "themes": len(framework.themes),
        "priorities": len(framework.priorities),
        "areas": len(framework.areas),
        "objectives": sum(1 for _ in framework.objectives()),
        "outcomes": sum(1 for _ in framework.outcomes()),
    }


# Styles for the terminal tree: one colour per level, ids dimmed so titles read first.
_ID = "dim"
_SECTION = "bold"
_AREA = "bold magenta"
_THEME = "bold cyan"
_OBJECTIVE = "green"
_PRIORITY = "yellow"


def _label(node_id: str, title: str, style: str, prefix: str = "") -> Text:
    return Text.assemble(prefix, (title, style), "  ", (node_id, _ID))


def _with_description(label: Text, description: str) -> Text:
    if description:
        label.append("\n")
        label.append(description, style="dim italic")
    return label


def tree(framework: Framework, *, descriptions: bool = False) -> Tree:
    """The whole framework as a rich tree: goal, vision, mission, themes, priorities, then
    areas -> themes -> objectives -> outcomes, each with its id. ``descriptions`` adds the
    description under each objective and outcome."""
    root = Tree(_label(framework.id, framework.title, "bold underline"), guide_style="dim")
    for name, text in (
        ("Goal", framework.goal),
        ("Vision", framework.vision),
        ("Mission", framework.mission),
    ):
        if text:
            root.add(Text.assemble((f"{name}: ", _SECTION), text))
    if framework.source:
        root.add(Text.assemble(("Source: ", _SECTION), (framework.source, "italic")))

    themes = root.add(Text(f"Themes ({len(framework.themes)})", style=_SECTION))
    for theme in framework.themes:
        label = _label(theme.id, theme.title, _THEME)
        if theme.keywords:
            label.append(f"  {len(theme.keywords)} keywords", style="dim italic")
        themes.add(label)

    if framework.priorities:
        priorities = root.add(
            Text(f"Cross-cutting priorities ({len(framework.priorities)})", style=_SECTION)
        )
        for priority in framework.priorities:
            priorities.add(_label(priority.id, priority.title, _PRIORITY))

    titles = {theme.id: theme.title for theme in framework.themes}
    areas = root.add(Text(f"Change areas ({len(framework.areas)})", style=_SECTION))
    for number, area in enumerate(framework.areas, start=1):
        area_branch = areas.add(_label(area.id, area.title, _AREA, prefix=f"{number}. "))
        for block in area.themes:
            theme_branch = area_branch.add(_label(block.theme, titles[block.theme], _THEME))
            for objective in block.objectives:
                objective_branch = theme_branch.add(
                    _with_description(
                        _label(objective.id, objective.title, _OBJECTIVE),
                        objective.description if descriptions else "",
                    )
                )
                for outcome in objective.outcomes:
                    objective_branch.add(
                        _with_description(
                            Text.assemble((outcome.id, "cyan"), "  ", outcome.title),
                            outcome.description if descriptions else "",
                        )
                    )
    return root

"""The strategy framework a data directory works to: loading one, and reading the active one.

The YAML is kept as loaded (so ``framework show`` prints what was loaded, not a re-export)
and its nodes are flattened into ``framework_node`` so tags and reports can join on ids.
Until a network loads its own, the packaged default is active.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from evidencia import framework as fw
from evidencia.store.schema import FrameworkNode, FrameworkRecord


def _parent_ids(framework: fw.Framework) -> dict[str, tuple[str | None, str | None]]:
    """node id -> (parent id, theme id)."""
    links: dict[str, tuple[str | None, str | None]] = {}
    for theme in framework.themes:
        links[theme.id] = (None, theme.id)
    for priority in framework.priorities:
        links[priority.id] = (None, None)
    for area, theme_id, objective in framework.objectives():
        links.setdefault(area.id, (None, None))
        links[objective.id] = (area.id, theme_id)
        for outcome in objective.outcomes:
            links[outcome.id] = (objective.id, theme_id)
    return links


def load(session: Session, framework: fw.Framework, content: str, source: str) -> None:
    """Store ``framework`` (replacing one with the same id) and make it the active one."""
    session.execute(delete(FrameworkRecord).where(FrameworkRecord.id == framework.id))
    session.execute(update(FrameworkRecord).values(active=False))
    session.add(
        FrameworkRecord(
            id=framework.id, title=framework.title, source=source, content=content, active=True
        )
    )
    session.flush()
    links = _parent_ids(framework)
    session.add_all(
        FrameworkNode(
            framework_id=framework.id,
            id=node_id,
            kind=kind,
            parent_id=links[node_id][0],
            theme=links[node_id][1],
            title=node.title,
            description=node.description,
            order=order,
        )
        for order, (node_id, kind, node) in enumerate(framework.walk())
    )


def active(session: Session) -> fw.Framework:
    """The framework loaded last, or the packaged default when none was loaded."""
    record = session.scalar(select(FrameworkRecord).where(FrameworkRecord.active.is_(True)))
    if record is None:
        return fw.default()
    return fw.parse(record.content, record.source)

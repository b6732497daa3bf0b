"""Quality floors: measured figures held to the ones recorded in a baseline file, so that a
change which makes an enricher or a search mode worse fails ``make test`` visibly."""

from __future__ import annotations

import json
from pathlib import Path

#: a measured figure may fall this far below its floor before the gate fails (float noise)
TOLERANCE = 1e-9

Figures = dict[str, dict[str, float]]


def below(measured: Figures, baseline: Path, error: type[Exception] = ValueError) -> list[str]:
    """Every recorded floor the ``measured`` figures fell under, as a readable line;
    ``error`` is raised, naming the file, when the baseline cannot be read."""
    try:
        floors: Figures = json.loads(baseline.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise error(f"{baseline}: cannot read the baseline: {exc}") from exc
    problems = []
    for metric, figures in sorted(floors.items()):
        if metric not in measured:
            problems.append(f"{metric}: no longer measured")
            continue
        for name, floor in figures.items():
            value = measured[metric].get(name, 0.0)
            if value + TOLERANCE < floor:
                problems.append(f"{metric} {name} {value:.4f} is below its floor {floor:.4f}")
    return problems

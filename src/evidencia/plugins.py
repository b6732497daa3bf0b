"""Named components (enrichers, embedding backends...): the built-in ones plus those other
packages declare as entry points, resolved lazily so that listing names imports nothing."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any


def available(group: str, builtins: Mapping[str, str]) -> dict[str, str]:
    """name -> "module:attribute" for the built-ins and the entry points of ``group``
    (an installed plug-in may replace a built-in by using its name)."""
    return {**builtins, **{ep.name: ep.value for ep in entry_points(group=group)}}


def instantiate(target: str) -> Any:
    """Import "module:Class" and make one."""
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)()

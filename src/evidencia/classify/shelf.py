"""Tagger versions in a data directory: the current one, the ones before it, and rollback.

Models live in ``<home>/tagger/models/<version>/``; ``<home>/tagger/current`` names the
one in use. A data directory that never trained uses the model shipped in the package,
trained on the starter set. A retrain that is not worse becomes current and records which
version it replaced, so ``evidencia tagger rollback`` can always go back one step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from evidencia.classify.model import MANIFEST, ModelError, TaggerModel
from evidencia.config import Home

DEFAULT_PACKAGE_FOLDER = ("tagger", "default")


def packaged_default() -> TaggerModel:
    """The tagger shipped with Evidencia (trained on the starter set by
    ``tools/train_default_tagger.py``)."""
    return TaggerModel.load(files("evidencia.data").joinpath(*DEFAULT_PACKAGE_FOLDER))


@dataclass(frozen=True)
class Version:
    version: str
    trained_at: str
    replaces: str | None
    held_out: dict[str, Any]
    current: bool


class Shelf:
    def __init__(self, home: Home) -> None:
        self.root = home.root / "tagger"
        self.models = self.root / "models"
        self.pointer = self.root / "current"
        self.cache = self.root / "cache"

    def current_version(self) -> str | None:
        """The trained version in use, or None when the packaged default is."""
        if not self.pointer.exists():
            return None
        name = self.pointer.read_text(encoding="utf-8").strip()
        return name or None

    def current(self) -> TaggerModel:
        """The model in use."""
        name = self.current_version()
        return self.load(name) if name else packaged_default()

    def load(self, version: str) -> TaggerModel:
        folder = self.models / version
        if not (folder / MANIFEST).exists():
            raise ModelError(f"no tagger version {version!r} in {self.models}")
        return TaggerModel.load(folder)

    def next_version(self) -> str:
        numbers = [
            int(m.group(1))
            for p in (self.models.iterdir() if self.models.exists() else [])
            if (m := re.fullmatch(r"v(\d+)", p.name))
        ]
        return f"v{max(numbers, default=0) + 1:04d}"

    def promote(self, model: TaggerModel) -> None:
        """Save ``model`` and make it current (the pointer is replaced atomically)."""
        model.save(self.models / model.version)
        self._point(model.version)

    def rollback(self) -> TaggerModel:
        """Make the version the current one replaced current again."""
        name = self.current_version()
        if name is None:
            raise ModelError("the packaged default tagger is in use: nothing to roll back")
        replaced = self.load(name).trained.get("replaces")
        if replaced and (self.models / replaced / MANIFEST).exists():
            self._point(replaced)
        else:
            self.pointer.unlink()
        return self.current()

    def versions(self) -> list[Version]:
        """Every trained version, newest first, and the packaged default last."""
        current = self.current_version()
        out = []
        folders = sorted(self.models.iterdir(), reverse=True) if self.models.exists() else []
        for folder in folders:
            if (folder / MANIFEST).exists():
                manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
                out.append(self._version(manifest, manifest["version"] == current))
        default = packaged_default()
        out.append(
            Version(
                default.version,
                str(default.trained.get("at", "")),
                None,
                default.metrics.get("held_out_themes", {}),
                current is None,
            )
        )
        return out

    @staticmethod
    def _version(manifest: dict[str, Any], current: bool) -> Version:
        trained = manifest.get("trained", {})
        return Version(
            manifest["version"],
            str(trained.get("at", "")),
            trained.get("replaces"),
            manifest.get("metrics", {}).get("held_out_themes", {}),
            current,
        )

    def _point(self, version: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.pointer.with_name("current.partial")
        partial.write_text(version + "\n", encoding="utf-8")
        partial.replace(self.pointer)

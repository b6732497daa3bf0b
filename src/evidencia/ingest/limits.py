"""Per-file resource limits, so one hostile file cannot stall or exhaust an ingest run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Budgets for reading one file. All are configurable from the CLI and environment."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_seconds: float = 120.0
    max_memory_bytes: int = 2 * 1024 * 1024 * 1024
    max_pages: int = 5_000
    max_unpacked_bytes: int = 512 * 1024 * 1024
    max_text_chars: int = 50_000_000

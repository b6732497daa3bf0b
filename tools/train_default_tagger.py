"""Train the tagger shipped in the package from the starter set (run after changing the
starter set, the rules or the framework; a test fails while the shipped model is stale).

    .venv/bin/python tools/train_default_tagger.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from rich.console import Console

from evidencia import framework
from evidencia.classify import rules as tagger_rules
from evidencia.classify.examples import VectorCache, starter_digest, starter_examples
from evidencia.classify.labels import framework_labels
from evidencia.classify.train import fit
from evidencia.embed import registry

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "evidencia" / "data" / "tagger" / "default"
CACHE = ROOT / "var" / "cache" / "tagger"


def main() -> int:
    console = Console()
    labels = framework_labels(framework.default())
    rules = tagger_rules.default()
    backend = registry.get()
    cache = VectorCache(CACHE, backend)
    examples = starter_examples(labels)
    with console.status(f"embedding {len(examples)} starter examples"):
        vectors = cache.vectors([e.text for e in examples])
        prototypes = cache.vectors([label.prototype for label in labels])
    digest = starter_digest()
    fitted = fit(
        labels,
        rules,
        examples,
        vectors,
        prototypes,
        embedder=backend.name,
        version="default",
        trained={"starter": digest, "reviews": 0},
    )
    # the version names the content, so a stored tag says exactly which model made it
    fitted.model.version = f"default-{fitted.model.digest()[:8]}"
    if TARGET.exists():
        shutil.rmtree(TARGET)
    fitted.model.save(TARGET)
    console.print(
        f"tagger {fitted.model.version}: held-out themes micro-F1 "
        f"{fitted.held_out.micro_f1:.3f}, macro-F1 {fitted.held_out.macro_f1:.3f} "
        f"({fitted.held_out_examples} examples); written to {TARGET.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

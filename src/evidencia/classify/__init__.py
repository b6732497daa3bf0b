"""Tagging passages with the strategy's themes and outcomes, and learning from reviews.

The flow, one module each:

- :mod:`.labels`: what can be tagged (the framework's themes and outcomes) and how each is
  described to the model (its prototype text);
- :mod:`.rules`: multilingual keyword rules, read from ``data/tagger/rules.yaml``;
- :mod:`.model`: a trained tagger (prototypes, a linear head per label, thresholds) saved as
  plain arrays, and what it predicts;
- :mod:`.examples`: labelled examples: the shipped starter set and people's reviews;
- :mod:`.train`: fitting, choosing thresholds on held-out data, and the not-worse gate;
- :mod:`.shelf`: trained versions in the data directory, the current one and rollback;
- :mod:`.tagging`: tagging stored passages, with people's decisions always kept;
- :mod:`.review`: the review queue and decisions;
- :mod:`.evaluate`: per-label precision, recall and F1 against a keyword baseline.
"""

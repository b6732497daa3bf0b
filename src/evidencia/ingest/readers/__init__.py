"""One reader per format; ``ingest.registry`` lists them, ``base.Reader`` is the contract."""

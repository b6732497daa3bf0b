"""One reader per format. ``registry.readers()`` lists them; see ``base.Reader`` for the contract."""

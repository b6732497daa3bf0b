"""Ingest: files in, passages out. ``pipeline.ingest_paths`` is the entry point."""

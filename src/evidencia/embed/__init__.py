"""Embeddings: passages and queries as vectors, for search by meaning across languages."""

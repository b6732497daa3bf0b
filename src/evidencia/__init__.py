"""Evidencia: a citable, searchable evidence base for migrants' rights networks."""

__version__ = "0.1.0"

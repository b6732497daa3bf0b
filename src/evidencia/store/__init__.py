"""Store: the database (SQLite by default) and the content-addressed originals beside it."""

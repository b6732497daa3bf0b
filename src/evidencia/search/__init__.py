"""Search: find passages and cite them (document, page, passage)."""

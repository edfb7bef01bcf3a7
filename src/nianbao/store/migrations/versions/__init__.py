"""Alembic revisions of the store schema (a package, so it ships in a wheel)."""

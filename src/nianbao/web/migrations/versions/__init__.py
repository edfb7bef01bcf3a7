"""The web tables' migrations (alembic skips this file)."""

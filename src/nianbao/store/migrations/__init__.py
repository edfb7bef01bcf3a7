"""Alembic migrations, bundled with the package; `Store()` upgrades on open.

Add a migration with
    alembic -x url=sqlite:///dev.db -c /dev/null revision -m "..."   (or copy the newest file)
then set HEAD below to its revision (a test checks that HEAD is the newest revision)."""

HEAD = "0006_search_expression"

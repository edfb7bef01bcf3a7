"""Alembic migrations of the web application's tables, bundled with the package.

They are tracked in their own version table (`web_alembic_version`), apart from the
store's `alembic_version`: the store migrates its tables when `Store()` opens a database,
and `web.db.open_store` then migrates these.  Add a migration by copying the newest file
in `versions/` (next revision id, `down_revision` = the previous one) and set HEAD below
(a test checks that HEAD is the newest revision and that the migrations build exactly
`web.schema`)."""

HEAD = "w0003"
VERSION_TABLE = "web_alembic_version"

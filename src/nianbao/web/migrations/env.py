"""Alembic environment of the web tables: the connection is handed over by
`nianbao.web.db.upgrade`; the version is kept in `web_alembic_version`."""
from __future__ import annotations

from alembic import context

from nianbao.web.migrations import VERSION_TABLE
from nianbao.web.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()

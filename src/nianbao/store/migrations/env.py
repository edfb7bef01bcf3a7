"""Alembic environment: the connection is handed over by `nianbao.store.db.upgrade`."""
from __future__ import annotations

from alembic import context

from nianbao.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - run by hand: alembic -x url=...
    from nianbao.store.db import create

    url = context.get_x_argument(as_dictionary=True).get("url")
    with create(url).connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()

"""Alembic's entry: migrations run on the connection ``bridge.store.migrate`` hands over
(already holding the migration lock), with the store's tables as the target."""

from alembic import context

from bridge.store import schema

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=schema.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()

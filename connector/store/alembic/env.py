"""Alembic environment: the connection comes from connector.store.db (render_as_batch for SQLite)."""

from alembic import context

from connector.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through connector.store.db
    raise RuntimeError("run migrations through `qualiopi-sync migrate`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: always run with a connection handed in by storage.migrate."""

from alembic import context

from storage import models  # noqa: F401  (registers the tables on Base.metadata)
from storage.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `anlaufstelle db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def insert_ignoring_duplicates(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING in the session's dialect."""
    name = session.get_bind().dialect.name
    module = postgresql if name == "postgresql" else sqlite
    statement: Insert = module.insert(table).values(rows).on_conflict_do_nothing()
    return statement

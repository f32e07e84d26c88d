"""Alembic migrations, run from code: at start-up and by `anlaufstelle db upgrade|downgrade|current`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration, so that a start with an up-to-date database neither imports Alembic nor reads the
# migration scripts (a tenth of a second or more of the start; benchmarks/). A test keeps it equal to Alembic's head.
# For the same reason, Alembic is imported only inside the functions that use it.
HEAD = "0009"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    if revision == "head" and await _recorded_revision(engine) == HEAD:
        return
    from alembic import command

    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def _recorded_revision(engine: AsyncEngine) -> str | None:
    """The revision in Alembic's own table, read without Alembic; None when there is none yet."""
    try:
        async with engine.connect() as conn:
            recorded = await conn.scalar(text("SELECT version_num FROM alembic_version"))
            return str(recorded) if recorded is not None else None
    except DBAPIError:  # no table yet: a new database
        return None


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def all_revisions() -> list[str]:
    """Every revision from the first to head, in order (for the stairway test)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]

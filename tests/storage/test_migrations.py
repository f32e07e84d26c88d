"""The stairway: every migration upgrades, downgrades and upgrades again; the models match the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import migrate
from storage.engine import create_engine
from storage.models import Base


async def test_stairway_up_down_up_every_revision(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    revisions = migrate.all_revisions()
    assert revisions, "no migrations found"
    previous = "base"
    for revision in revisions:
        await migrate.upgrade(engine, revision)
        await migrate.downgrade(engine, previous)
        await migrate.upgrade(engine, revision)
        assert await migrate.current_revision(engine) == revision
        previous = revision
    await engine.dispose()


async def test_a_start_upgrades_a_database_that_is_behind_and_leaves_one_at_head(empty_database_url: str) -> None:
    """A start skips Alembic when the database is at migrate.HEAD: HEAD must be Alembic's head, and a database one
    step behind is still brought up."""
    assert migrate.head_revision() == migrate.HEAD
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine)  # a new database
        assert await migrate.current_revision(engine) == migrate.HEAD
        await migrate.downgrade(engine, "-1")
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.HEAD
        await migrate.upgrade(engine)  # at head: nothing to do
        assert await migrate.current_revision(engine) == migrate.HEAD
    finally:
        await engine.dispose()


async def test_models_match_the_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    assert diff == []

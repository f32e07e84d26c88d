"""Shared fixtures: a fresh migrated database per test (SQLite, or PostgreSQL when ANLAUFSTELLE_TEST_DB is a URL),
the Bot API emulator, and the bot running in-process against both."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator, EmulatorConfig
from storage import migrate
from storage.engine import create_engine

TEST_DB = os.environ.get("ANLAUFSTELLE_TEST_DB", "sqlite")
SECRET = "test-secret-key-" + "x" * 32
TOKEN = "123456789:TEST-token-for-the-sandbox-only"
STAFF_GROUP_TITLE = "Team Anlaufstelle"


def pytest_report_header() -> str:
    return f"database: {'SQLite' if TEST_DB == 'sqlite' else 'PostgreSQL'}"


def _migrate(url: str) -> None:
    async def go() -> None:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()

    asyncio.run(go())


async def _pg_admin(sql: str) -> None:
    import asyncpg

    url = make_url(TEST_DB)
    conn = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per session; each test gets a copy of it."""
    if TEST_DB == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        _migrate(f"sqlite+aiosqlite:///{path}")
        yield str(path)
        return
    name = f"tmpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    _migrate(make_url(TEST_DB).set(database=name).render_as_string(hide_password=False))
    yield name
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if TEST_DB == "sqlite":
        copy = tmp_path / "anlaufstelle.db"
        shutil.copyfile(migrated_template, copy)
        yield f"sqlite+aiosqlite:///{copy}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"'))
    yield make_url(TEST_DB).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (for the migration tests)."""
    if TEST_DB == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"e_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DB).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(EmulatorConfig(token=TOKEN, bot_username="anlaufstelle_test_bot"))
    await emu.start(host="127.0.0.1", port=0)
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def staff_group(emulator: Emulator):  # type: ignore[no-untyped-def]
    return emulator.add_forum_group(title=STAFF_GROUP_TITLE)


def make_settings(emu: Emulator, database_url: str, var_dir: Path, staff_chat_id: int | None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        telegram_api_url=emu.api_url,
        staff_chat_id=staff_chat_id,
        database_url=database_url,
        secret_key=SECRET,  # type: ignore[arg-type]
        var_dir=var_dir,
        poll_timeout_seconds=5,
    )


@pytest.fixture
def settings(emulator: Emulator, database_url: str, tmp_path: Path, staff_group) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(emulator, database_url, tmp_path / "var", staff_group.id)


@pytest.fixture
async def bot(settings: Settings, emulator: Emulator) -> AsyncIterator[BotRuntime]:
    """The bot running in this process against the emulator. Afterwards: it sent nothing Telegram would refuse."""
    async with BotRuntime(settings) as runtime:
        yield runtime
    refused = [c for c in emulator.errors() if c.status == 400]
    assert not refused, f"the bot made requests Telegram would refuse: {[(c.method, c.description) for c in refused]}"


STAFF_NAME = "Sam"


@pytest.fixture
async def worker(emulator: Emulator, staff_group, database_url: str):  # type: ignore[no-untyped-def]
    """A social worker: a member of the staff group and of the team (role worker), shown as "Sam"."""
    return await add_team_member(emulator, staff_group, database_url, "Sam Worker", STAFF_NAME, "worker")


async def add_team_member(emulator: Emulator, group, database_url: str, first_name: str, display: str, role: str):  # type: ignore[no-untyped-def]
    from storage import staff
    from storage.engine import session_factory

    user = emulator.add_user(first_name=first_name, language_code="de")
    group.add_member(user, status="administrator" if role == "admin" else "member")
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        await staff.add(session, user.id, display, role)
    await engine.dispose()
    return user

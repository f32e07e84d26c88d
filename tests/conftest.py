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
from telegram.ext import JobQueue

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator, EmulatorConfig
from storage import migrate
from storage.engine import create_engine

TEST_DB = os.environ.get("ANLAUFSTELLE_TEST_DB", "sqlite")
SECRET = "test-secret-key-" + "x" * 32
TOKEN = "123456789:TEST-token-for-the-sandbox-only"
STAFF_GROUP_TITLE = "Team Anlaufstelle"


DATABASE_FIXTURES = {"migrated_template", "empty_database_url"}


def pytest_report_header() -> str:
    return f"database: {'SQLite' if TEST_DB == 'sqlite' else 'PostgreSQL'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs only the tests that use a database; the others ran in the SQLite pass already."""
    if TEST_DB == "sqlite":
        return
    keep = [item for item in items if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


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


@pytest.fixture(autouse=True)
def jobs_held(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a test on a fake clock (a ``clock`` fixture), the job queue starts paused, before any job is added:
    APScheduler runs on the real clock, and a job whose real time has passed would run at once, at a moment the
    test did not choose (the test fires jobs itself, with run_due or Job.run)."""
    if "clock" not in request.fixturenames:
        return

    async def start_paused(self: JobQueue) -> None:  # type: ignore[type-arg]
        if not self.scheduler.running:
            self.scheduler.start(paused=True)

    monkeypatch.setattr(JobQueue, "start", start_paused)


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
        office_hours="",  # never "closed" on the real clock; the office-hours tests set hours and a FakeClock
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


# -- Fixtures added for the handoff tests (tests/e2e/test_handoff_*.py). They are fixtures rather than names to
# import: `from conftest import …` in a test module finds whichever conftest.py pytest imported last.


@pytest.fixture
def team_member(emulator: Emulator, staff_group, database_url: str):  # type: ignore[no-untyped-def]
    """Adds someone to the staff group and the team: ``alex = await team_member("Alex Private", "Alex")``."""

    async def add(first_name: str, display: str, role: str = "worker"):  # type: ignore[no-untyped-def]
        return await add_team_member(emulator, staff_group, database_url, first_name, display, role)

    return add


@pytest.fixture
def bot_env(emulator: Emulator, database_url: str, tmp_path: Path, staff_group) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The environment for the bot as a process of its own (`python -m bot …`) against this test's emulator and
    database, with the same secret key as the in-process bot."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV")}
    return {
        **keep,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "STAFF_CHAT_ID": str(staff_group.id),
        "VAR_DIR": str(tmp_path / "var"),
        "POLL_TIMEOUT_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
        "OFFICE_HOURS": "",  # never "closed" on the real clock
    }


@pytest.fixture
async def never_forwards(emulator: Emulator) -> AsyncIterator[None]:
    """Afterwards: the bot never forwarded anything (a forward shows the young person's account to the team)."""
    yield
    forwards = [(c.method, c.params) for c in emulator.calls if c.method.lower().startswith("forwardmessage")]
    assert not forwards, f"the bot forwarded: {forwards}"

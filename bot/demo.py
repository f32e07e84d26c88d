"""`anlaufstelle run` without a token: the whole thing on this machine, with no Telegram account.

One process: the Bot API emulator (``sandbox``) on a free loopback port, a staff forum group with a demo team
(Sam a social worker, Alex the coordinator, Kim an admin), the tour plan for the county of Peine, the real
bot (BotRuntime) pointed at the emulator, and the local chat page on http://127.0.0.1:8080/.

Its data stays apart from a real deployment, in ``VAR_DIR/sandbox/``: its own SQLite database and secret key
(never DATABASE_URL or SECRET_KEY), and on a clean stop the emulated world (``emulator.json``), so that a
restart finds both as they were. The saved world is taken at start: if the process dies, the database is
ahead of any saved world, and the next start resets both and says so.

Only this module imports ``sandbox``, and only the demo imports this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import shutil
import signal
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from bot.settings import ConfigError, Settings, resolve_secret_key

if TYPE_CHECKING:
    from aiohttp.web import AppRunner

    from bot.runtime import BotRuntime
    from sandbox import Emulator

log = logging.getLogger(__name__)

TOKEN = "1000000001:anlaufstelle-demo-sandbox-only"  # noqa: S105 - only the local emulator accepts it
TEAM = (("Sam", "worker"), ("Alex", "coordinator"), ("Kim", "admin"))
STAFF_GROUP = "Team Anlaufstelle"
FIRST_YOUNG_PERSON = ("Lena", "de")
TOUR_PLAN = Path(__file__).resolve().parents[1] / "tour.example.yaml"


@dataclass(frozen=True)
class DemoPaths:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "anlaufstelle.db"

    @property
    def world(self) -> Path:
        return self.root / "emulator.json"

    def remove_database(self) -> None:
        for name in ("anlaufstelle.db", "anlaufstelle.db-wal", "anlaufstelle.db-shm", "anlaufstelle.db-journal"):
            (self.root / name).unlink(missing_ok=True)


class Demo:
    """``async with Demo(settings, port=0) as demo:`` — ``demo.url`` is the page, ``demo.emulator`` the world."""

    def __init__(self, settings: Settings, *, port: int = 8080, reset: bool = False, host: str = "127.0.0.1") -> None:
        self.settings = settings
        self.paths = DemoPaths(settings.var_dir / "sandbox")
        self.host, self.port, self.reset = host, port, reset
        self.notes: list[str] = []  # what the start has to say (printed by the CLI)
        self.emulator: Emulator | None = None
        self.runtime: BotRuntime | None = None
        self.bot_settings: Settings | None = None
        self.staff_chat_id = 0
        self.coordinator_id = 0
        self.writer_id = 0  # who writes in the staff group when the page opens: Sam
        self.url = ""
        self._page: AppRunner | None = None
        self._key = self._key_check = ""
        self._running = False

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        from sandbox import Emulator, EmulatorConfig, Limits
        from sandbox.web import serve

        emulator = Emulator(EmulatorConfig(token=TOKEN, bot_username="anlaufstelle_demo_bot", limits=Limits()))
        self.emulator = emulator
        try:  # the page first: a busy port stops the start before anything on disk is touched
            self._page = await serve(emulator, self.host, self.port)
        except OSError as exc:
            raise ConfigError(
                f"the demo page cannot use port {self.port} ({exc.strerror or exc}): "
                "choose another with --port or SANDBOX_PORT"
            ) from None
        self.url = f"http://{self.host}:{self._page.addresses[0][1]}/"
        if self.settings.database_url:
            self.notes.append(
                "TELEGRAM_BOT_TOKEN is not set, so this is the local demo: it ignores DATABASE_URL and keeps its "
                f"own database in {self.paths.database}"
            )
        if self.reset:
            shutil.rmtree(self.paths.root, ignore_errors=True)
        self.paths.root.mkdir(parents=True, exist_ok=True)
        key = resolve_secret_key(self.settings.model_copy(update={"var_dir": self.paths.root, "secret_key": None}))[0]
        self._key = key
        self._key_check = hmac.new(key.encode(), b"anlaufstelle sandbox", hashlib.sha256).hexdigest()[:16]
        self.bot_settings = self.settings.model_copy(
            update={
                "telegram_bot_token": SecretStr(TOKEN),
                "database_url": f"sqlite+aiosqlite:///{self.paths.database}",
                "secret_key": SecretStr(key),
                "var_dir": self.paths.root,
            }
        )
        if not self._restore(emulator):
            await self._create(emulator)
        emulator.page_hints.update(
            staff_chat_id=self.staff_chat_id, coordinator_id=self.coordinator_id, writer_id=self.writer_id
        )
        await emulator.start(host=self.host, port=0)
        from bot.runtime import BotRuntime

        self.bot_settings = self.bot_settings.model_copy(
            update={"telegram_api_url": emulator.api_url, "staff_chat_id": self.staff_chat_id}
        )
        self.runtime = BotRuntime(self.bot_settings, secret_key=key)
        await self.runtime.start()
        self.paths.world.unlink(missing_ok=True)  # taken: after a crash from here on, no old world is found
        self._running = True

    def _restore(self, emulator: Emulator) -> bool:
        """The saved world and the database as they were; False (after saying why) when they do not agree."""
        from sandbox import persist

        saved, had_database = self.paths.world.exists(), self.paths.database.exists()
        if not saved and not had_database:
            return False
        problem = "the saved world is missing (was the demo stopped without Ctrl-C?)"
        try:
            if saved:
                data = persist.read(self.paths.world)
                extra = data.get("extra") or {}
                offset = self._database_offset()
                if not had_database:
                    problem = "its database is missing"
                elif extra.get("key_check") != self._key_check:
                    problem = "its secret key changed"
                elif extra.get("bot_offset") != offset:
                    problem = "the database and the saved world are from different runs"
                else:
                    ids = int(extra["staff_chat_id"]), int(extra["coordinator_id"]), int(extra["writer_id"])
                    persist.restore(emulator, data)  # all or nothing
                    self.staff_chat_id, self.coordinator_id, self.writer_id = ids
                    return True
        except persist.StateError as exc:
            problem = str(exc)
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"the saved world lacks the demo's own entries ({type(exc).__name__}: {exc})"
        self.notes.append(f"The saved demo could not be restored consistently ({problem}): both were reset.")
        self.paths.remove_database()
        self.paths.world.unlink(missing_ok=True)
        return False

    def _database_offset(self) -> int | None:
        """The getUpdates offset the bot's database is at, read without a lock (SQLite in WAL mode)."""
        if not self.paths.database.exists():
            return None
        uri = self.paths.database.resolve().as_uri() + "?mode=ro"
        try:
            with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as db:
                highest = db.execute("SELECT max(update_id) FROM inbox").fetchone()[0]
        except sqlite3.Error:
            return None
        return None if highest is None else int(highest) + 1

    async def _create(self, emulator: Emulator) -> None:
        """A new world: the team in the staff group and in the database, the tour plan, one young person."""
        from bot.cli_tour import plan_rows
        from bot.services import build_services
        from storage import migrate, staff, tour

        people = {name: emulator.add_user(name, language_code="de") for name, _ in TEAM}
        group = emulator.add_forum_group(STAFF_GROUP, creator=people["Kim"])
        for name, role in TEAM:
            if name != "Kim":
                group.add_member(people[name], status="administrator" if role == "coordinator" else "member")
        emulator.add_user(FIRST_YOUNG_PERSON[0], language_code=FIRST_YOUNG_PERSON[1], started=False)
        self.staff_chat_id, self.coordinator_id, self.writer_id = group.id, people["Alex"].id, people["Sam"].id
        assert self.bot_settings is not None
        services = build_services(self.bot_settings, self._key)
        try:
            await migrate.upgrade(services.engine)
            async with services.sessions() as session, session.begin():
                for name, role in TEAM:
                    await staff.add(session, people[name].id, name, role)
                if TOUR_PLAN.exists():
                    await tour.import_plan(session, plan_rows(TOUR_PLAN))
                else:
                    self.notes.append(f"No tour plan at {TOUR_PLAN}: the bus has no stops in this demo.")
        finally:
            await services.engine.dispose()

    async def stop(self) -> None:
        """Stop the bot (its sender drains), keep the world if it ran, then stop the emulator and the page."""
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None
        if self._running and self.emulator is not None:
            from sandbox import persist

            extra: dict[str, Any] = {
                "staff_chat_id": self.staff_chat_id,
                "coordinator_id": self.coordinator_id,
                "writer_id": self.writer_id,
                "key_check": self._key_check,
                "bot_offset": self._database_offset(),
            }
            persist.save(self.emulator, self.paths.world, extra)
            self._running = False
        if self.emulator is not None:
            await self.emulator.stop()
            self.emulator = None
        if self._page is not None:
            await self._page.cleanup()
            self._page = None

    async def __aenter__(self) -> Demo:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def main(settings: Settings, *, port: int | None, reset: bool) -> int:
    """`anlaufstelle run` without TELEGRAM_BOT_TOKEN."""
    from bot.privacy import configure_logging

    # Quiet unless LOG_LEVEL asks otherwise: the demo says in two lines what opened.
    configure_logging(settings.log_level if "log_level" in settings.model_fields_set else "WARNING", secrets=(TOKEN,))
    if settings.log_level != "DEBUG":
        logging.getLogger("sandbox").setLevel(logging.WARNING)  # one line per Bot API call at INFO
    demo = Demo(settings, port=settings.sandbox_port if port is None else port, reset=reset)
    try:
        return asyncio.run(_serve(demo))
    except ConfigError as exc:
        print(f"anlaufstelle: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _serve(demo: Demo) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await demo.start()
    assert demo.runtime is not None
    for note in demo.notes:
        print(note, flush=True)
    team = ", ".join(f"{name} ({role})" for name, role in TEAM)
    print(
        f"Demo without Telegram: open {demo.url} — the bot, its staff group with {team} and the tour plan for the "
        f"county of Peine, all on this computer.\nNothing leaves it; data in {demo.paths.root}/ "
        "(kept between runs, `--reset` starts fresh). Stop with Ctrl-C.",
        flush=True,
    )
    waiter = asyncio.create_task(demo.runtime.wait())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (waiter, stopper):
        task.cancel()
    await demo.stop()
    print("Demo stopped; its state is kept for the next `make run`.", flush=True)
    return 0

"""Running the bot: storage migrated, Application started, and three tasks — poll, process, send.

Used by `anlaufstelle run`, and in-process by the tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import BotCommand
from telegram.error import InvalidToken, TelegramError

from bot.app import AnyApplication, build_application
from bot.clock import Clock, SystemClock
from bot.context import UnitOfWork
from bot.delivery.intake import Intake
from bot.delivery.sender import Sender
from bot.scheduler import ReminderScheduler
from bot.services import Services, build_services
from bot.settings import ConfigError, Settings, resolve_secret_key
from storage import migrate

log = logging.getLogger(__name__)


class BotRuntime:
    def __init__(self, settings: Settings, secret_key: str | None = None, clock: Clock | None = None) -> None:
        if settings.telegram_bot_token is None:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set: expected the token from @BotFather.")
        self.settings = settings
        self._secret_key = secret_key
        self._clock = clock or SystemClock()
        self._tasks: list[asyncio.Task[None]] = []
        self._fatal: asyncio.Future[BaseException] | None = None
        self.app: AnyApplication | None = None
        self.services: Services | None = None
        self.intake: Intake | None = None
        self.sender: Sender | None = None
        self.reminders: ReminderScheduler | None = None

    async def start(self) -> None:
        settings = self.settings
        secret = self._secret_key or resolve_secret_key(settings)[0]
        self.services = build_services(settings, secret, self._clock)
        await migrate.upgrade(self.services.engine)
        assert settings.telegram_bot_token is not None
        self.app = build_application(settings, settings.telegram_bot_token.get_secret_value())
        await self.app.initialize()
        await self.app.start()
        self.sender = Sender(self.app, self.services)
        self.reminders = ReminderScheduler(self.app, self.services, self.sender.wake)
        self.intake = Intake(self.app, self.services, after_commit=self._after_commit)
        await self.reminders.rebuild()
        await self._publish_commands()
        self._fatal = asyncio.get_running_loop().create_future()
        for name, job in (
            ("process", self.intake.process_forever),
            ("send", self.sender.run_forever),
            ("poll", self.intake.poll_forever),
        ):
            self._tasks.append(asyncio.create_task(self._supervise(name, job), name=f"anlaufstelle-{name}"))
        log.info("bot started: polling, processing and sending")

    def _after_commit(self, uow: UnitOfWork | None) -> None:
        """An update was handled: its messages may go, its new reminders get their jobs."""
        assert self.sender is not None and self.reminders is not None
        self.sender.wake()
        for reminder in uow.new_reminders if uow is not None else ():
            self.reminders.schedule(reminder)

    async def _supervise(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Keep a loop running; an unexpected error restarts it after a pause, a bad token stops the bot."""
        while True:
            try:
                await job()
                return  # a loop returns only when it was asked to stop
            except asyncio.CancelledError:
                raise
            except InvalidToken as exc:
                if self._fatal is not None and not self._fatal.done():
                    self._fatal.set_result(exc)
                return
            except Exception:
                log.exception("the %s loop failed; restarting it in 2 s", name)
                await asyncio.sleep(2)

    async def _publish_commands(self) -> None:
        assert self.app is not None and self.services is not None
        catalogs = self.services.catalogs
        for language in [None, *catalogs.available]:
            tr = catalogs.translator(language.code if language else None)
            commands = [
                BotCommand("start", tr._("Start")),
                BotCommand("help", tr._("What you can do here")),
                BotCommand("appointment", tr._("Book a time to talk")),
                BotCommand("appointments", tr._("Your appointments")),
                BotCommand("tour", tr._("Where the bus is")),
                BotCommand("language", tr._("Choose your language")),
                BotCommand("privacy", tr._("What we store")),
                BotCommand("delete", tr._("Delete your data")),
            ]
            try:
                await self.app.bot.set_my_commands(commands, language_code=language.code if language else None)
            except TelegramError as exc:
                log.warning("could not publish the command menu: %s", exc.message)

    async def wait(self) -> BaseException | None:
        """Until a fatal error (returned) or cancellation."""
        assert self._fatal is not None
        return await self._fatal

    async def stop(self) -> None:
        if self.sender is not None:
            self.sender.stop()
            sending = [t for t in self._tasks if t.get_name() == "anlaufstelle-send"]
            await asyncio.wait(sending, timeout=10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.app is not None:
            await self.app.stop()
            await self.app.shutdown()
        if self.services is not None:
            await self.services.engine.dispose()

    async def __aenter__(self) -> BotRuntime:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()


async def run_until_signal(runtime: BotRuntime) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    waiter = asyncio.create_task(runtime.wait())
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (waiter, stopper):
        task.cancel()
    await runtime.stop()
    if waiter in done and not waiter.cancelled():
        log.critical("stopped: Telegram refused the token (TELEGRAM_BOT_TOKEN)")
        return 1
    return 0

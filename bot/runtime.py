"""Running the bot: storage migrated, Application started, and three tasks — poll, process, send.

Used by `anlaufstelle run`, and in-process by the tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from telegram import BotCommand
from telegram.error import InvalidToken, TelegramError

from bot import crisis, liveness, prepared_replies
from bot.app import AnyApplication, build_application
from bot.bus_notes import DayNoteScheduler
from bot.clock import Clock, SystemClock
from bot.context import UnitOfWork
from bot.delivery.intake import ALLOWED_UPDATES, Intake
from bot.delivery.sender import Sender
from bot.digest import DigestScheduler
from bot.i18n import Catalogs, Translator
from bot.liveness import LeaseKeeper, LeaseLost, LeaseRefused, PollWatchdog
from bot.retention import RetentionJob
from bot.scheduler import ReminderScheduler
from bot.services import Services, build_services
from bot.settings import ConfigError, Settings, resolve_secret_key
from storage import migrate

if TYPE_CHECKING:  # aiohttp's server is imported only in webhook mode (a fifth of a second less to start)
    from bot.delivery.webhook import WebhookServer

log = logging.getLogger(__name__)


class BotRuntime:
    def __init__(
        self,
        settings: Settings,
        secret_key: str | None = None,
        clock: Clock | None = None,
        webhook_url: str | None = None,
    ) -> None:
        if settings.telegram_bot_token is None:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set: expected the token from @BotFather.")
        self.settings = settings
        self._secret_key = secret_key
        self._clock = clock or SystemClock()
        self.webhook_url = webhook_url  # None: polling
        self.lease: LeaseKeeper | None = None
        self.watchdog: PollWatchdog | None = None
        self.webhook: WebhookServer | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._afterwards: set[asyncio.Task[None]] = set()  # long work of committed updates (UnitOfWork.afterwards)
        self._fatal: asyncio.Future[BaseException] | None = None
        self.app: AnyApplication | None = None
        self.services: Services | None = None
        self.intake: Intake | None = None
        self.sender: Sender | None = None
        self.reminders: ReminderScheduler | None = None
        self.day_notes: DayNoteScheduler | None = None
        self.digests: DigestScheduler | None = None
        self.retention: RetentionJob | None = None

    async def start(self) -> None:
        settings = self.settings
        secret = self._secret_key or resolve_secret_key(settings)[0]
        self.services = build_services(settings, secret, self._clock)
        prepared_replies.load()  # a broken bot/data/prepared_replies.yaml stops the start, naming what is wrong
        await migrate.upgrade(self.services.engine)
        await self._claim_database()
        try:
            await self._start_claimed()
        except BaseException:
            await self._abort()  # the claim on the database is let go at once
            raise

    async def _start_claimed(self) -> None:
        settings = self.settings
        assert settings.telegram_bot_token is not None and self.services is not None
        self.app = build_application(settings, settings.telegram_bot_token.get_secret_value())
        await self.app.initialize()
        await self.app.start()
        self.sender = Sender(self.app, self.services)
        self.reminders = ReminderScheduler(self.app, self.services, self.sender.wake)
        self.intake = Intake(self.app, self.services, after_commit=self._after_commit)
        await self.reminders.rebuild()
        self.day_notes = DayNoteScheduler(self.app, self.services, self.sender.wake)
        await self.day_notes.rebuild()
        self.digests = DigestScheduler(self.app, self.services, self.sender.wake)
        await self.digests.rebuild()
        self.retention = RetentionJob(self.app, self.services, self.sender.wake)
        self.retention.schedule()
        # Compiled now, not while the first young person waits. (Not on a thread beside the rebuilds: holding the
        # GIL, it slowed every trip to the database thread and the start took longer, benchmarks/.)
        crisis.default_matcher()
        await self._publish_commands()
        self._fatal = asyncio.get_running_loop().create_future()
        assert self.lease is not None
        for name, job in (
            ("process", self.intake.process_forever),
            ("send", self.sender.run_forever),
            ("lease", self.lease.run_forever),
        ):
            self._spawn(name, job)
        await self._start_receiving()
        log.info("bot started: %s, processing and sending", "webhook" if self.webhook_url else "polling")

    # -- liveness: one instance per database, a poll loop that keeps receiving (bot.liveness) ---------------------

    async def _claim_database(self) -> None:
        assert self.services is not None
        me = liveness.this_process("webhook" if self.webhook_url else "polling", self.services.keyring.key_id)
        ttl = self.settings.instance_lease_seconds
        try:
            await liveness.claim(self.services.sessions, me, self._clock.now(), ttl)
        except LeaseRefused:
            await self.services.engine.dispose()
            self.services = None
            raise
        self.lease = LeaseKeeper(self.services.sessions, me, self._clock, ttl)

    async def _abort(self) -> None:
        """Undo a start that failed half-way."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.webhook is not None:
            await self.webhook.stop()
        if self.lease is not None:
            await self.lease.release()
        if self.app is not None:
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        if self.services is not None:
            await self.services.engine.dispose()

    def _spawn(self, name: str, job: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        task = asyncio.create_task(self._supervise(name, job), name=f"anlaufstelle-{name}")
        self._tasks.append(task)
        return task

    async def _start_receiving(self) -> None:
        assert self.app is not None and self.intake is not None and self.services is not None
        if self.webhook_url is not None:
            from bot.delivery.webhook import WebhookServer

            secret = self.settings.webhook_secret_token
            token = secret.get_secret_value() if secret else self.services.keyring.webhook_secret
            self.webhook = WebhookServer(
                self.intake.accept, token, self.webhook_url, self.settings.webhook_listen, self.settings.webhook_port
            )
            await self.webhook.start()
            try:
                await self.app.bot.set_webhook(
                    self.webhook_url, secret_token=token, allowed_updates=ALLOWED_UPDATES, max_connections=1
                )
            except TelegramError as exc:
                raise ConfigError(f"Telegram refused the webhook URL {self.webhook_url}: {exc.message}") from None
            return
        try:
            await self.app.bot.delete_webhook()  # polling and a webhook exclude each other
        except TelegramError as exc:
            log.warning("could not remove a webhook: %s", exc.message)
        intake = self.intake
        self._poll_task = self._spawn("poll", intake.poll_forever)
        limit = max(self.settings.poll_watchdog_seconds, self.settings.poll_timeout_seconds + 3)
        self.watchdog = PollWatchdog(lambda: intake.last_received, lambda: intake.polls, self._restart_polling, limit)
        self._spawn("watchdog", self.watchdog.run_forever)

    def _restart_polling(self) -> None:
        assert self.intake is not None and self._poll_task is not None
        self._poll_task.cancel()
        self._tasks.remove(self._poll_task)
        self.intake.last_received = time.monotonic()
        self._poll_task = self._spawn("poll", self.intake.poll_forever)

    def _after_commit(self, uow: UnitOfWork | None) -> None:
        """An update was handled: its messages may go, its new reminders get their jobs."""
        assert self.sender is not None and self.reminders is not None
        self.sender.wake()
        if uow is None:
            return
        for reminder in uow.new_reminders:
            self.reminders.schedule(reminder)
        for work in uow.afterwards:
            task = asyncio.create_task(self._run_afterwards(work), name="anlaufstelle-afterwards")
            self._afterwards.add(task)
            task.add_done_callback(self._afterwards.discard)

    async def _run_afterwards(self, work: Callable[[], Awaitable[None]]) -> None:
        """Long work of an update that has committed, beside the loops; it writes what it sends to the outbox in a
        transaction of its own and tells the person itself when it fails (handlers.hours: the report)."""
        try:
            await work()
        except Exception:
            log.exception("work after an update failed")
        if self.sender is not None:
            self.sender.wake()

    async def _supervise(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Keep a loop running; an unexpected error restarts it after a pause, a bad token stops the bot."""
        while True:
            try:
                await job()
                return  # a loop returns only when it was asked to stop
            except asyncio.CancelledError:
                raise
            except (InvalidToken, LeaseLost) as exc:
                if self._fatal is not None and not self._fatal.done():
                    self._fatal.set_result(exc)
                return
            except Exception:
                log.exception("the %s loop failed; restarting it in 2 s", name)
                await asyncio.sleep(2)

    async def _publish_commands(self) -> None:
        """The young people's command menu, in the default language for everyone and in each language for the
        people whose Telegram uses it (Telegram takes two-letter codes only: Kurmanji is published as "ku", and
        Easy German, which Telegram cannot name, is chosen in the bot and gets the German menu)."""
        assert self.app is not None and self.services is not None
        catalogs = self.services.catalogs
        bot = self.app.bot

        async def publish(code: str | None, telegram_code: str | None) -> None:
            try:
                await bot.set_my_commands(youth_commands(catalogs.translator(code)), language_code=telegram_code)
            except TelegramError as exc:
                log.warning("could not publish the command menu: %s", exc.message)

        await asyncio.gather(*(publish(code, telegram_code) for code, telegram_code in command_menus(catalogs)))

    async def wait(self) -> BaseException | None:
        """Until a fatal error (returned) or cancellation."""
        assert self._fatal is not None
        return await self._fatal

    async def stop(self) -> None:
        if self.webhook is not None:
            await self.webhook.stop()  # nothing new comes in; Telegram keeps what it could not deliver
        for task in self._afterwards:  # (a report cut short is asked for again)
            task.cancel()
        await asyncio.gather(*self._afterwards, return_exceptions=True)
        if self.sender is not None:
            self.sender.stop()
            sending = [t for t in self._tasks if t.get_name() == "anlaufstelle-send"]
            await asyncio.wait(sending, timeout=10)
        for task in self._tasks:
            task.cancel()
        _done, stuck = await asyncio.wait(self._tasks, timeout=15) if self._tasks else (set(), set())
        if stuck:  # never hang a stop: say which loop did not end and go on
            log.error("stopping: %s did not end within 15 s", ", ".join(sorted(t.get_name() for t in stuck)))
        self._tasks.clear()
        if self.lease is not None:
            await self.lease.release()
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


def command_menus(catalogs: Catalogs) -> list[tuple[str | None, str | None]]:
    """(our language code, Telegram's language_code) for each menu: the default menu first, then one per language
    that Telegram can name."""
    return [(None, None), *((lang.code, lang.telegram_code) for lang in catalogs.available if lang.telegram_code)]


def youth_commands(tr: Translator) -> list[BotCommand]:
    return [
        BotCommand("start", tr._("Start")),
        BotCommand("help", tr._("What you can do here")),
        BotCommand("appointment", tr._("Book a time to talk")),
        BotCommand("appointments", tr._("Your appointments")),
        BotCommand("bus", tr._("Where is the bus now?")),
        BotCommand("tour", tr._("Where the bus is")),
        BotCommand("subscribe", tr._("News from the bus for your places")),
        BotCommand("language", tr._("Choose your language")),
        BotCommand("privacy", tr._("What we store")),
        BotCommand("mydata", tr._("A copy of your data")),
        BotCommand("delete", tr._("Delete your data")),
    ]


async def run_until_signal(runtime: BotRuntime) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    # What the start made (libraries, catalogs, the crisis terms: ~200,000 objects) lives as long as the process:
    # frozen, no full collection looks at it again. Such a collection paused everything for about a tenth of a
    # second (20 ms frozen), now and then the latency of every message in flight (benchmarks/). No collection
    # first: it would hold up the first getUpdates as long, for the little garbage of one start.
    gc.freeze()
    waiter = asyncio.create_task(runtime.wait())
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (waiter, stopper):
        task.cancel()
    await runtime.stop()
    if waiter in done and not waiter.cancelled():
        reason = waiter.result()
        if isinstance(reason, LeaseLost):
            log.critical("stopped: %s", reason)
        else:
            log.critical("stopped: Telegram refused the token (TELEGRAM_BOT_TOKEN)")
        return 1
    return 0

"""Durable intake: our own poll loop and the processor that feeds stored updates to the Application.

PTB's Updater acknowledges an update (advances the offset) before the handlers have run, so a crash in between
loses it. Here an update is acknowledged only after it is committed to the inbox; the processor then handles
the stored updates in update_id order, each in one transaction together with its inbox row being marked done.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.context import UnitOfWork, bind_uow, unbind_uow
from bot.delivery.connections import bot_api_request
from bot.delivery.limits import retry_seconds
from bot.delivery.outgoing import Envelope, text_message
from bot.services import Services
from storage import inbox

log = logging.getLogger(__name__)

TOGETHER = 20  # stored updates handled in one transaction (bot.delivery.intake.Intake._process_together)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member"]


class HandlerFailed(Exception):
    """A handler raised; the update's transaction is rolled back."""


class Intake:
    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        services: Services,
        after_commit: Callable[[UnitOfWork | None], None],
    ) -> None:
        self._app = app
        self._services = services
        self._after_commit = after_commit  # wakes the sender, schedules new reminders
        self._stored = asyncio.Event()
        self.polls = 0
        self.last_received = time.monotonic()  # when a getUpdates last finished (for the watchdog)

    # -- receiving -----------------------------------------------------------------------------------------------

    async def poll_forever(self) -> None:
        """Poll on a connection of its own, made anew each time the loop (re)starts (bot.liveness restarts it when
        it hangs), from the offset that acknowledges what is committed."""
        self.last_received = time.monotonic()
        timeout = self._services.settings.poll_timeout_seconds
        requests = [bot_api_request(pool_size=1, read_timeout=timeout + 10) for _ in range(2)]
        poller = Bot(
            self._app.bot.token,
            base_url=self._services.settings.bot_api_base_url,
            request=requests[0],
            get_updates_request=requests[1],
        )
        try:
            for request in requests:
                await request.initialize()
            await self._poll(poller)
        finally:
            await asyncio.gather(*(r.shutdown() for r in requests), return_exceptions=True)

    async def _poll(self, poller: Bot) -> None:
        timeout = self._services.settings.poll_timeout_seconds
        async with self._services.reads() as session:
            offset = await inbox.next_offset(session)
        backoff = 1.0
        while True:
            try:
                raw = await poller.do_api_request(
                    "getUpdates",
                    {"offset": offset, "timeout": timeout, "limit": 100, "allowed_updates": ALLOWED_UPDATES},
                    read_timeout=timeout + 10,
                )
                backoff = 1.0
                self.last_received = time.monotonic()
            except InvalidToken:
                log.critical("Telegram refused the bot token; check TELEGRAM_BOT_TOKEN")
                raise
            except RetryAfter as exc:  # Telegram answered: the loop is alive, a restart would not help
                self.last_received = time.monotonic()
                await asyncio.sleep(retry_seconds(exc.retry_after))
                continue
            except Conflict:
                self.last_received = time.monotonic()
                log.error("another process is polling with this token (another database?); waiting before trying again")
                await asyncio.sleep(10)
                continue
            except (TimedOut, NetworkError) as exc:
                log.warning("polling failed (%s); retrying in %.0f s", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            self.polls += 1
            if raw:
                offset = await self._store(raw)
                self._stored.set()

    async def accept(self, raw: list[dict[str, Any]]) -> None:
        """Updates that came by webhook: committed when this returns (only then is Telegram answered 200)."""
        await self._store(raw)
        self._stored.set()

    async def _store(self, raw: list[dict[str, Any]]) -> int:
        keyring = self._services.keyring
        rows = [(int(u["update_id"]), keyring.encrypt(json.dumps(u).encode())) for u in raw]
        async with self._services.loops() as session, session.begin():
            await inbox.store(session, rows)
        # Committed: only now may the next getUpdates acknowledge them.
        return max(uid for uid, _ in rows) + 1

    # -- processing ----------------------------------------------------------------------------------------------

    async def process_forever(self) -> None:
        while True:
            self._stored.clear()  # before the read: whatever is stored after it wakes the next round
            taken = await self.process_pending()
            if taken < inbox.PENDING_AT_ONCE and not self._stored.is_set():
                # Everything pending was taken and nothing came since: no read to find that out. (An update that
                # failed and is still pending is tried again with the next ones, or within the second.)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stored.wait(), timeout=1.0)

    async def process_pending(self) -> int:
        """Handle every stored, unhandled update in order; returns how many were taken."""
        async with self._services.reads() as session:
            batch = await inbox.pending(session)
        for start in range(0, len(batch), TOGETHER):
            rows = batch[start : start + TOGETHER]
            if len(rows) == 1 or not await self._process_together(rows):
                for row in rows:
                    await self._process_one(row)
        return len(batch)

    async def _process_together(self, rows: list[inbox.PendingUpdate]) -> bool:
        """Handle several updates in one transaction: one commit, one turn at the database, instead of one each.
        Each update still commits with its inbox row (all of them claimed with one statement), and nothing of them
        leaves the process before the commit (handlers only write rows; the sender sends). When one of them fails,
        none is kept and False is returned: they are then handled one at a time, so that a bad update costs only
        itself."""
        handled: list[UnitOfWork] = []
        try:
            async with self._services.loops() as session, session.begin():
                claimed = await inbox.claim(session, [row.update_id for row in rows])
                updates = [self._decode(row) for row in rows if row.update_id in claimed]  # (others: settled meanwhile)
                await UnitOfWork.read_ahead(session, self._services, updates)
                erased: set[int] = set()  # people whose data an update of this batch deleted
                for update in updates:
                    if update.effective_user is not None and update.effective_user.id in erased:
                        continue  # sent after they deleted their data: settled, not handled (bot.erasure)
                    uow = await self._handle(session, update)
                    erased |= uow.erased
                    handled.append(uow)
        except Exception as exc:
            log.info("a batch of %d updates is handled one by one (%s)", len(rows), type(exc).__name__)
            return False
        if not handled:
            self._after_commit(None)  # the sender may still have work (nothing new for it, though)
        for uow in handled:
            self._after_commit(uow)
        return True

    async def _process_one(self, row: inbox.PendingUpdate) -> None:
        update = self._decode(row)
        committed: UnitOfWork | None = None
        try:
            async with self._services.loops() as session, session.begin():
                if await inbox.claim(session, [row.update_id]):  # done when this transaction commits
                    committed = await self._handle(session, update)
        except Exception as exc:  # a handler or the database failed: rolled back, counted, maybe set aside
            committed = None  # (also when only the commit failed: its reminders must not be scheduled)
            await self._record_failure(update, exc)
        self._after_commit(committed)

    def _decode(self, row: inbox.PendingUpdate) -> Update:
        return Update.de_json(json.loads(self._services.keyring.decrypt(row.payload_enc)), self._app.bot)

    async def _handle(self, session: AsyncSession, update: Update) -> UnitOfWork:
        """One claimed update, in the caller's transaction. Raises when it failed."""
        uow = await UnitOfWork.open(session, self._services, update)
        token = bind_uow(uow)
        try:
            await self._app.process_update(update)
        finally:
            unbind_uow(token)
        if uow.error is not None:
            raise HandlerFailed(type(uow.error).__name__) from uow.error
        await uow.flush_outgoing()
        return uow

    async def _record_failure(self, update: Update, exc: Exception) -> None:
        error = str(exc) if isinstance(exc, HandlerFailed) else type(exc).__name__
        log.error("update %s failed: %s", update.update_id, error, exc_info=exc.__cause__ or exc)
        async with self._services.loops() as session, session.begin():
            set_aside = await inbox.record_failure(session, update.update_id, error)
            if set_aside:
                await self._apologise(session, update)

    async def _apologise(self, session: Any, update: Update) -> None:
        """Tell the person something went wrong, so they are not left waiting for an answer."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != chat.PRIVATE:
            return
        uow = await UnitOfWork.open(session, self._services, update)
        tr = uow.tr
        uow.send(
            text_message(
                Envelope(chat.id, uow.user_key or "", uow.contact.id if uow.contact else None),
                tr._("Sorry, something went wrong on our side with your last message. Please send it again."),
            )
        )
        await uow.flush_outgoing()

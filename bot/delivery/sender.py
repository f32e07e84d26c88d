"""The sender: one task that drains the outbox within Telegram's limits, most urgent first.

Within a chat, messages go in the order they were written. A 429 pauses that chat (or all sending) for
retry_after; 403 means the person blocked the bot: the contact is marked unreachable and what was waiting for
them is dropped. A crash between sending and recording means one message may go twice, never zero times.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.delivery.intake import _seconds
from bot.delivery.limits import Pacer
from bot.delivery.outgoing import MESSAGE_CREATING
from bot.services import Services
from storage import contacts, outbox
from storage.base import utcnow

log = logging.getLogger(__name__)

HARMLESS = ("message is not modified",)


class Sender:
    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
        self._app = app
        self._services = services
        s = services.settings
        self.pacer = Pacer(
            s.rate_per_chat_per_second,
            s.rate_per_chat_burst,
            s.rate_group_per_minute,
            s.rate_global_per_second,
        )
        self._wake = asyncio.Event()
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            self._wake.clear()
            wait = await self.drain_once()
            if wait is None or wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=min(wait or 1.0, 1.0))

    async def drain_once(self) -> float | None:
        """Send what may go now. Returns seconds until something else may go (None: nothing waits)."""
        async with self._services.sessions() as session:
            rows = await outbox.due(session)
        if not rows:
            return None
        blocked: set[str] = set()
        soonest: float | None = None
        for row in rows:
            if row.lane in blocked:
                continue
            wait = self.pacer.wait_time(row.lane) if row.method in MESSAGE_CREATING else 0.0
            if wait > 0:
                blocked.add(row.lane)
                soonest = wait if soonest is None else min(soonest, wait)
                continue
            if not await self._send(row):
                blocked.add(row.lane)
        self.pacer.forget_idle()
        return 0.0 if soonest is None else soonest

    async def _send(self, row: outbox.OutboxRow) -> bool:
        """Send one row and record the outcome; False when the lane must wait."""
        params = json.loads(self._services.keyring.decrypt(row.payload_enc))
        if row.method in MESSAGE_CREATING:
            self.pacer.take(row.lane)
        try:
            await self._app.bot.do_api_request(row.method, params)
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            self.pacer.pause(row.lane, seconds)
            await self._record(outbox.retry_later, row.id, seconds, "429")
            return False
        except Forbidden:
            await self._unreachable(row)
            return True
        except BadRequest as exc:
            if any(h in exc.message for h in HARMLESS):
                await self._record(outbox.mark_sent, row.id)
            else:
                log.warning("Telegram refused %s: %s", row.method, exc.message)
                await self._record(outbox.mark_failed, row.id, exc.message)
            return True
        except (TimedOut, NetworkError) as exc:
            delay = min(2.0 ** min(row.attempts, 6), 60.0)
            await self._record(outbox.retry_later, row.id, delay, type(exc).__name__)
            return False
        await self._record(outbox.mark_sent, row.id)
        self.sent += 1
        return True

    async def _record(self, fn: Any, *args: Any) -> None:
        async with self._services.sessions() as session, session.begin():
            await fn(session, *args)

    async def _unreachable(self, row: outbox.OutboxRow) -> None:
        async with self._services.sessions() as session, session.begin():
            await outbox.mark_failed(session, row.id, "403")
            if row.contact_id is not None:
                await contacts.mark_unreachable(session, row.contact_id)
                await outbox.drop_pending_for_contact(session, row.contact_id, "403")
        log.info("a contact blocked the bot; marked unreachable at %s", utcnow().isoformat(timespec="seconds"))

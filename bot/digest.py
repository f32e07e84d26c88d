"""The morning digest: at the first opening of each office day, the staff group's General topic reads what came in
while the office was closed — how many messages from which cases (aliases only, never contents), urgent ones
first, and who is on duty.

One job in PTB's JobQueue (``office-digest``), for the next morning, rebuilt at every start and never pickled; each
run schedules the next. The ``office_digests`` table keeps one row per opening, so a restart never sends a digest
twice; a start during an office day whose digest was missed (the bot was down at opening) sends it then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from bot import safety
from bot.context import UnitOfWork
from bot.delivery.outgoing import STAFF_LANE, Outgoing, Priority
from bot.i18n import Translator
from bot.office_hours import SEARCH_DAYS, OfficeHours, OfficeHoursError, Period
from bot.services import Services
from storage import safety as safety_storage
from storage.safety import Arrival
from storage.staff import StaffDTO

log = logging.getLogger(__name__)

JOB = "office-digest"
MAX_LINES = 60  # cases listed by alias; the rest are counted (a digest stays one message)


def this_morning(hours: OfficeHours, now: datetime) -> datetime | None:
    """The first opening of today, if it has come and the office day is not over; else None."""
    periods = hours.periods_on(now.astimezone(hours.tz).date())
    if periods and periods[0].start <= now < periods[-1].end:
        return periods[0].start
    return None


def next_morning(hours: OfficeHours, now: datetime) -> datetime | None:
    """The first opening of the next office day after now (today's, if it is still ahead)."""
    first = now.astimezone(hours.tz).date()
    for offset in range(SEARCH_DAYS):
        periods = hours.periods_on(first + timedelta(days=offset))
        if periods and periods[0].start > now:
            return periods[0].start
    return None


def digest_text(tr: Translator, window: Period, arrivals: list[Arrival], on_duty: list[StaffDTO]) -> str:
    since = f"{tr.day(window.start.astimezone(tr.tz).date())} {tr.time(window.start)}"
    if not arrivals:
        lines = [tr._("☀️ Good morning! Nothing came in while the office was closed (since {since}).", since=since)]
    else:
        messages = sum(a.messages for a in arrivals)
        lines = [
            tr._("☀️ Good morning! While the office was closed (since {since}):", since=since)
            + " "
            + tr.ngettext("{n} message", "{n} messages", messages)
            + " "
            + tr.ngettext("in {n} case", "in {n} cases", len(arrivals))
        ]
        for arrival in arrivals[:MAX_LINES]:
            mark = "🔴 " if arrival.urgent else ""
            lines.append(f"{mark}{arrival.alias}: " + tr.ngettext("{n} message", "{n} messages", arrival.messages))
        if len(arrivals) > MAX_LINES:
            rest = len(arrivals) - MAX_LINES
            lines.append(tr.ngettext("… and {n} more case", "… and {n} more cases", rest))
    if on_duty:
        lines.append(tr._("On duty: {names}.", names=", ".join(s.display_name for s in on_duty)))
    else:
        lines.append(tr._("Nobody is on duty yet: /duty"))
    return "\n".join(lines)


class DigestScheduler:
    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], services: Services, wake: Callable[[], None]):
        self._app = app
        self._services = services
        self._wake = wake

    @property
    def hours(self) -> OfficeHours | None:
        return safety.office_hours(self._services.settings)

    async def rebuild(self) -> datetime | None:
        """At start: this morning's digest if it was missed, and the job for the next one."""
        if self.hours is None or self._services.settings.staff_chat_id is None:
            return None
        await self.run_due()
        return self.schedule_next()

    def schedule_next(self) -> datetime | None:
        hours, job_queue = self.hours, self._app.job_queue
        assert job_queue is not None
        for old in job_queue.get_jobs_by_name(JOB):
            old.schedule_removal()
        when = next_morning(hours, self._services.clock.now()) if hours is not None else None
        if when is not None:
            job_queue.run_once(
                self._job, when=when, name=JOB, job_kwargs={"misfire_grace_time": None, "coalesce": True}
            )
        return when

    async def _job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        try:
            await self.run_due()
        finally:
            self.schedule_next()

    async def run_due(self) -> bool:
        """Send this morning's digest unless it went already; True when it was sent now."""
        hours, services = self.hours, self._services
        staff_chat = services.settings.staff_chat_id
        now = services.clock.now()
        opening = this_morning(hours, now) if hours is not None else None
        if hours is None or opening is None or staff_chat is None:
            return False
        try:
            window = hours.overnight_window(opening)
        except OfficeHoursError:  # never open before this morning: nothing to report yet
            window = Period(opening, opening)
        async with services.sessions() as session, session.begin():
            if not await safety_storage.claim_digest(session, opening, now):
                return False
            arrivals = await safety_storage.arrivals(session, window.start, window.end)
            on_duty = await safety_storage.on_duty(session)
            tr = services.catalogs.translator(services.settings.staff_language)
            uow = UnitOfWork(session=session, services=services, update_id=0)
            params = {"chat_id": staff_chat, "text": digest_text(tr, window, arrivals, on_duty)}
            uow.send(Outgoing("sendMessage", params, STAFF_LANE, Priority.REMINDER))
            await uow.flush_outgoing()
        log.info("morning digest sent: %d cases", len(arrivals))
        self._wake()
        return True

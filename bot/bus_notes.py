"""The day-before note to subscribers ("tomorrow the bus is in <place> from <time>"), through PTB's JobQueue.

As with reminders (bot.scheduler), the rows are the truth and the jobs are rebuilt from them at every start, never
pickled: one `day_notes` row per day for the coming week, due the day before at DAY_NOTE_AT, and one job per
pending row. A job only asks for the due notes to be sent; sending marks the row sent in the same transaction as
the outbox messages, so each note goes once across restarts. What a note says is read from the plan when it is
sent, so a stop cancelled or added since is respected. A note that came due while the bot was down is still sent
before its day begins, and dropped after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackContext

from bot import booking, broadcast, bus
from bot.context import UnitOfWork
from bot.i18n import Translator
from bot.services import Services
from storage import announcements, subscriptions
from storage import bus as bus_rows
from storage.bus import DayNoteDTO
from storage.subscriptions import Recipient

log = logging.getLogger(__name__)

DAYS_AHEAD = 7
PLAN_EVERY = timedelta(hours=6)


def due_at(day: date, at: str, tz: ZoneInfo) -> datetime:
    """The day before, at DAY_NOTE_AT local time (the same wall-clock time across a change of the clocks)."""
    return booking.local(day - timedelta(days=1), time.fromisoformat(at), tz)


class DayNoteScheduler:
    def __init__(
        self, app: Application[Any, Any, Any, Any, Any, Any], services: Services, wake_sender: Callable[[], None]
    ) -> None:
        self._app = app
        self._services = services
        self._wake_sender = wake_sender

    async def rebuild(self) -> int:
        """At start: rows for the coming days, what came due meanwhile, and a job for every pending row."""
        await self.plan()
        await self.run_due()
        async with self._services.sessions() as session:
            pending = await bus_rows.pending_notes(session)
        for note in pending:
            self.schedule(note)
        job_queue = self._app.job_queue
        assert job_queue is not None
        job_queue.run_repeating(
            self._plan_job, interval=PLAN_EVERY, name="daynotes:plan", job_kwargs={"misfire_grace_time": None}
        )
        return len(pending)

    async def plan(self) -> list[DayNoteDTO]:
        """Rows (and jobs) for the coming week's days that have none yet (or a new time); announcements left sending
        are finished."""
        today = self._services.clock.now().astimezone(self._services.settings.tz).date()
        at, tz = self._services.settings.day_note_at, self._services.settings.tz
        days = [today + timedelta(days=n) for n in range(1, DAYS_AHEAD + 1)]
        wanted = [(day, due_at(day, at, tz)) for day in days]
        async with self._services.sessions() as session, session.begin():
            new = await bus_rows.ensure_notes(session, wanted)
        if self._app.job_queue is not None and self._app.job_queue.scheduler.running:
            for note in new:
                self.schedule(note)
        await broadcast.finish_stale(self._services)
        return new

    def schedule(self, note: DayNoteDTO) -> None:
        job_queue = self._app.job_queue
        assert job_queue is not None
        name = f"daynote:{note.id}"
        for old in job_queue.get_jobs_by_name(name):
            old.schedule_removal()
        job_queue.run_once(
            self._job,
            when=note.due_at,
            data=note.id,
            name=name,
            job_kwargs={"misfire_grace_time": None, "coalesce": True},
        )

    async def _job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        await self.run_due()

    async def _plan_job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        await self.plan()

    async def run_due(self) -> int:
        """Send every pending note whose time has come (by the services' clock); returns how many people got one."""
        now = self._services.clock.now()
        async with self._services.sessions() as session:
            due = await bus_rows.pending_notes(session, due_before=now)
        told = 0
        for note in due:
            told += await self._fire(note)
        if told:
            self._wake_sender()
        return told

    async def _fire(self, note: DayNoteDTO) -> int:
        services, tz = self._services, self._services.settings.tz
        now = services.clock.now()
        async with services.sessions() as session, session.begin():
            if now >= booking.local(note.on_date, time(0, 0), tz):  # the day has begun: "tomorrow" would be wrong
                await bus_rows.claim_note(session, note.id, "dropped")
                return 0
            if not await bus_rows.claim_note(session, note.id, "sent"):
                return 0  # another run sent it already
            day_visits = await bus.load_visits(session, note.on_date, 1, tz)
            places = sorted({v.stop.place for v in day_visits})
            people = await subscriptions.recipients_with_places(session, places) if places else []
            if not people:
                return 0
            announcement = await announcements.create_note(session, note.on_date)
            await bus_rows.set_note_announcement(session, note.id, announcement.id)
            chosen: dict[int, list[str]] = {person.contact_id: their for person, their in people}

            def render(tr: Translator, person: Recipient) -> str:
                return bus.day_note_text(tr, [v for v in day_visits if v.stop.place in chosen[person.contact_id]])

            uow = UnitOfWork(session=session, services=services, update_id=0)
            broadcast.queue(uow, announcement.id, [person for person, _ in people], render)
            await announcements.add_recipients(session, announcement.id, list(chosen))
            await uow.flush_outgoing()
        log.info("day-before note for %s: %d subscribers", note.on_date.isoformat(), len(people))
        return len(people)

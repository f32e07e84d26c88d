"""Reminders through APScheduler (PTB's JobQueue): a job per pending reminder row (the soonest), rebuilt at every start.

Only the SOONEST pending reminders have a job at any time, and every PLAN_EVERY the next ones get theirs (the plan
also sends whatever is due, so should more than SOONEST come due within PLAN_EVERY, the rest go at most that late):
with weeks of bookings ahead there are tens of thousands of reminders, and a job for each took minutes to build at
start and tens of megabytes to keep.

Jobs are never pickled: the rows are the truth. A job only asks for its reminder to be sent; sending marks the
row sent in the same transaction as the outbox message, so each reminder goes exactly once across restarts. A
reminder that came due while the bot was down is sent at start if the appointment is still ahead, else dropped;
of several that came due for one appointment only the newest is sent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from bot import appointments as appointment_rules
from bot import booking
from bot.context import UnitOfWork
from bot.delivery.outgoing import Priority
from bot.services import Services
from storage import appointments, contacts, tour
from storage.appointments import ReminderDTO

log = logging.getLogger(__name__)

# Reminders with a job at any time: a day's bookings many times over (the bus has a few talks an hour). A job costs
# about 0.15 ms to make: 1,000 of them were a tenth of a second at every start.
SOONEST = 100
PLAN_EVERY = timedelta(minutes=10)


class ReminderScheduler:
    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], services: Services, wake_sender: Any) -> None:
        self._app = app
        self._services = services
        self._wake_sender = wake_sender
        self._scheduled: dict[int, datetime] = {}  # reminder id → the due time its job was made for

    async def rebuild(self) -> int:
        """At start: send or drop what came due while we were down, a job for each of the soonest pending rows, and
        the plan that gives the next ones theirs."""
        await self.run_due()
        planned = await self.plan()
        job_queue = self._app.job_queue
        assert job_queue is not None
        job_queue.run_repeating(
            self._plan_job,
            interval=PLAN_EVERY,
            name="reminders:plan",
            job_kwargs={"id": "reminders:plan", "replace_existing": True, "misfire_grace_time": None, "coalesce": True},
        )
        return planned

    async def plan(self) -> int:
        """A job for each of the SOONEST pending reminders that has none yet (or one for another time)."""
        async with self._services.sessions() as session:
            pending = await appointments.pending_reminders(session, limit=SOONEST)
        soonest = {reminder.id for reminder in pending}
        self._scheduled = {k: v for k, v in self._scheduled.items() if k in soonest}  # sent, dropped or later
        for reminder in pending:
            if self._scheduled.get(reminder.id) != reminder.due_at:
                self.schedule(reminder)
        return len(pending)

    async def _plan_job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        await self.run_due()
        await self.plan()

    def schedule(self, reminder: ReminderDTO) -> None:
        job_queue = self._app.job_queue
        assert job_queue is not None
        name = f"reminder:{reminder.id}"
        # The name is the scheduler's job id too, so scheduling a reminder again replaces its job, found by id.
        # (Looking for it by name goes through every job: with 50,000 reminders a start took many minutes.)
        job_queue.run_once(
            self._job,
            when=reminder.due_at,
            data=reminder.id,
            name=name,
            job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": None, "coalesce": True},
        )
        self._scheduled[reminder.id] = reminder.due_at

    async def _job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        assert context.job is not None
        await self.run_due()

    async def run_due(self) -> int:
        """Send every pending reminder whose time has come (by the services' clock); returns how many went."""
        now = self._services.clock.now()
        async with self._services.sessions() as session:
            due = await appointments.pending_reminders(session, due_before=now)
        send, superseded = booking.newest_per_appointment(due)
        if superseded:  # e.g. the 24-hour and the 1-hour reminder both came due while the bot was down
            async with self._services.sessions() as session, session.begin():
                for reminder in superseded:
                    await appointments.claim_reminder(session, reminder.id, "dropped")
        sent = 0
        for reminder in send:
            sent += await self._fire(reminder)
        if sent:
            self._wake_sender()
        return sent

    async def _fire(self, reminder: ReminderDTO) -> int:
        now = self._services.clock.now()
        async with self._services.sessions() as session, session.begin():
            appointment = await appointments.get(session, reminder.appointment_id)
            if appointment is None or appointment.status != "booked" or appointment.starts_at <= now:
                await appointments.claim_reminder(session, reminder.id, "dropped")
                return 0
            if not await appointments.claim_reminder(session, reminder.id, "sent"):
                return 0  # another run sent it already
            contact = await contacts.get(session, appointment.contact_id)
            stop = await tour.get(session, appointment.stop_id)
            if contact is None or stop is None or contact.status == "unreachable":
                return 0
            uow = UnitOfWork(session=session, services=self._services, update_id=0)
            tr = self._services.catalogs.translator(contact.language)
            if appointment.starts_at - now > timedelta(hours=3):
                head = tr._("Reminder: your appointment with the mobile office")
            else:
                head = tr._("Soon: your appointment with the mobile office")
            text = f"{head}\n{appointment_rules.line(tr, appointment, stop)}"
            keyboard = [
                [(tr._("I'll come"), f"ap:yes:{appointment.id}"), (tr._("I can't come"), f"ap:no:{appointment.id}")],
                [(tr._("Move it"), f"ap:move:{appointment.id}")],
            ]
            appointment_rules.tell(uow, contact, text, keyboard, Priority.REMINDER)
            await uow.flush_outgoing()
        return 1


__all__ = ["ReminderScheduler", "booking"]

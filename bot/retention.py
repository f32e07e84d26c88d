"""Retention: what is kept how long, and the daily job that deletes the rest.

- The **contents of a closed case** go RETENTION_CASE_CONTENT_DAYS (90) after it was closed: its topic in the
  staff group (deleteForumTopic, where the copies of the messages are), the team's notes, the notes on its hours
  and the map of message ids. The case itself stays, with its dates and outcome, for the statistics; when the
  young person writes again, a new case with a new topic is opened.
- **Inactive young people** go RETENTION_CONTACT_DAYS (180) after their last sign of life (a message of theirs,
  a message in their case, an appointment booked or lying after the cut-off): everything about them, as with
  /delete (bot.erasure), without telling anyone.

The figures of the committee report stay the same: case rows keep what it counts, and for deleted people
anonymous rows are kept (storage.anonymous). The job runs every day at RETENTION_RUN_AT, local time, as one
JobQueue job rebuilt at every start (never pickled); each case and each person is deleted in a transaction of
its own, so a crash in between leaves nothing half done. `anlaufstelle purge [--dry-run]` does the same by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from bot import erasure
from bot.context import UnitOfWork
from bot.services import Services
from bot.settings import Settings
from storage import contacts, outbox, retention
from storage.retention import ClosedCase, InactiveContact

log = logging.getLogger(__name__)

JOB_NAME = "retention"
FINISHED_OUTBOX_DAYS = 7  # sent rows keep no payload; their lane and times go after a week too


@dataclass(frozen=True)
class Due:
    cases: list[ClosedCase]
    contacts: list[InactiveContact]


@dataclass(frozen=True)
class Summary:
    """Counts only: what was (or would be) deleted. Nothing in here identifies anybody."""

    cases: int  # closed cases whose contents go
    case_topics: int
    notes: int
    contacts: int  # inactive young people
    contact_cases: int
    contact_topics: int
    appointments: int

    def lines(self, settings: Settings, done: bool) -> list[str]:
        verb = "deleted" if done else "would be deleted"
        return [
            f"closed more than {settings.retention_case_content_days} days ago: {self.cases} case(s); {verb}: "
            f"{self.case_topics} topic(s) in the staff group, {self.notes} note(s), the message map",
            f"inactive for more than {settings.retention_contact_days} days: {self.contacts} young person/people; "
            f"{verb}: everything about them, with {self.contact_cases} case(s), {self.contact_topics} topic(s), "
            f"{self.appointments} appointment(s)",
        ]


def run_time(settings: Settings) -> time:
    hours, minutes = (int(part) for part in settings.retention_run_at.split(":"))
    return time(hours, minutes, tzinfo=settings.tz)


async def find(services: Services, now: datetime) -> Due:
    settings = services.settings
    async with services.sessions() as session:
        due_cases = await retention.closed_cases_due(
            session, now - timedelta(days=settings.retention_case_content_days)
        )
        inactive = await retention.inactive_contacts(session, now - timedelta(days=settings.retention_contact_days))
    return Due(due_cases, inactive)


def summarise(due: Due) -> Summary:
    return Summary(
        cases=len(due.cases),
        case_topics=sum(1 for c in due.cases if c.topic_id is not None),
        notes=sum(c.notes for c in due.cases),
        contacts=len(due.contacts),
        contact_cases=sum(c.cases for c in due.contacts),
        contact_topics=sum(len(c.topics) for c in due.contacts),
        appointments=sum(c.appointments for c in due.contacts),
    )


async def apply(services: Services, now: datetime) -> Summary:
    """Delete what is due at `now`; returns what was found due (and is deleted now)."""
    due = await find(services, now)
    staff_chat = services.settings.staff_chat_id
    for case in due.cases:
        async with services.sessions() as session, session.begin():
            uow = UnitOfWork(session=session, services=services, update_id=0)
            if case.topic_id is not None and staff_chat is not None:
                uow.send(erasure.delete_topic(staff_chat, case.topic_id))
            await retention.clear_case_contents(session, case.id, now)
            await uow.flush_outgoing()
    for person in due.contacts:
        async with services.sessions() as session, session.begin():
            uow = UnitOfWork(session=session, services=services, update_id=0)
            contact = await contacts.get(session, person.id)
            if contact is not None:
                await erasure.erase(uow, contact, contact.user_key, None)
            await uow.flush_outgoing()
    async with services.sessions() as session, session.begin():
        await outbox.purge_finished(session, timedelta(days=FINISHED_OUTBOX_DAYS))
    summary = summarise(due)
    if due.cases or due.contacts:
        log.info(
            "retention: contents of %d closed case(s) and %d inactive contact(s) deleted",
            summary.cases,
            summary.contacts,
        )
    return summary


class RetentionJob:
    """The daily run, as a JobQueue job on the services' clock."""

    def __init__(
        self, app: Application[Any, Any, Any, Any, Any, Any], services: Services, wake_sender: Callable[[], None]
    ) -> None:
        self._app = app
        self._services = services
        self._wake_sender = wake_sender

    def schedule(self) -> None:
        job_queue = self._app.job_queue
        assert job_queue is not None
        for old in job_queue.get_jobs_by_name(JOB_NAME):
            old.schedule_removal()
        job_queue.run_daily(
            self._job,
            time=run_time(self._services.settings),
            name=JOB_NAME,
            job_kwargs={"misfire_grace_time": 6 * 3600, "coalesce": True},
        )

    async def _job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        await self.run()

    async def run(self) -> Summary:
        summary = await apply(self._services, self._services.clock.now())
        self._wake_sender()
        return summary

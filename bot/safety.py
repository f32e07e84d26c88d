"""Crisis help and office hours, in the flow of an update: the crisis card, the case marked urgent, the team
alerted, and the notice outside office hours. The texts are in bot.crisis_help; the rules of the hours in
bot.office_hours.

A crisis (crisis words in a message, or the "I need help now" button) is answered at once with the crisis card.
When it comes from a young person with a case, the case is marked urgent — its topic title gets a 🔴, a line in the
topic says why, it goes to the top of /queue — and the General topic of the staff group gets an alert that names
the workers on duty. That happens once per urgent spell: further crisis words while the case is still urgent reach
the topic like any message, without a second card and alert. ``/urgent off`` (or closing the case) ends the spell.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import casework, crisis_help
from bot.context import UnitOfWork
from bot.crisis import CrisisMatch
from bot.delivery.outgoing import STAFF_LANE, Outgoing, Priority, text_message, to_case_topic
from bot.office_hours import OfficeHours, OfficeHoursError
from bot.settings import Settings
from storage import safety
from storage.cases import CaseDTO
from storage.contacts import ContactDTO


@functools.lru_cache(maxsize=4)
def _office_hours(hours: str, timezone: str, closed: str, region: str) -> OfficeHours | None:
    if not hours.strip():
        return None
    return OfficeHours.from_config(hours, ZoneInfo(timezone), closed=closed, region=region)


def office_hours(settings: Settings) -> OfficeHours | None:
    """The configured office hours; None when OFFICE_HOURS is empty (the office is never closed)."""
    return _office_hours(settings.office_hours, settings.timezone, settings.office_closed, settings.office_region)


def numbers(settings: Settings) -> tuple[crisis_help.HelpNumber, ...]:
    return crisis_help.parse_numbers(settings.crisis_numbers)


def closed_until(settings: Settings, now: datetime) -> datetime | None:
    """When the office opens again, if it is closed now; None while it is open (or has no hours)."""
    hours = office_hours(settings)
    if hours is None or hours.is_open(now):
        return None
    try:
        return hours.next_opening(now)
    except OfficeHoursError:  # closed for longer than the search reaches: say nothing about when
        return None


def crisis_card(uow: UnitOfWork, back_at: datetime | None, told: bool = True) -> str:
    tr, now = uow.tr, uow.services.clock.now()
    back = crisis_help.when(tr, back_at, now) if back_at is not None else None
    return crisis_help.card(tr, numbers(uow.services.settings), back, told)


def send_crisis_card(uow: UnitOfWork, told: bool = True) -> None:
    """The crisis card to the person who sent this update, in their language (``told``: the team was alerted)."""
    back_at = closed_until(uow.services.settings, uow.services.clock.now())
    uow.send(text_message(uow.me, crisis_card(uow, back_at, told)))


async def raise_alarm(uow: UnitOfWork, case: CaseDTO, contact: ContactDTO, reason: str) -> bool:
    """Mark the case urgent, mark its topic, alert the team. False when it was urgent already (nothing is sent)."""
    session, settings, tr = uow.session, uow.services.settings, uow.staff_tr
    if not await safety.mark_urgent(session, case.id, reason, uow.services.clock.now()):
        return False
    case = replace(case, urgent=True)
    staff_chat = settings.staff_chat_id
    title = casework.topic_title(case, contact, tr)
    uow.send(to_case_topic("editForumTopic", {"chat_id": staff_chat, "name": title}, case.id))
    uow.send(
        to_case_topic("sendMessage", {"chat_id": staff_chat, "text": crisis_help.topic_marker(tr, reason)}, case.id)
    )
    workers = await safety.alert_recipients(session, case.claimed_by)
    text, entities = crisis_help.alert(tr, case.alias, reason, workers)
    params = {"chat_id": staff_chat, "text": text, **({"entities": entities} if entities else {})}
    # The General topic, ahead of everything else waiting for the group: it does not wait for a new case's topic.
    uow.send(Outgoing("sendMessage", params, STAFF_LANE, Priority.INTERACTIVE))
    return True


async def answer_youth(uow: UnitOfWork, case: CaseDTO, fresh: bool, found: CrisisMatch | None) -> None:
    """What a young person hears back after their message went to their case: the crisis card (when it begins an
    urgent spell), else the notice outside office hours (once per closed time), else a first-message thanks."""
    contact, settings, now = uow.contact, uow.services.settings, uow.services.clock.now()
    assert contact is not None
    back_at = closed_until(settings, now)
    notice_due = back_at is not None and await _claim_notice(uow, contact, now)
    tr = uow.tr
    if found is not None and await raise_alarm(uow, case, contact, found.category):
        uow.send(text_message(uow.me, crisis_card(uow, back_at)))
    elif notice_due and back_at is not None:
        text = crisis_help.closed_notice(tr, numbers(settings), crisis_help.when(tr, back_at, now))
        uow.send(text_message(uow.me, text, crisis_help.help_keyboard(tr)))
    elif fresh:
        text = tr._("Thanks, your message has arrived. A social worker will answer you here.")
        uow.send(text_message(uow.me, text, crisis_help.help_keyboard(tr)))


async def _claim_notice(uow: UnitOfWork, contact: ContactDTO, now: datetime) -> bool:
    hours = office_hours(uow.services.settings)
    assert hours is not None
    try:
        closed_since = hours.last_closing(now)
    except OfficeHoursError:  # never open before: every message of this closed time would be "the first"
        closed_since = now
    return await safety.claim_office_notice(uow.session, contact.id, closed_since, now)

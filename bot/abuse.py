"""Abuse, where a young person's message would go to the team: the flood limit (bot.flood) and the team's block.

A **block** (`/block` in the case topic) stops what the young person sends from reaching the team; the team
never learns who it is, only the case. The young person is not told at once (that could provoke more); the first
time they write while blocked they get one neutral notice, that their messages are not passed on at the moment,
with a pointer to /help (where the crisis numbers are). `/unblock` lifts it, and whoever got that notice is told
that their messages reach the team again.

**Safety first:** a message with crisis words always goes through at once, blocked or flooding (it still counts
towards the flood).
"""

from __future__ import annotations

import logging

from bot import flood
from bot.context import UnitOfWork
from bot.delivery.outgoing import text_message, to_case_topic
from bot.settings import Settings
from storage import cases, guards
from storage.guards import GuardDTO

log = logging.getLogger(__name__)


def limits(settings: Settings) -> flood.Limits:
    return flood.Limits(settings.flood_burst, settings.flood_per_minute, settings.flood_max_delay_seconds)


async def screen(uow: UnitOfWork, guard: GuardDTO | None, urgent: bool = False) -> float | None:
    """Whether this young person's message goes on to the team: after how many seconds (0: at once), or None
    (not passed on). `guard`: theirs as it stands (None: they have none yet). The person is told what they need to
    know, in their language."""
    contact, session = uow.contact, uow.session
    assert contact is not None
    if guard is not None and guard.blocked and not urgent:
        if not guard.block_told:
            text = uow.tr._(
                "Your messages are not passed on to the team at the moment. If you need help now, see /help."
            )
            uow.send(text_message(uow.me, text))
            await guards.mark_block_told(session, contact.id)
        return None
    rules, now = limits(uow.services.settings), uow.services.clock.now()
    bucket = flood.Bucket(guard.tokens, guard.checked_at, flood.Told(guard.told)) if guard is not None else None
    verdict = flood.admit(bucket, rules, now)
    if urgent:  # counted, but never held back, and no talk of slowing down
        tokens = verdict.bucket.tokens - (1 if verdict.delay is None else 0)
        told = bucket.told if bucket is not None else flood.Told.NOTHING
        verdict = flood.Verdict(flood.Bucket(tokens, now, told), 0.0)
    await guards.save_bucket(
        session, contact.id, verdict.bucket.tokens, now, int(verdict.bucket.told), exists=guard is not None
    )
    if verdict.tell is flood.Told.SLOWER:
        text = uow.tr._("You are writing faster than we can read. Everything reaches the team, just a little later.")
        uow.send(text_message(uow.me, text))
    elif verdict.tell is flood.Told.NOT_PASSED_ON:
        await _tell_not_passed_on(uow)
    return verdict.delay


async def _tell_not_passed_on(uow: UnitOfWork) -> None:
    text = uow.tr._(
        "You have sent very many messages in a short time. The last ones were not passed on to the team. "
        "Please wait a few minutes, then send again what matters to you."
    )
    uow.send(text_message(uow.me, text))
    assert uow.contact is not None
    case = await cases.open_for_contact(uow.session, uow.contact.id)
    if case is not None and uow.services.settings.staff_chat_id is not None:
        note = uow.staff_tr._(
            "⚠️ This young person is sending very many messages: some were not passed on (they were asked to send "
            "them again later). /block stops everything from them."
        )
        uow.send(to_case_topic("sendMessage", {"chat_id": uow.services.settings.staff_chat_id, "text": note}, case.id))
    log.info("a young person's flood was cut off")

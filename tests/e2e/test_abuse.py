"""Abuse, end to end: a young person writing too fast is slowed down (told once, in their language) and never
delays another young person's message to the team; the team blocks and unblocks a case's sender from its topic
without learning who it is; a crisis message gets through anyway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from handoff_helpers import (
    case_of_topic,
    open_case,
    staff_tr,
    text_of,
    wait_in_chat,
    wait_topic_text,
    youth_tr,
)
from helpers import FakeClock, eventually
from sqlalchemy import select

from bot import crisis
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage.models import CaseMessage, Contact, ContactGuard, OutboxMessage

pytestmark = pytest.mark.usefixtures("never_forwards")

SLOWER = "You are writing faster than we can read. Everything reaches the team, just a little later."
NOT_PASSED_ON = (
    "You have sent very many messages in a short time. The last ones were not passed on to the team. "
    "Please wait a few minutes, then send again what matters to you."
)
WARNING = (
    "⚠️ This young person is sending very many messages: some were not passed on (they were asked to send "
    "them again later). /block stops everything from them."
)
BLOCKED_HERE = "🚫 Blocked: what this young person sends no longer reaches the team. /unblock undoes it."
UNBLOCKED_HERE = "✅ Unblocked: what this young person sends reaches this topic again."
BLOCKED = "Your messages are not passed on to the team at the moment. If you need help now, see /help."


@pytest.fixture
def clock() -> FakeClock:
    """The buckets' clock stands still: only what the test sends empties them, nothing refills them."""
    return FakeClock(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))


@pytest.fixture
async def guarded_bot(settings: Settings, clock: FakeClock, emulator: Emulator) -> AsyncIterator[BotRuntime]:
    # A burst of 3, then one every 1.5 s held back (real seconds: the outbox waits on the real clock), at most 6 s.
    limits = {"flood_burst": 3, "flood_per_minute": 40.0, "flood_max_delay_seconds": 6}
    async with BotRuntime(settings.model_copy(update=limits), clock=clock) as runtime:
        yield runtime
    refused = [(c.method, c.description) for c in emulator.errors() if c.status == 400]
    assert not refused, refused


def said(youth: dict, text: str) -> bool:  # type: ignore[type-arg]
    return text in text_of(youth)


async def test_a_flood_is_slowed_down_and_cut_off_and_never_delays_another_young_person(
    guarded_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    fast = emulator.add_user(first_name="Flo", language_code="de")  # chooses English in the intake
    calm = emulator.add_user(first_name="Bea", language_code="en")
    fast_thread = await open_case(emulator, fast, staff_group, "hallo")  # takes one message of the burst
    calm_thread = await open_case(emulator, calm, staff_group, "hi")
    flood = [f"flood {i}" for i in range(1, 11)]
    for text in flood:
        fast.send_text(text)
    calm.send_text("Bea needs help with a form")

    # Two more go at once, four are held back 1.5 s apart, the last four are not passed on.
    await wait_topic_text(emulator, staff_group, fast_thread, "flood 6")
    in_order = [text_of(m) for m in staff_group.messages() if text_of(m).startswith(("flood", "Bea"))]
    assert in_order.index("Bea needs help with a form") < in_order.index("flood 3"), in_order
    fast_topic = [text_of(m) for m in staff_group.messages(thread_id=fast_thread)]
    assert [t for t in fast_topic if t.startswith("flood")] == flood[:6]
    assert "Bea needs help with a form" in [text_of(m) for m in staff_group.messages(thread_id=calm_thread)]

    en = youth_tr(guarded_bot, "en")
    await wait_in_chat(emulator, fast, lambda m: said(m, en._(NOT_PASSED_ON)))
    texts = [text_of(m) for m in fast.messages]
    assert texts.count(en._(SLOWER)) == 1
    assert texts.count(en._(NOT_PASSED_ON)) == 1
    await wait_topic_text(emulator, staff_group, fast_thread, staff_tr(guarded_bot)._(WARNING))
    assert not any(said(m, en._(SLOWER)) for m in calm.messages)

    case = await case_of_topic(guarded_bot, fast_thread)
    assert guarded_bot.services is not None
    async with guarded_bot.services.sessions() as session:
        held = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.case_id == case.id, OutboxMessage.kind == "relay_in")
            )
        ).all()
        relayed = (
            await session.scalars(
                select(CaseMessage).where(CaseMessage.case_id == case.id, CaseMessage.direction == "in")
            )
        ).all()
    assert sum(1 for r in held if r.not_before > r.created_at) == 4  # held back, not lost
    assert len(relayed) == 7  # "hallo" and six of the flood; the last four were never taken


async def test_the_team_blocks_and_unblocks_a_case_without_learning_who_it_is(
    guarded_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Kai", last_name="Secret", username="kai_secret", language_code="en")
    thread = await open_case(emulator, user, staff_group, "hello")
    tr, en = staff_tr(guarded_bot), youth_tr(guarded_bot, "en")

    worker.send_command("block", chat=staff_group, thread_id=thread)
    blocked = await wait_topic_text(emulator, staff_group, thread, tr._(BLOCKED_HERE))
    for secret in ("Kai", "Secret", "kai_secret", str(user.id)):
        assert secret not in text_of(blocked)

    user.send_text("are you there?")
    await wait_in_chat(emulator, user, lambda m: said(m, en._(BLOCKED)))
    user.send_text("hello???")
    worker.send_command("block", chat=staff_group, thread_id=thread)
    await wait_topic_text(
        emulator, staff_group, thread, tr._("This young person is blocked already. /unblock undoes it.")
    )
    topic = [text_of(m) for m in staff_group.messages(thread_id=thread)]
    assert "are you there?" not in topic and "hello???" not in topic
    assert sum(said(m, en._(BLOCKED)) for m in user.messages) == 1  # told once, neutrally

    danger = "I want to kill myself"
    assert crisis.match(danger) is not None
    user.send_text(danger)  # safety first: a crisis message gets through a block
    await wait_topic_text(emulator, staff_group, thread, danger)

    worker.send_command("unblock", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, tr._(UNBLOCKED_HERE))
    await wait_in_chat(emulator, user, lambda m: said(m, en._("Your messages reach the team again.")))
    user.send_text("thanks")
    await wait_topic_text(emulator, staff_group, thread, "thanks")
    worker.send_command("unblock", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, tr._("This young person is not blocked."))

    worker.send_command("block", chat=staff_group)  # in the General topic: which case?
    await emulator.wait_for(
        lambda: any(tr._("Use this command inside a case topic.") in text_of(m) for m in staff_group.messages())
    )


async def test_blocking_lives_with_the_contact_and_goes_with_delete(
    guarded_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    """A block is stored with the contact (contact_guards), so deleting the contact deletes it."""
    user = emulator.add_user(first_name="Ida", language_code="en")
    thread = await open_case(emulator, user, staff_group, "hey")
    worker.send_command("block", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, staff_tr(guarded_bot)._(BLOCKED_HERE))
    assert guarded_bot.services is not None

    async def stored() -> bool:
        async with guarded_bot.services.sessions() as session:  # type: ignore[union-attr]
            return (await session.scalar(select(ContactGuard.blocked_at))) is not None

    await eventually(stored)
    async with guarded_bot.services.sessions() as session, session.begin():
        await session.execute(Contact.__table__.delete())
    async with guarded_bot.services.sessions() as session:
        assert (await session.scalars(select(ContactGuard))).all() == []

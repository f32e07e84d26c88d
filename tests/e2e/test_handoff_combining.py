"""Combining a case's waiting texts when the staff group's budget is used up: the texts are merged into as few
messages as fit, never across another message of the same case (a photo, an edit, the topic being closed), so
the team reads everything in the order it was written. The sender's pacer runs on a clock the test moves, so
"a minute later" takes no minute."""

from __future__ import annotations

import asyncio

import pytest
from handoff_helpers import case_messages, case_of_topic, no_forwards, open_case, text_of
from helpers import eventually
from sqlalchemy import select

from bot.delivery.limits import Pacer
from bot.delivery.outgoing import STAFF_LANE
from bot.runtime import BotRuntime
from sandbox import Emulator
from storage.models import InboxUpdate, OutboxMessage

pytestmark = pytest.mark.usefixtures("never_forwards")


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def merged_rows(bot: BotRuntime) -> int:
    assert bot.services is not None
    async with bot.services.sessions() as session:
        rows = await session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "merged"))
        return len(rows.all())


async def pending_in_group(bot: BotRuntime) -> int:
    assert bot.services is not None
    async with bot.services.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.lane == STAFF_LANE)
        )
        return len(rows.all())


async def test_texts_are_combined_only_between_other_messages_of_the_case(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Amira", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    assert bot.sender is not None
    clock = ManualClock()
    pacer = Pacer(1.0, 3, group_per_minute=3, global_per_second=30, clock=clock)
    for _ in range(3):
        pacer.take(STAFF_LANE)  # the group's budget for this minute is used up
    bot.sender.pacer = pacer

    user.send_text("first, before the photo")
    user.send_photo(caption="the letter")
    user.send_text("second, after the photo")
    user.send_text("third, after the photo")
    original = user.send_text("fourth, to be edited")
    user.edit(original["message_id"], "fourth, edited")
    user.send_text("fifth, after the edit")

    async def all_handled_and_combined() -> bool:
        return (
            await unhandled_updates(bot) == 0
            and await merged_rows(bot) >= 1
            and await merged_rows(bot) + await pending_in_group(bot) == 7
        )

    await eventually(all_handled_and_combined)
    await asyncio.sleep(1.5)  # one more round of the sender, which would combine what is left
    # [first] [photo] [second + third + fourth] [edit of fourth] [fifth]
    assert (await pending_in_group(bot), await merged_rows(bot)) == (5, 2)
    for left in (2, 0):  # three messages a minute
        clock.now += 61
        bot.sender.wake()
        await eventually(lambda n=left: pending_at_most(bot, n))  # type: ignore[misc]
    texts = [text_of(m) for m in staff_group.messages(thread_id=thread)]
    new = texts[texts.index("Hello, I need help with a letter") + 1 :]
    assert new[0] == "first, before the photo"
    assert new[1] == "the letter"
    assert new[2] == "second, after the photo\n\nthird, after the photo\n\nfourth, to be edited"
    assert new[3].endswith("\nfourth, edited")
    assert new[4] == "fifth, after the edit"
    case = await case_of_topic(bot, thread)
    mapped = {m.staff_message_id for m in await case_messages(bot, case.id) if m.kind == "text"}
    assert None not in mapped
    no_forwards(emulator)


async def pending_at_most(bot: BotRuntime, limit: int) -> bool:
    return await pending_in_group(bot) <= limit


async def unhandled_updates(bot: BotRuntime) -> int:
    assert bot.services is not None
    async with bot.services.sessions() as session:
        rows = await session.scalars(select(InboxUpdate.update_id).where(InboxUpdate.status == "pending"))
        return len(rows.all())

"""A young person blocks the bot: the team is told in the case topic, the contact is marked unreachable, nothing
is retried, and everything works again once they unblock and write."""

from __future__ import annotations

import asyncio

import pytest
from handoff_helpers import (
    STAFF_NAME,
    all_contacts,
    calls_into,
    open_case,
    pending_outbox,
    staff_tr,
    text_of,
    wait_topic_text,
)
from helpers import eventually
from test_intake import wait_text

from bot.runtime import BotRuntime
from sandbox import Emulator

pytestmark = pytest.mark.usefixtures("never_forwards")


async def contact_status(bot: BotRuntime) -> str:
    [contact] = await all_contacts(bot)
    return contact.status


async def test_a_worker_writing_to_someone_who_blocked_the_bot_is_told_so(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    user.block()

    async def unreachable() -> bool:
        return await contact_status(bot) == "unreachable"

    await eventually(unreachable)
    tr = staff_tr(bot)
    worker.send_text("Are you still there?", chat=staff_group, thread_id=thread)
    await wait_topic_text(
        emulator, staff_group, thread, tr._("⚠️ The young person has blocked the bot. Your message cannot be delivered.")
    )
    worker.send_command("card", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, tr._("⚠️ The young person has blocked the bot."))
    worker.send_command("claim", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, tr._("{name} has taken this case.", name=STAFF_NAME))
    worker.send_command("close", chat=staff_group, thread_id=thread)
    question = await wait_topic_text(emulator, staff_group, thread, tr._("How did the case end?"))
    worker.press(question["reply_markup"]["inline_keyboard"][0][0]["callback_data"], chat=staff_group)
    await emulator.wait_for(lambda: staff_group.topics[thread].closed)
    await asyncio.sleep(1.0)  # anything on its way to the young person would have been tried by now
    blocked_at = len(user.messages)
    assert not [c for c in calls_into(emulator, user.chat_id, status=None) if c.status == 403], (
        "nothing is sent to someone known to have blocked the bot"
    )

    # They unblock and write again: the contact is reachable again and answers arrive.
    user.unblock()
    user.send_text("Sorry, I blocked you by mistake")
    await wait_topic_text(emulator, staff_group, thread, "by mistake")
    assert await contact_status(bot) == "active"
    worker.send_text("No problem!", chat=staff_group, thread_id=thread)
    await wait_text(emulator, user, "No problem!")
    assert len(user.messages) > blocked_at


async def test_a_block_the_bot_learns_of_only_from_telegram_is_handled_once(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    """The update about the block has not come (yet): the 403 of the next message tells the bot."""
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    emulator.state.chats[user.id].blocked = True  # blocked, but no my_chat_member update is queued

    tr = staff_tr(bot)
    worker.send_text("Hello? Anyone there?", chat=staff_group, thread_id=thread)
    await wait_topic_text(
        emulator,
        staff_group,
        thread,
        tr._("⚠️ The young person has blocked the bot. Messages to them cannot be delivered."),
    )
    assert await contact_status(bot) == "unreachable"
    worker.send_text("Second try", chat=staff_group, thread_id=thread)
    await wait_topic_text(
        emulator, staff_group, thread, tr._("⚠️ The young person has blocked the bot. Your message cannot be delivered.")
    )
    await asyncio.sleep(2.5)  # long enough for a retry to show
    refused = [c for c in calls_into(emulator, user.chat_id, status=None) if c.status == 403]
    assert len(refused) == 1, "the refused message is not retried, and nothing more is tried"
    assert await pending_outbox(bot) == []
    told = [m for m in staff_group.messages(thread_id=thread) if "⚠️" in text_of(m)]
    assert len(told) == 2, [text_of(m) for m in told]

"""When a case topic cannot be made (the bot lacks the right to manage topics), the team is told once, the
case's messages wait for their topic without holding up anything else, and once the right is given the topic is
made and everything that waited arrives."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from handoff_helpers import general_texts, open_case, staff_tr, text_of
from test_intake import go_through_intake

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator

pytestmark = pytest.mark.usefixtures("never_forwards")

NO_RIGHTS = "not enough rights to manage topics in the chat"


@pytest.fixture
async def bot(settings: Settings, emulator: Emulator) -> AsyncIterator[BotRuntime]:
    """The bot; afterwards it made no request Telegram would refuse, except the topics it was not allowed to make."""
    async with BotRuntime(settings) as runtime:
        yield runtime
    refused = [(c.method, c.description) for c in emulator.errors() if c.status == 400]
    assert all(r == ("createForumTopic", f"Bad Request: {NO_RIGHTS}") for r in refused), refused


async def test_a_topic_that_cannot_be_made_yet_holds_up_nothing_else_and_is_made_later(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    early = emulator.add_user(first_name="Early", language_code="en")
    thread = await open_case(emulator, early, staff_group, "I was here before")

    rights = dict(staff_group.record.bot_rights)
    staff_group.record.bot_rights = {**rights, "can_manage_topics": False}  # an admin took the right away
    unlucky = emulator.add_user(first_name="Unlucky", language_code="en")
    await go_through_intake(emulator, unlucky)
    unlucky.send_text("first message while the bot may not make topics")
    warning = staff_tr(bot)._(
        "⚠️ The bot could not open a topic for a new case: {reason}. Check the bot's admin rights (manage topics).",
        reason=NO_RIGHTS.capitalize(),  # as python-telegram-bot reports Telegram's description
    )
    await emulator.wait_for(lambda: warning in general_texts(staff_group))
    unlucky.send_text("second message while the bot may not make topics")

    # The case already open carries on meanwhile, both ways.
    early.send_text("still there?")
    await emulator.wait_for(lambda: "still there?" in [text_of(m) for m in staff_group.messages(thread_id=thread)])
    worker.send_text("Yes, we are.", chat=staff_group, thread_id=thread)
    await emulator.wait_for(lambda: "Sam:\nYes, we are." in early.texts())

    staff_group.record.bot_rights = rights  # the right is back
    await emulator.wait_for(lambda: len(staff_group.topics) == 2, timeout=60)
    [new] = [t for t in staff_group.topics if t != thread]
    expected = ["first message while the bot may not make topics", "second message while the bot may not make topics"]
    await emulator.wait_for(
        lambda: all(e in [text_of(m) for m in staff_group.messages(thread_id=new)] for e in expected)
    )
    assert general_texts(staff_group).count(warning) == 1, "the team is told once"
    worker.send_text("Sorry for the wait!", chat=staff_group, thread_id=new)
    await emulator.wait_for(lambda: "Sam:\nSorry for the wait!" in unlucky.texts())

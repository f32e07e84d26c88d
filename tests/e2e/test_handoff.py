"""The handoff, end to end: young people and social workers talk through the staff group's case topics."""

from __future__ import annotations

import re

from conftest import STAFF_NAME
from sqlalchemy import select
from test_intake import go_through_intake, wait_text

from bot.runtime import BotRuntime
from sandbox import Emulator
from storage.models import Case


async def open_case(emu: Emulator, user, group, text: str = "Hello, I need help with a letter") -> int:  # type: ignore[no-untyped-def]
    """Intake, then a first message; returns the case topic's thread id once the copy is there."""
    await go_through_intake(emu, user)
    user.send_text(text)
    await emu.wait_for(lambda: any(text in (m.get("text") or "") for m in group.messages()))
    [topic] = [t for t in group.topics.values() if not t.deleted]
    return topic.message_thread_id


async def test_first_message_opens_a_case_topic_with_card_and_copy(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,  # type: ignore[no-untyped-def]
) -> None:
    user = emulator.add_user(first_name="Amira", last_name="Haddad", username="amira_h", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    topic = staff_group.topics[thread]
    assert re.fullmatch(r"K-[2-9A-Z]{4} · en · Ilsede", topic.name), topic.name
    texts = [m.get("text") or "" for m in staff_group.messages(thread_id=thread)]
    alias = topic.name.split(" · ")[0]
    assert any(alias in t and "18–21" in t and "Ilsede" in t for t in texts), texts
    assert any("need help with a letter" in t for t in texts)
    await wait_text(emulator, user, "has arrived")
    copies = emulator.calls_to("copyMessage")
    assert copies and all(c.status == 200 for c in copies)
    assert not emulator.calls_to("forwardMessage")


async def test_worker_answer_reaches_the_young_person_signed_and_threaded(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,  # type: ignore[no-untyped-def]
) -> None:
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group, "Can someone call the job centre with me?")
    worker.send_text("Hi! Yes, we can do that together.", chat=staff_group, thread_id=thread)
    answer = await wait_text(emulator, user, "we can do that together")
    assert answer["text"].startswith(f"{STAFF_NAME}:\n")
    assert "Sam Worker" not in answer["text"]
    # The young person answers that message: the copy in the topic answers the worker's message.
    user.reply_to(answer["message_id"], "Great, thank you")
    await emulator.wait_for(lambda: any("Great, thank you" in (m.get("text") or "") for m in staff_group.messages()))
    [copy] = [m for m in staff_group.messages(thread_id=thread) if "Great, thank you" in (m.get("text") or "")]
    replied = copy.get("reply_to_message") or {}
    assert "we can do that together" in (replied.get("text") or ""), replied
    assert bot.services is not None
    async with bot.services.sessions() as session:
        [case] = (await session.scalars(select(Case))).all()
    assert case.claimed_by is not None and case.waiting_since is not None and case.first_answer_at is not None

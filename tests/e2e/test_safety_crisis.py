"""Crisis help, end to end: crisis words (in text, captions, edits, commands, before consent) and the "I need help
now" button bring the crisis card in the young person's language with the numbers from the settings; the message
still reaches the case; the case turns urgent (topic title, a line in the topic, top of /queue, the card) and the
staff group's General topic gets an alert that names the workers on duty by text mentions — and nothing about who
the young person is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from handoff_helpers import (
    all_cases,
    case_of_topic,
    general_texts,
    open_case,
    staff_tr,
    text_of,
    wait_in_chat,
    wait_topic_text,
    youth_tr,
)
from test_intake import go_through_intake, wait_text

from bot import crisis_help
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage.models import ConversationState

pytestmark = pytest.mark.usefixtures("never_forwards")

CRISIS_EN = "honestly i want to kill myself"
CRISIS_UK = "я хочу покінчити з собою"


def card_head(bot: BotRuntime, language: str) -> str:
    return youth_tr(bot, language)._(
        "🆘 You are not alone. Please get help now – it is free, and you don't have to give your name."
    )


def alerts(group) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [m for m in group.messages() if "message_thread_id" not in m and text_of(m).startswith("🔴")]


async def test_crisis_words_bring_the_card_mark_the_case_and_alert_the_team_on_duty(
    bot: BotRuntime, emulator: Emulator, staff_group, worker, team_member
) -> None:
    alex = await team_member("Alex Private", "Alex")
    await team_member("Kim Private", "Kim")  # neither on duty nor working on the case: not named
    worker.send_command("duty", chat=staff_group)
    tr = staff_tr(bot)
    await emulator.wait_for(
        lambda: any(tr._("On duty: {names}.", names="Sam") in t for t in general_texts(staff_group))
    )
    user = emulator.add_user(first_name="Amira", last_name="Haddad", username="amira_h", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    alex.send_command("claim", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, tr._("{name} has taken this case.", name="Alex"))

    user.send_text(CRISIS_EN)
    card = await wait_in_chat(emulator, user, lambda m: card_head(bot, "en") in text_of(m))
    en = youth_tr(bot, "en")
    for number in ("116 111", "0800 111 0 111", "0800 111 0 222", "112", "110"):
        assert number in card["text"]
    assert en._(crisis_help.LABELS["youth"]) in card["text"] and en._("What you can do now:") in card["text"]
    await wait_topic_text(emulator, staff_group, thread, CRISIS_EN)  # the message still reaches the case
    marker = crisis_help.topic_marker(tr, "suicide")
    await wait_topic_text(emulator, staff_group, thread, marker)
    await emulator.wait_for(lambda: staff_group.topics[thread].name.startswith("🔴 "))

    [alert] = await emulator.wait_for(lambda: alerts(staff_group))
    case = await case_of_topic(bot, thread)
    assert case.urgent and case.urgent_reason == "suicide" and case.urgent_at is not None
    assert case.alias in alert["text"] and tr._(crisis_help.CATEGORIES["suicide"]) in alert["text"]
    mentions = [e for e in alert.get("entities", []) if e["type"] == "text_mention"]
    assert sorted(e["user"]["id"] for e in mentions) == sorted([worker.id, alex.id]), "on duty, and the case's worker"
    for leak in ("Amira", "Haddad", "amira_h", str(user.id), "kill"):
        assert leak not in alert["text"] and leak not in str(alert.get("entities")), leak

    # Still urgent: more crisis words reach the topic, without a second card or alert.
    user.send_text("i really want to kill myself tonight")
    await wait_topic_text(emulator, staff_group, thread, "tonight")
    assert sum(card_head(bot, "en") in text_of(m) for m in user.messages) == 1
    assert len(alerts(staff_group)) == 1

    # /queue: on top, marked; /card says so.
    other = emulator.add_user(first_name="Bea", language_code="en")
    await open_case(emulator, other, staff_group, "a question about a form")
    worker.send_command("queue", chat=staff_group)
    header = tr.ngettext("{n} open case", "{n} open cases", 2)
    listing = await emulator.wait_for(lambda: next((t for t in general_texts(staff_group) if header in t), None))
    assert listing.splitlines()[1].startswith(f"🔴 {case.alias}"), listing
    worker.send_command("card", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, tr._("🔴 Urgent – /urgent off when it is settled"))

    # /urgent off: settled; the title loses its mark. New crisis words start a new alert.
    worker.send_command("urgent", "off", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, tr._("{name}: no longer urgent.", name="Sam"))
    await emulator.wait_for(lambda: not staff_group.topics[thread].name.startswith("🔴"))
    assert not (await case_of_topic(bot, thread)).urgent
    user.send_text("i want to kill myself")
    await emulator.wait_for(lambda: len(alerts(staff_group)) == 2)
    await emulator.wait_for(lambda: sum(card_head(bot, "en") in text_of(m) for m in user.messages) == 2)


async def test_card_in_the_young_persons_language_from_a_caption_and_an_edit(
    bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Olena", language_code="uk")
    await go_through_intake(emulator, user, language="Українська")
    user.send_photo(caption=CRISIS_UK)
    card = await wait_in_chat(emulator, user, lambda m: card_head(bot, "uk") in text_of(m))
    assert youth_tr(bot, "uk")._(crisis_help.LABELS["counselling"]) in card["text"]
    [case] = await all_cases(bot)
    assert case.urgent_reason == "suicide"
    await emulator.wait_for(lambda: any("photo" in m for m in staff_group.messages()))  # her topic is there

    # An edit into crisis words counts too (here: a second person, whose case is not urgent yet).
    other = emulator.add_user(first_name="Max", language_code="en")
    thread = await open_case(emulator, other, staff_group, "all fine, just a question")
    sent = next(m for m in other.chat_history if m.get("text") == "all fine, just a question")
    other.edit(sent["message_id"], "actually i want to kill myself")
    await wait_in_chat(emulator, other, lambda m: card_head(bot, "en") in text_of(m))
    assert (await case_of_topic(bot, thread)).urgent


async def test_help_shows_the_numbers_and_the_button_opens_an_urgent_case(
    bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Jo", language_code="en")
    await go_through_intake(emulator, user)
    user.send_command("help")
    en = youth_tr(bot, "en")
    help_text = await wait_text(emulator, user, en._("If you need help right now – day or night, free:"))
    assert "116 111" in help_text["text"] and "/delete" in help_text["text"]
    user.press(crisis_help.HELP_BUTTON, message_id=help_text["message_id"])
    await wait_in_chat(emulator, user, lambda m: card_head(bot, "en") in text_of(m))

    # No case yet: one is opened for the press, urgent, and the alert names the whole team (nobody is on duty).
    [alert] = await emulator.wait_for(lambda: alerts(staff_group))
    [case] = await all_cases(bot)
    assert case.urgent and case.urgent_reason == crisis_help.BUTTON and case.alias in alert["text"]
    assert [e["user"]["id"] for e in alert["entities"]] == [worker.id]
    tr = staff_tr(bot)
    thread = await emulator.wait_for(lambda: case.topic_id or _topic_of(staff_group, case.alias))
    await wait_topic_text(emulator, staff_group, thread, crisis_help.topic_marker(tr, crisis_help.BUTTON))


def _topic_of(group, alias: str) -> int | None:  # type: ignore[no-untyped-def]
    return next((t for t, topic in group.topics.items() if alias in topic.name), None)


async def test_before_consent_the_card_comes_and_nothing_is_stored(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Noor", language_code="en")
    user.send_text(CRISIS_EN)  # not started: intake begins, and the card comes
    card = await wait_in_chat(emulator, user, lambda m: card_head(bot, "en") in text_of(m))
    en = youth_tr(bot, "en")
    assert en._("• You can also write to us here: a social worker will answer you.") in card["text"]
    assert "We have told our team" not in card["text"], "nothing reached the team"
    user.send_command("help", "i want to die")  # words after a command count too
    await emulator.wait_for(lambda: sum(card_head(bot, "en") in text_of(m) for m in user.messages) == 2)
    assert await all_cases(bot) == []
    assert bot.services is not None
    async with bot.services.sessions() as session:
        from sqlalchemy import select

        states = (await session.scalars(select(ConversationState))).all()
    assert all("kill" not in state.draft for state in states), "the text is not kept"


@pytest.fixture
async def regional_bot(settings: Settings, emulator: Emulator) -> AsyncIterator[BotRuntime]:
    """Another region's numbers, one with a label of the admin's own."""
    numbers = "0800 123 456=Krisendienst Musterstadt; 112=emergency"
    async with BotRuntime(settings.model_copy(update={"crisis_numbers": numbers})) as runtime:
        yield runtime
    assert not [c for c in emulator.errors() if c.status == 400]


async def test_the_numbers_come_from_the_settings(regional_bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Lu", language_code="en")
    user.send_text("i want to kill myself")
    card = await wait_in_chat(emulator, user, lambda m: card_head(regional_bot, "en") in text_of(m))
    assert "0800 123 456 – Krisendienst Musterstadt" in card["text"]
    assert youth_tr(regional_bot, "en")._("In danger right now? Call {numbers}.", numbers="112") in card["text"]
    assert "116 111" not in card["text"]

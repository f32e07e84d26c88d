"""The relay, end to end: what young people send arrives in their case topic as a copy (never a forward), what
the team sends arrives in the young person's chat signed with the worker's display name, and edits arrive as
marked copies under the earlier copy."""

from __future__ import annotations

import pytest
from handoff_helpers import (
    STAFF_NAME,
    calls_into,
    case_messages,
    case_of_topic,
    no_forwards,
    open_case,
    staff_tr,
    text_of,
    wait_in_chat,
    wait_in_topic,
    wait_topic_text,
)
from test_intake import wait_text

from bot.runtime import BotRuntime
from sandbox import Emulator

pytestmark = pytest.mark.usefixtures("never_forwards")


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def entity_text(text: str, entity: dict) -> str:  # type: ignore[type-arg]
    """The part of the text an entity covers (Telegram counts offsets in UTF-16 code units)."""
    raw = utf16(text)
    return raw[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


async def test_every_kind_of_youth_message_is_copied_into_the_case_topic(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Amira", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    await wait_text(emulator, user, "has arrived")
    sent = {
        "photo": user.send_photo(caption="my letter"),
        "voice": user.send_voice(),
        "video_note": user.send_video_note(),
        "video": user.send_video(caption="the door"),
        "document": user.send_document("bescheid.pdf", caption="from the job centre"),
        "sticker": user.send_sticker(),
        "location": user.send_location(52.3227, 10.2336),
        "contact": user.send_contact("+49 151 00000000", "Mum"),
    }
    for kind, original in sent.items():
        copy = await wait_in_topic(emulator, staff_group, thread, lambda m, k=kind: k in m)
        assert copy[kind] == original[kind], kind
        assert copy.get("caption") == original.get("caption"), kind
        assert copy["from"]["id"] == emulator.bot_user["id"], "the copy comes from the bot, not the young person"
        assert "forward_origin" not in copy
    copies = [c for c in emulator.calls_to("copyMessage") if c.status == 200]
    relayed = {c.params["message_id"]: c for c in copies if str(c.params["from_chat_id"]) == str(user.chat_id)}
    for kind, original in sent.items():
        call = relayed[original["message_id"]]
        assert str(call.params["chat_id"]) == str(staff_group.id), kind
        assert call.params["message_thread_id"] == thread, kind
    no_forwards(emulator)
    # "Thanks, your message has arrived" comes once, for the message that opened the case.
    assert sum("has arrived" in text_of(m) for m in user.messages) == 1
    case = await case_of_topic(bot, thread)
    kinds = [m.kind for m in await case_messages(bot, case.id) if m.direction == "in"]
    assert kinds == ["text", *sent], kinds


async def test_staff_media_reaches_the_young_person_signed_with_the_display_name(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    worker.send_photo(caption="Fill in this form: https://example.org/form", chat=staff_group, thread_id=thread)
    photo = await wait_in_chat(emulator, user, lambda m: "photo" in m)
    caption = photo["caption"]
    assert caption == f"{STAFF_NAME}: Fill in this form: https://example.org/form"
    [link] = [e for e in photo.get("caption_entities", []) if e["type"] == "url"]
    assert entity_text(caption, link) == "https://example.org/form"
    assert "forward_origin" not in photo and photo["from"]["id"] == emulator.bot_user["id"]

    worker.send_photo(chat=staff_group, thread_id=thread)  # no caption: the name alone says who sent it
    await emulator.wait_for(lambda: sum("photo" in m for m in user.messages) == 2)
    assert [m for m in user.messages if "photo" in m][-1]["caption"] == STAFF_NAME

    worker.send_sticker(chat=staff_group, thread_id=thread)
    sticker = await wait_in_chat(emulator, user, lambda m: "sticker" in m)
    assert "caption" not in sticker
    worker.send_document("merkblatt.pdf", caption="Read this", chat=staff_group, thread_id=thread)
    document = await wait_in_chat(emulator, user, lambda m: "document" in m)
    assert document["caption"] == f"{STAFF_NAME}: Read this"
    worker.send_voice(chat=staff_group, thread_id=thread)
    voice = await wait_in_chat(emulator, user, lambda m: "voice" in m)
    assert voice["caption"] == STAFF_NAME

    to_user = calls_into(emulator, user.chat_id)
    media = [c for c in to_user if c.method not in ("sendMessage", "editMessageText", "editMessageReplyMarkup")]
    assert {c.method for c in media} == {"copyMessage"}, "media of the team are copied, never forwarded"
    assert all(str(c.params["from_chat_id"]) == str(staff_group.id) for c in media)
    no_forwards(emulator)
    assert "Sam Worker" not in str([c.params for c in to_user])


async def test_staff_text_keeps_formatting_after_an_emoji_name_and_answers_threaded(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    team_member,
) -> None:
    zoe = await team_member("Zoë Private", "Zoë 🌟", "worker")
    user = emulator.add_user(first_name="Lina", language_code="en")
    thread = await open_case(emulator, user, staff_group, "Where can I find the form?")
    [original] = [m for m in user.chat_history if m.get("text") == "Where can I find the form?"]
    [copy] = [m for m in staff_group.messages(thread_id=thread) if m.get("text") == "Where can I find the form?"]
    zoe.reply_to(copy["message_id"], "Here: https://example.org 👍 or @anlaufstelle_team", chat=staff_group)
    answer = await wait_text(emulator, user, "example.org")
    assert answer["text"] == "Zoë 🌟:\nHere: https://example.org 👍 or @anlaufstelle_team"
    found = {e["type"]: entity_text(answer["text"], e) for e in answer.get("entities", [])}
    assert found == {"url": "https://example.org", "mention": "@anlaufstelle_team"}, found
    assert answer["reply_to_message"]["message_id"] == original["message_id"], "answers the young person's message"
    assert "Zoë Private" not in str(user.messages)


async def test_an_edit_arrives_as_a_marked_copy_under_the_earlier_copy(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Jonas", language_code="en")
    thread = await open_case(emulator, user, staff_group, "I need help with my rent")
    [original] = [m for m in user.chat_history if m.get("text") == "I need help with my rent"]
    [copy] = [m for m in staff_group.messages(thread_id=thread) if m.get("text") == "I need help with my rent"]

    user.edit(original["message_id"], "I need help with my rent contract")
    marker = staff_tr(bot)._("✏️ Edited by the young person:")
    edited = await wait_topic_text(emulator, staff_group, thread, "rent contract")
    assert edited["text"] == f"{marker}\nI need help with my rent contract"
    assert edited["reply_to_message"]["message_id"] == copy["message_id"]
    assert edited["message_thread_id"] == thread
    assert copy in staff_group.messages(thread_id=thread), "the earlier copy stays as it was"

    # A second edit of the same message goes under the same earlier copy.
    user.edit(original["message_id"], "I need help with my rent contract, urgently")
    second = await wait_topic_text(emulator, staff_group, thread, "urgently")
    assert second["reply_to_message"]["message_id"] == copy["message_id"]
    no_forwards(emulator)

"""Forum groups: topics, copying user content into topics, rights, leaving and privacy mode."""

from __future__ import annotations

import pytest
import telegram
from sandbox_testkit import Raw

from sandbox import GENERAL_TOPIC, Emulator

NO_TOPIC_RIGHTS = "Bad Request: not enough rights to manage topics in the chat"


async def test_topic_lifecycle(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    group = emu.add_forum_group(
        title="Team", bot_is_admin=True, bot_rights={"can_manage_topics": True, "can_delete_messages": True}
    )
    assert group.id < -(10**12) and str(group.id).startswith("-100")
    chat = await bot.get_chat(group.id)
    assert chat.is_forum and chat.type == "supergroup" and chat.title == "Team"
    topic = await bot.create_forum_topic(group.id, "Fall #17")
    tid = topic.message_thread_id
    assert group.topics[tid].name == "Fall #17" and not group.topics[tid].closed
    posted = await bot.send_message(group.id, "Neue Anfrage", message_thread_id=tid)
    assert posted.message_thread_id == tid and posted.is_topic_message
    assert posted.reply_to_message.forum_topic_created.name == "Fall #17", "Telegram's topic reply quirk"
    general = await bot.send_message(group.id, "Allgemein")
    assert general.message_thread_id is None
    assert [m["text"] for m in group.messages(tid)] == ["Neue Anfrage"]
    assert [m["text"] for m in group.messages(GENERAL_TOPIC)] == ["Allgemein"]
    assert len(group.messages()) == 2

    assert await bot.edit_forum_topic(group.id, tid, name="Fall #17 (erledigt)") is True
    assert group.topics[tid].name == "Fall #17 (erledigt)"
    assert await raw.error("editForumTopic", chat_id=group.id, message_thread_id=tid, name="Fall #17 (erledigt)") == (
        "Bad Request: TOPIC_NOT_MODIFIED"
    )
    assert await raw.error("createForumTopic", chat_id=group.id, name="x" * 129) == "Bad Request: TOPIC_NAME_INVALID"
    assert await bot.close_forum_topic(group.id, tid) is True
    assert group.topics[tid].closed
    await bot.send_message(group.id, "admins may still post", message_thread_id=tid)
    assert await bot.reopen_forum_topic(group.id, tid) is True
    assert await raw.error("unpinAllForumTopicMessages", chat_id=group.id, message_thread_id=tid) == (
        "Bad Request: not enough rights to manage pinned messages in the chat"
    )
    assert await bot.delete_forum_topic(group.id, tid) is True
    assert group.topics[tid].deleted and group.messages(tid) == []
    assert await raw.error("sendMessage", chat_id=group.id, message_thread_id=tid, text="x") == (
        "Bad Request: message thread not found"
    )
    assert await raw.error("sendMessage", chat_id=group.id, message_thread_id=4242, text="x") == (
        "Bad Request: message thread not found"
    )


async def test_rights_are_enforced(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    admin = emu.add_forum_group("Admins", bot_rights={"can_manage_topics": True})
    topic = await bot.create_forum_topic(admin.id, "Thema")
    await bot.close_forum_topic(admin.id, topic.message_thread_id)
    weak = emu.add_forum_group("Weak", bot_is_admin=False)
    assert await raw.error("createForumTopic", chat_id=weak.id, name="x") == NO_TOPIC_RIGHTS
    staff = emu.add_user("Sam", language_code="de")
    weak.add_member(staff, status="administrator")
    human_topic = weak.create_topic("Von Sam", by=staff)
    tid = human_topic["message_thread_id"]
    assert await raw.error("closeForumTopic", chat_id=weak.id, message_thread_id=tid) == NO_TOPIC_RIGHTS
    weak.record.topics[tid].closed = True
    assert await raw.error("sendMessage", chat_id=weak.id, message_thread_id=tid, text="x") == (
        "Bad Request: TOPIC_CLOSED"
    )
    staff_message = staff.send_text("hi", chat=weak)
    assert await raw.error("deleteMessage", chat_id=weak.id, message_id=staff_message["message_id"]) == (
        "Bad Request: message can't be deleted"
    )
    own = await bot.send_message(weak.id, "mine")
    assert await bot.delete_message(weak.id, own.message_id) is True
    plain = emu.add_group("Plain")
    assert await raw.error("createForumTopic", chat_id=plain.id, name="x") == (
        "Bad Request: method is available only for supergroups"
    )


async def test_copy_user_photo_into_topic_without_sender(emu: Emulator, bot: telegram.Bot) -> None:
    group = emu.add_forum_group("Team")
    user = emu.add_user("Amira", language_code="ar")
    photo = user.send_photo(caption="Mein Ausweis")
    topic = await bot.create_forum_topic(group.id, "Amira")
    copied = await bot.copy_message(group.id, user.id, photo["message_id"], message_thread_id=topic.message_thread_id)
    message = group.messages(topic.message_thread_id)[-1]
    assert message["message_id"] == copied.message_id
    assert message["photo"][-1]["file_id"] == photo["photo"][-1]["file_id"]
    assert message["caption"] == "Mein Ausweis" and message["from"]["id"] == bot.id
    assert "forward_origin" not in message
    for send in (user.send_sticker, user.send_voice, user.send_video_note):
        original = send()
        await bot.copy_message(group.id, user.id, original["message_id"], message_thread_id=topic.message_thread_id)
    located = user.send_location(1.0, 2.0)
    await bot.copy_message(group.id, user.id, located["message_id"], message_thread_id=topic.message_thread_id)
    kinds = [
        next(k for k in ("photo", "sticker", "voice", "video_note", "location") if k in m)
        for m in group.messages(topic.message_thread_id)
    ]
    assert kinds == ["photo", "sticker", "voice", "video_note", "location"]
    ids = await bot.copy_messages(group.id, user.id, [photo["message_id"], located["message_id"]])
    assert len(ids) == 2
    with pytest.raises(telegram.error.BadRequest, match="Message to copy not found"):
        await bot.copy_message(group.id, user.id, 99999)


async def test_a_forward_is_refused_and_logged(emu: Emulator, bot: telegram.Bot) -> None:
    """The emulator does not forward (a forward would show the young person's account); the attempt is refused
    and stays in the call log, so the tests' never_forwards check sees it."""
    group = emu.add_forum_group("Team")
    user = emu.add_user("Amira")
    text = user.send_text("private")
    with pytest.raises(telegram.error.BadRequest, match="not implemented"):
        await bot.forward_message(group.id, user.id, text["message_id"])
    assert [c.status for c in emu.calls_to("forwardMessage")] == [400]
    assert group.messages() == []


async def test_members_admins_and_leaving(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    group = emu.add_forum_group("Team")
    staff = emu.add_user("Sam")
    group.add_member(staff, status="administrator")
    admins = await bot.get_chat_administrators(group.id)
    assert {a.status for a in admins} == {"creator", "administrator"}
    me = await bot.get_chat_member(group.id, bot.id)
    assert me.status == "administrator" and me.can_manage_topics and not me.can_pin_messages
    assert (await bot.get_chat_member(group.id, staff.id)).status == "administrator"
    other = emu.add_group("Fremd")
    updates = await bot.get_updates()
    joined = [u.my_chat_member for u in updates if u.my_chat_member]
    assert [(m.chat.id, m.new_chat_member.status) for m in joined] == [
        (group.id, "administrator"),
        (other.id, "member"),
    ]
    assert await bot.leave_chat(other.id) is True
    with pytest.raises(telegram.error.Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(other.id, "still here?")
    group.set_bot_status("kicked")
    assert await raw.error("sendMessage", 403, chat_id=group.id, text="x") == (
        "Forbidden: bot was kicked from the supergroup chat"
    )


async def test_group_privacy_mode(emu: Emulator, bot: telegram.Bot) -> None:
    group = emu.add_group("Plain")
    member = emu.add_user("Kim")
    group.add_member(member)
    await bot.get_updates(offset=-1)
    await bot.get_updates(offset=(await bot.get_updates())[-1].update_id + 1)
    member.send_text("chatter", chat=group)
    member.send_command("help", chat=group)
    member.send_text("hey @anlaufstelle_test_bot", chat=group)
    texts = [u.message.text for u in await bot.get_updates()]
    assert texts == ["/help", "hey @anlaufstelle_test_bot"]
    with pytest.raises(ValueError, match="not a member"):
        emu.add_user("Stranger").send_text("hi", chat=group)


async def test_staff_work_in_topics(emu: Emulator, bot: telegram.Bot) -> None:
    group = emu.add_forum_group("Team")
    staff = emu.add_user("Sam", language_code="de")
    group.add_member(staff, status="member")
    topic = await bot.create_forum_topic(group.id, "Fall")
    tid = topic.message_thread_id
    card = await bot.send_message(
        group.id,
        "Neue Anfrage",
        message_thread_id=tid,
        reply_markup=telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("Übernehmen", callback_data="t")]]),
    )
    said = staff.send_text("Ich mach das", chat=group, thread_id=tid)
    assert said["is_topic_message"] and said["message_thread_id"] == tid
    assert said["reply_to_message"]["forum_topic_created"]["name"] == "Fall"
    replied = staff.reply_to(card.message_id, "Erledigt", chat=group)
    assert replied["message_thread_id"] == tid and replied["reply_to_message"]["message_id"] == card.message_id
    command = staff.send_command("close", chat=group, thread_id=tid)
    query = staff.press("Übernehmen", chat=group)
    assert query["message"]["message_thread_id"] == tid
    updates = await bot.get_updates()
    kinds = [u.message.text if u.message else u.callback_query.data for u in updates if u.message or u.callback_query]
    assert kinds == ["Ich mach das", "Erledigt", "/close", "t"]
    assert command["entities"][0]["type"] == "bot_command"


async def test_default_config_has_limits_on() -> None:
    async with Emulator() as emulator:
        assert emulator.limits.enabled and emulator.limits.per_chat_burst == 3
        assert emulator.api_url.startswith("http://127.0.0.1:")

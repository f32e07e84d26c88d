"""Sending, editing, deleting, copying, forwarding, callbacks, blocking, files."""

from __future__ import annotations

import pytest
import telegram
from sandbox_testkit import Raw
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import Emulator

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"cb:{label}") for label in labels]])


async def test_user_actions_produce_updates(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Amira", username="amira", language_code="ar")
    start = user.send_command("start", "stop_3")
    assert start["text"] == "/start stop_3"
    assert start["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    user.send_location(52.32, 10.23)
    user.send_contact(phone_number="+4915112345678", first_name="Amira", user_id=user.id)
    user.send_document(filename="a.pdf", content=b"%PDF-1.4")
    for send in (user.send_photo, user.send_sticker, user.send_voice, user.send_video, user.send_video_note):
        send()
    updates = await bot.get_updates()
    messages = [u.message for u in updates]
    assert messages[0].text == "/start stop_3" and messages[0].from_user.language_code == "ar"
    assert messages[0].chat.type == "private" and messages[0].chat.id == user.chat_id == user.id
    assert messages[1].location.latitude == pytest.approx(52.32)
    assert messages[2].contact.user_id == user.id
    assert messages[3].document.file_name == "a.pdf"
    assert messages[4].photo and messages[5].sticker and messages[6].voice
    assert messages[7].video and messages[8].video_note
    ids = [m.message_id for m in messages]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert user.id > 10**8


async def test_send_edit_and_not_modified(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    user = emu.add_user("Bo")
    sent = await bot.send_message(user.id, "Hallo *Welt*", parse_mode="Markdown", reply_markup=keyboard("A"))
    assert sent.text == "Hallo Welt" and sent.from_user.id == bot.id
    assert user.last_message["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"  # type: ignore[index]
    with pytest.raises(telegram.error.BadRequest) as excinfo:
        await bot.edit_message_text(
            "Hallo *Welt*", user.id, sent.message_id, parse_mode="Markdown", reply_markup=keyboard("A")
        )
    assert excinfo.value.message == NOT_MODIFIED.removeprefix("Bad Request: ").capitalize()
    edited = await bot.edit_message_text("Neu", user.id, sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    assert user.texts() == ["Neu"]
    assert "reply_markup" not in user.messages[0], "editing without reply_markup removes the keyboard"
    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=keyboard("B"))
    assert (
        await raw.error(
            "editMessageReplyMarkup",
            chat_id=user.id,
            message_id=sent.message_id,
            reply_markup={"inline_keyboard": [[{"text": "B", "callback_data": "cb:B"}]]},
        )
        == NOT_MODIFIED
    )
    own = user.send_text("mine")
    assert await raw.error("editMessageText", chat_id=user.id, message_id=own["message_id"], text="x") == (
        "Bad Request: message can't be edited"
    )
    assert await raw.error("editMessageText", chat_id=user.id, message_id=9999, text="x") == (
        "Bad Request: message to edit not found"
    )
    photo = await bot.send_photo(user.id, b"\xff\xd8fakejpeg", caption="old")
    await bot.edit_message_caption(user.id, photo.message_id, caption="new")
    assert user.texts()[-1] == "new"
    assert await raw.error("editMessageCaption", chat_id=user.id, message_id=sent.message_id, caption="x") == (
        "Bad Request: there is no caption in the message to edit"
    )


async def test_delete_messages(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    user = emu.add_user("Chen")
    first = await bot.send_message(user.id, "one")
    second = await bot.send_message(user.id, "two")
    assert await bot.delete_message(user.id, first.message_id) is True
    assert user.texts() == ["two"]
    assert await raw.error("deleteMessage", chat_id=user.id, message_id=first.message_id) == (
        "Bad Request: message to delete not found"
    )
    incoming = user.send_text("from the user")
    assert await bot.delete_messages(user.id, [second.message_id, incoming["message_id"], 12345]) is True
    assert user.messages == [] and user.last_message is None


async def test_blocked_user_gets_403_and_my_chat_member(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Dana")
    user.block()
    updates = await bot.get_updates()
    member_update = updates[-1].my_chat_member
    assert member_update.new_chat_member.status == "kicked" and member_update.old_chat_member.status == "member"
    assert member_update.from_user.id == user.id and member_update.new_chat_member.user.id == bot.id
    with pytest.raises(telegram.error.Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.id, "hello?")
    assert emu.errors()[-1].status == 403
    user.unblock()
    assert (await bot.get_updates(offset=updates[-1].update_id + 1))[-1].my_chat_member.new_chat_member.status == (
        "member"
    )
    await bot.send_message(user.id, "welcome back")
    never_started = emu.add_user("Eli", started=False)
    with pytest.raises(telegram.error.Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(never_started.id, "hi")


async def test_reply_and_user_edit(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Fatima")
    question = await bot.send_message(user.id, "Wie heißt du?")
    reply = user.reply_to(question.message_id, "Fatima")
    assert reply["reply_to_message"]["message_id"] == question.message_id
    user.edit(reply["message_id"], "Fatima K.")
    updates = await bot.get_updates()
    assert updates[0].message.reply_to_message.text == "Wie heißt du?"
    assert updates[1].edited_message.text == "Fatima K." and updates[1].edited_message.edit_date
    answer = await bot.send_message(user.id, "Danke", reply_parameters=telegram.ReplyParameters(reply["message_id"]))
    assert answer.reply_to_message.message_id == reply["message_id"]


async def test_press_and_answer_callback(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    user = emu.add_user("Gus")
    await bot.send_message(user.id, "old", reply_markup=keyboard("Ja"))
    menu = await bot.send_message(user.id, "Wähle", reply_markup=keyboard("Ja", "Nein"))
    with pytest.raises(LookupError):
        user.press("Vielleicht")
    query = user.press("Nein")
    assert query["message"]["message_id"] == menu.message_id and query["data"] == "cb:Nein"
    assert user.press("cb:Ja")["message"]["message_id"] == menu.message_id, "latest message wins"
    update = (await bot.get_updates())[0]
    assert update.callback_query.data == "cb:Nein" and update.callback_query.from_user.id == user.id
    assert await update.callback_query.answer("Gespeichert", show_alert=True) is True
    assert emu.callback_answer(query["id"]) == {"text": "Gespeichert", "show_alert": True}
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert await raw.error("answerCallbackQuery", callback_query_id=query["id"]) == too_old
    assert await raw.error("answerCallbackQuery", callback_query_id="123") == too_old
    second = user.press("Ja", message_id=menu.message_id)
    assert await raw.error("answerCallbackQuery", callback_query_id=second["id"], text="x" * 201) == (
        "Bad Request: MESSAGE_TOO_LONG"
    )
    emu.state.callback_queries[second["id"]].created_at -= 16 * 60
    assert await raw.error("answerCallbackQuery", callback_query_id=second["id"]) == too_old


async def test_files_upload_and_download(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    user = emu.add_user("Hana")
    sent = user.send_document(filename="bericht.pdf", content=b"%PDF-1.4 hello")
    file = await bot.get_file(sent["document"]["file_id"])
    assert file.file_path and bytes(await file.download_as_bytearray()) == b"%PDF-1.4 hello"
    uploaded = await bot.send_document(user.id, b"plain text", filename="notiz.txt", caption="Notiz")
    assert uploaded.document.file_name == "notiz.txt" and uploaded.caption == "Notiz"
    resent = await bot.send_document(user.id, uploaded.document.file_id)
    assert resent.document.file_id == uploaded.document.file_id
    assert await raw.error("sendDocument", chat_id=user.id, document="https://example.org/a.pdf") == (
        "Bad Request: failed to get HTTP URL content"
    )
    assert await raw.error("sendDocument", chat_id=user.id, document="nonsense") == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert await raw.error("sendPhoto", chat_id=user.id, photo=uploaded.document.file_id) == (
        "Bad Request: type of file mismatch"
    )
    assert await raw.error("getFile", file_id="nope") == "Bad Request: invalid file_id"
    missing = await raw.client.get(f"/file/bot{raw.token}/documents/nothing.pdf")
    assert missing.status_code == 404


async def test_other_send_methods(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Ines")
    location = await bot.send_location(user.id, 52.52, 13.40)
    venue = await bot.send_venue(user.id, 52.52, 13.40, "Treff", "Hauptstr. 1")
    contact = await bot.send_contact(user.id, "+49301234567", "Beratung")
    assert location.location.longitude == pytest.approx(13.40) and venue.venue.title == "Treff"
    assert contact.contact.phone_number == "+49301234567"
    assert await bot.send_chat_action(user.id, "typing") is True
    with pytest.raises(telegram.error.BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(user.id, "dancing")
    assert await bot.pin_chat_message(user.id, location.message_id) is True
    chat = await bot.get_chat(user.id)
    assert chat.first_name == "Ines" and chat.pinned_message.message_id == location.message_id
    member = await bot.get_chat_member(user.id, user.id)
    assert member.status == "member"

"""Request decoding and validation: tokens, unknown methods, types, nested objects, Telegram's checks."""

from __future__ import annotations

import json

import pytest
import telegram
from sandbox_testkit import TOKEN, Raw
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import Emulator


async def test_wrong_token_is_401(emu: Emulator, raw: Raw) -> None:
    response = await raw.client.post("/bot123456:wrong-token/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    malformed = await raw.client.post("/botnot-a-token/getMe")
    assert malformed.status_code == 404, "Telegram answers 404 for malformed tokens"
    with pytest.raises(telegram.error.InvalidToken):
        async with telegram.Bot("999:nope", base_url=f"{emu.api_url}/bot"):
            pass


async def test_unknown_method_is_404_and_unimplemented_is_400(raw: Raw) -> None:
    response = await raw.call("sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    description = await raw.error("sendInvoice", chat_id=1)
    assert description == "Bad Request: method is not implemented by the sandbox emulator"


async def test_method_names_are_case_insensitive_and_get_works(emu: Emulator, raw: Raw) -> None:
    me = (await raw.client.get(f"/bot{TOKEN}/GETME")).json()
    assert me["ok"] and me["result"]["username"] == "anlaufstelle_test_bot"
    assert emu.calls[-1].method == "getMe"


async def test_parameter_encodings(emu: Emulator, raw: Raw) -> None:
    user = emu.add_user("Amira")
    url = f"/bot{TOKEN}/sendMessage"
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    by_query = await raw.client.get(url, params={"chat_id": user.id, "text": "query"})
    by_form = await raw.client.post(url, data={"chat_id": str(user.id), "text": "form", "reply_markup": markup})
    by_multipart = await raw.client.post(url, data={"chat_id": str(user.id), "text": "multi"}, files={"x": b"1"})
    assert [r.status_code for r in (by_query, by_form, by_multipart)] == [200, 200, 200]
    assert user.texts() == ["query", "form", "multi"]
    assert user.messages[1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    assert emu.calls[-2].params["chat_id"] == user.id, "calls carry decoded parameters"
    assert emu.calls[-2].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "x"}, 'Bad Request: parameter "chat_id" is required'),
        ({"chat_id": "{u}"}, "Bad Request: message text is empty"),
        ({"chat_id": "{u}", "text": ""}, "Bad Request: message text is empty"),
        ({"chat_id": "{u}", "text": "   "}, "Bad Request: message text is empty"),
        ({"chat_id": "{u}", "text": "x" * 4097}, "Bad Request: message is too long"),
        (
            {"chat_id": "{u}", "text": "x", "disable_notification": "maybe"},
            'Bad Request: field "disable_notification" must be of type Boolean',
        ),
        (
            {"chat_id": "{u}", "text": "x", "message_thread_id": "abc"},
            'Bad Request: field "message_thread_id" must be of type Integer',
        ),
        ({"chat_id": "{u}", "text": "x", "reply_markup": "{nope"}, "Bad Request: can't parse reply_markup JSON object"),
        (
            {"chat_id": "{u}", "text": "x", "reply_markup": {"inline_keyboard": [[{"callback_data": "a"}]]}},
            'Bad Request: can\'t parse reply_markup: field "reply_markup.inline_keyboard[0][0].text" is required',
        ),
        (
            {"chat_id": "{u}", "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a"}]]}},
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        (
            {
                "chat_id": "{u}",
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": ""}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {
                "chat_id": "{u}",
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "ü" * 33}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"chat_id": "{u}", "text": "x", "reply_parameters": {"message_id": "x"}},
            'Bad Request: can\'t parse reply_parameters: field "reply_parameters.message_id" must be of type Integer',
        ),
        (
            {"chat_id": "{u}", "text": "x", "reply_parameters": {"message_id": 99999}},
            "Bad Request: message to be replied not found",
        ),
        (
            {"chat_id": "{u}", "text": "x", "link_preview_options": [1]},
            'Bad Request: field "link_preview_options" must be of type LinkPreviewOptions',
        ),
        (
            {"chat_id": "{u}", "text": "<b>x", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            {"chat_id": "{u}", "text": "1.5", "parse_mode": "MarkdownV2"},
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
        ),
        ({"chat_id": "{u}", "text": "x", "parse_mode": "Wiki"}, "Bad Request: unsupported parse_mode"),
        ({"chat_id": 424242, "text": "x"}, "Bad Request: chat not found"),
        ({"chat_id": "@nobody", "text": "x"}, "Bad Request: chat not found"),
    ],
)
async def test_send_message_rejections(emu: Emulator, raw: Raw, params: dict[str, object], description: str) -> None:
    user = emu.add_user("Amira")
    resolved = {k: (user.id if v == "{u}" else v) for k, v in params.items()}
    assert await raw.error("sendMessage", **resolved) == description
    assert emu.errors()[-1].description == description
    assert user.messages == []


async def test_length_counts_visible_text_after_entities(emu: Emulator, raw: Raw) -> None:
    user = emu.add_user("Amira")
    text = "<b>" + "x" * 4096 + "</b>"
    sent = await raw.ok("sendMessage", chat_id=user.id, text=text, parse_mode="HTML")
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]
    caption_ok = await raw.ok("sendPhoto", chat_id=user.id, photo=_photo_id(user), caption="c" * 1024)
    assert len(caption_ok["caption"]) == 1024
    too_long = await raw.error("sendPhoto", chat_id=user.id, photo=_photo_id(user), caption="c" * 1025)
    assert too_long == "Bad Request: message caption is too long"


def _photo_id(user: object) -> str:
    sent = user.send_photo()  # type: ignore[attr-defined]
    return str(sent["photo"][-1]["file_id"])


async def test_nested_arrays_and_unions(emu: Emulator, raw: Raw) -> None:
    description = await raw.error("setMyCommands", commands=[{"command": "start"}])
    assert description == 'Bad Request: can\'t parse commands: field "commands[0].description" is required'
    description = await raw.error("setMyCommands", commands=[], scope={"type": "galaxy"})
    assert description.startswith('Bad Request: can\'t parse scope: field "scope.type" must be one of "default"')
    description = await raw.error("setMyCommands", commands=[], scope={"type": "chat"})
    assert description == 'Bad Request: can\'t parse scope: field "scope.chat_id" is required'
    description = await raw.error("deleteMessages", chat_id=1, message_ids=["a"])
    assert description == 'Bad Request: can\'t parse message_ids: field "message_ids[0]" must be of type Integer'
    assert await raw.ok("getMe", something_unknown="ignored")


async def test_ptb_sees_bad_request(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Amira")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(telegram.error.BadRequest, match="Button_data_invalid"):
        await bot.send_message(user.id, "hi", reply_markup=markup)
    with pytest.raises(telegram.error.BadRequest, match="Can't parse entities: unsupported start tag"):
        await bot.send_message(user.id, "a<br>b", parse_mode="HTML")

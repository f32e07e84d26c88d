"""Commands, names and descriptions, menu button, getMe."""

from __future__ import annotations

import pytest
import telegram
from sandbox_testkit import Raw
from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, MenuButtonCommands

from sandbox import Emulator


async def test_commands_per_scope_and_language(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    group = emu.add_forum_group("Team")
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("hilfe", "Hilfe")])
    await bot.set_my_commands([BotCommand("start", "ابدأ")], language_code="ar")
    await bot.set_my_commands([BotCommand("fall", "Fall")], scope=BotCommandScopeChat(group.id))
    await bot.set_my_commands([BotCommand("stop", "Stop")], scope=BotCommandScopeAllPrivateChats(), language_code="de")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "hilfe"]
    assert [c.description for c in await bot.get_my_commands(language_code="ar")] == ["ابدأ"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(group.id))] == ["fall"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert ("default", "ar") in emu.commands
    assert await bot.delete_my_commands(language_code="ar") is True
    assert await bot.get_my_commands(language_code="ar") == ()
    assert await raw.error("setMyCommands", commands=[{"command": "Start!", "description": "x"}]) == (
        "Bad Request: BOT_COMMAND_INVALID"
    )
    assert await raw.error("setMyCommands", commands=[{"command": "a", "description": ""}]) == (
        "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
    )
    assert await raw.error("setMyCommands", commands=[], language_code="deu") == "Bad Request: LANG_CODE_INVALID"
    assert await raw.error("setMyCommands", commands=[], scope={"type": "chat", "chat_id": 42}) == (
        "Bad Request: chat not found"
    )


async def test_names_descriptions_menu_button(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    assert await bot.set_my_name("Anlaufstelle") is True
    assert await bot.set_my_name("الملتقى", language_code="ar") is True
    assert (await bot.get_my_name(language_code="ar")).name == "الملتقى"
    assert (await bot.get_my_name(language_code="fa")).name == "Anlaufstelle"
    await bot.set_my_description("Wir helfen.")
    await bot.set_my_short_description("Hilfe")
    assert (await bot.get_my_description()).description == "Wir helfen."
    assert (await bot.get_my_short_description()).short_description == "Hilfe"
    assert await raw.error("setMyShortDescription", short_description="x" * 121) == (
        "Bad Request: SHORT_DESCRIPTION_INVALID"
    )
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands()) is True
    assert isinstance(await bot.get_chat_menu_button(), MenuButtonCommands)
    me = await bot.get_me()
    assert me.is_bot and me.username == "anlaufstelle_test_bot" and me.id == 123456
    assert await bot.log_out() is True and await bot.close() is True


async def test_member_count_and_pins(emu: Emulator, bot: telegram.Bot) -> None:
    group = emu.add_forum_group("Team", bot_rights={"can_pin_messages": True})
    staff = emu.add_user("Sam")
    group.add_member(staff)
    assert await bot.get_chat_member_count(group.id) == 3
    message = await bot.send_message(group.id, "Regeln")
    assert await bot.pin_chat_message(group.id, message.message_id) is True
    assert (await bot.get_chat(group.id)).pinned_message.text == "Regeln"
    assert await bot.unpin_chat_message(group.id) is True
    with pytest.raises(telegram.error.BadRequest, match="Message to unpin not found"):
        await bot.unpin_chat_message(group.id)

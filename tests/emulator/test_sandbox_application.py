"""A real python-telegram-bot Application polling the emulator, end to end."""

from __future__ import annotations

import asyncio

import telegram
from sandbox_testkit import TOKEN
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from sandbox import Emulator


async def test_application_polls_and_answers(emu: Emulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Weiter", callback_data="next")]])
        await update.effective_message.reply_text(f"Hallo! args={context.args}", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Weiter geht's")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        await update.effective_message.reply_text(update.effective_message.text.upper())

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{emu.api_url}/bot")
        .base_file_url(f"{emu.api_url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    user = emu.add_user("Amira", language_code="ar")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            user.send_command("start", "stop_3")
            await emu.wait_for(lambda: user.last_message is not None, timeout=5)
            assert user.texts() == ["Hallo! args=['stop_3']"]
            user.press("Weiter")
            await emu.wait_for(lambda: user.texts() == ["Weiter geht's"], timeout=5)
            user.send_text("leise")
            await emu.wait_for(lambda: user.texts()[-1:] == ["LEISE"], timeout=5)
            await emu.wait_for(lambda: emu.updates_pending() == 0, timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
    assert not emu.errors(), emu.errors()
    assert [c.method for c in emu.calls[:2]] == ["getMe", "deleteWebhook"]


async def test_media_group_with_attachments(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Bo")
    media = [InputMediaPhoto(b"\xff\xd8one", caption="eins"), InputMediaPhoto(b"\xff\xd8two")]
    sent = await bot.send_media_group(user.id, media)
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id
    assert sent[0].caption == "eins" and sent[1].photo


async def test_stop_while_the_bot_is_long_polling(emu: Emulator, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emu.wait_for(lambda: emu.state.poll_generation == 1)
    await emu.stop()
    assert await asyncio.wait_for(poll, 2) == ()

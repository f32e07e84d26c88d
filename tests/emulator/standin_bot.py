"""A stand-in bot for the chat page's browser test (not the real bot): a real python-telegram-bot Application.

Private chat: /start opens a case topic in the staff group and answers with an inline keyboard; text is echoed
(and copied into the case topic); a location gets a venue and an .ics document; a photo gets a thank-you.
Staff group: a message in a case topic is copied to the young person; /queue in General answers.

By hand: ``.venv/bin/python tests/emulator/standin_bot.py`` serves the page on http://127.0.0.1:8080/.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from sandbox import Emulator, EmulatorConfig, GroupHandle, Limits, UserHandle

TOKEN = "123456:TEST-token"
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//sandbox//standin//EN\r\nBEGIN:VEVENT\r\nUID:bus-1@sandbox\r\n"
    b"DTSTART:20260301T140000Z\r\nSUMMARY:Bus in Peine\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def build(emu: Emulator, staff: GroupHandle) -> Application[Any, Any, Any, Any, Any, Any]:
    cases: dict[int, int] = {}  # topic thread id -> the young person's chat id
    topic_of: dict[int, int] = {}

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        if user.id not in topic_of:
            topic = await context.bot.create_forum_topic(staff.id, f"{user.first_name} · case {len(cases) + 1}")
            cases[topic.message_thread_id], topic_of[user.id] = user.id, topic.message_thread_id
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Yes", callback_data="yes"), InlineKeyboardButton("No", callback_data="no")]]
        )
        await message.reply_text("Welcome! Do you agree to the privacy notice?", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"You chose {query.data}")
        await query.edit_message_text(f"You chose: {query.data}")

    async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None and update.effective_user is not None
        await message.reply_text(message.text)
        thread = topic_of.get(update.effective_user.id)
        if thread is not None:
            await context.bot.copy_message(staff.id, message.chat_id, message.message_id, message_thread_id=thread)

    async def location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        await message.reply_venue(52.3200, 10.2340, "Bus stop Peine", "Am Markt 1, 31224 Peine")
        await message.reply_document(ICS, filename="termine.ics", caption="The bus dates")

    async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Thanks for the photo!")

    async def staff_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        chat_id = cases.get(message.message_thread_id or 0)
        if chat_id is not None and not (message.from_user and message.from_user.is_bot):
            await context.bot.copy_message(chat_id, staff.id, message.message_id)

    async def queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Open cases: {len(cases)}")

    app = Application.builder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start, filters=private))
    app.add_handler(CommandHandler("queue", queue, filters=filters.Chat(staff.id)))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, private_text)
    )
    app.add_handler(MessageHandler(private & filters.LOCATION, location))
    app.add_handler(MessageHandler(private & filters.PHOTO, photo))
    app.add_handler(
        MessageHandler(filters.Chat(staff.id) & filters.UpdateType.MESSAGE & ~filters.COMMAND, staff_message)
    )
    return app


@contextlib.asynccontextmanager
async def running(emu: Emulator, staff: GroupHandle) -> AsyncIterator[None]:
    app = build(emu, staff)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def world(emu: Emulator) -> tuple[GroupHandle, UserHandle, UserHandle]:
    """The staff group with Mara (coordinator, admin) and Jonas (social worker)."""
    mara = emu.add_user("Mara", language_code="de")
    jonas = emu.add_user("Jonas", language_code="de")
    staff = emu.add_forum_group("Team Anlaufstelle", creator=mara)
    staff.add_member(jonas)
    return staff, mara, jonas


async def main() -> None:  # pragma: no cover - a manual demo
    from sandbox.web import serve

    async with Emulator(EmulatorConfig(token=TOKEN, limits=Limits(enabled=False))) as emu:
        staff, mara, _ = world(emu)
        runner = await serve(emu, port=8080, staff_chat_id=staff.id, coordinator_id=mara.id)
        async with running(emu, staff):
            print("http://127.0.0.1:8080/", flush=True)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()
        await runner.cleanup()


if __name__ == "__main__":  # pragma: no cover
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())

"""The reference: a bare python-telegram-bot echo bot, as its documentation writes one — an Application with its own
Updater polling, and one MessageHandler that copies each text back. No database, no durability.

    python -m benchmarks.echo_bot API_URL TOKEN [aiohttp]

With `aiohttp`, the same bot makes its Bot API calls through the HTTP backend the bot uses
(bot.delivery.connections) instead of PTB's default, httpx: a second reference, to show what of the relay's ratio
is that backend's.
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None:
        await message.copy(chat_id=message.chat_id)


def main(api_url: str, token: str, backend: str = "httpx") -> None:
    builder = ApplicationBuilder().token(token).base_url(f"{api_url}/bot").base_file_url(f"{api_url}/file/bot")
    if backend == "aiohttp":
        from bot.delivery.connections import bot_api_request

        builder = builder.request(bot_api_request(256)).get_updates_request(bot_api_request(1, read_timeout=20))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling(allowed_updates=["message"], timeout=10)


if __name__ == "__main__":
    main(*sys.argv[1:4])

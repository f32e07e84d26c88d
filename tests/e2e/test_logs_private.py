"""Logs never carry the token, what anybody wrote, or ids: end-to-end journeys (intake, relay both ways with a note,
booking) with every logger at DEBUG — python-telegram-bot, aiohttp (the bot's HTTP client and webhook server),
SQLAlchemy, aiosqlite, ours — through the logging the bot configures for itself (bot.privacy.configure_logging), and
the captured output searched.

The emulator's own logger ("sandbox") is left out: it stands for Telegram, whose side sees everything anyway."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import booking_kit
import pytest
from booking_kit import book
from handoff_helpers import STAFF_NAME, open_case, wait_in_chat, wait_topic_text
from pydantic import SecretStr
from test_intake import go_through_intake
from test_webhook import free_port

from bot.privacy import configure_logging
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures

LOGGERS = (
    "telegram",
    "httpx",
    "httpcore",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "aiohttp",
    "aiosqlite",
    "asyncpg",
    "apscheduler",
    "alembic",
    "asyncio",
    "bot",
    "handlers",
    "conversations",
    "storage",
    "anlaufstelle",
)


@pytest.fixture
def debug_logs(settings: Settings) -> Iterator[io.StringIO]:
    """Everything at DEBUG into a buffer, through the bot's own handler and filter; restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_root = list(root.handlers), root.level
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    sandbox = logging.getLogger("sandbox")
    buffer = io.StringIO()
    assert settings.telegram_bot_token is not None and settings.secret_key is not None
    secrets = (settings.telegram_bot_token.get_secret_value(), settings.secret_key.get_secret_value())
    handler = configure_logging("DEBUG", secrets=secrets, stream=buffer)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    sandbox.propagate = False
    try:
        yield buffer
    finally:
        sandbox.propagate = True
        root.removeHandler(handler)
        for old in saved_handlers:
            root.addHandler(old)
        root.setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


async def test_nothing_private_in_the_logs_at_debug(
    debug_logs: io.StringIO, booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    young = emulator.add_user(first_name="Xaviera", last_name="Quandt", username="xaviera_q", language_code="en")
    other = emulator.add_user(first_name="Yusuf", language_code="en")
    said = {
        "first": "Mein Vermieter droht mir mit Kuendigung",
        "caption": "Der Brief vom Jobcenter Peine",
        "answer": "Wir helfen dir gern beim Widerspruch",
        "note": "interne Notiz ueber Wohnungsnot",
        "nickname": "Zoraflamme",
        "edit": "Mein Vermieter droht mir mit Raeumung",
    }
    await go_through_intake(emulator, other, nickname=said["nickname"])
    thread = await open_case(emulator, young, staff_group, said["first"])
    young.send_photo(caption=said["caption"])
    await wait_topic_text(emulator, staff_group, thread, said["caption"])
    first = next(m for m in young.chat_history if m.get("text") == said["first"])
    young.edit(first["message_id"], said["edit"])
    await wait_topic_text(emulator, staff_group, thread, said["edit"])
    worker.send_text(said["answer"], chat=staff_group, thread_id=thread)
    await wait_in_chat(emulator, young, lambda m: m.get("text") == f"{STAFF_NAME}:\n{said['answer']}")
    worker.send_command("note", said["note"], chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, "📝")
    await book(emulator, young)

    logs = debug_logs.getvalue()
    # The journeys were logged, by every library, with what is harmless kept.
    for expected in ("Calling Bot API endpoint `sendMessage`", "SELECT", "[…]"):
        assert expected in logs, expected
    settings = booking_bot.settings
    assert settings.telegram_bot_token is not None and settings.secret_key is not None
    token = settings.telegram_bot_token.get_secret_value()
    secrets = {
        "token": token,
        "token secret": token.split(":")[1],
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        **said,
        "first name": "Xaviera",
        "last name": "Quandt",
        "username": "xaviera_q",
        "user id": str(young.id),
        "other user id": str(other.id),
        "worker id": str(worker.id),
        "staff group id": str(staff_group.id).removeprefix("-"),
    }
    leaks = {name: value for name, value in secrets.items() if value in logs}
    assert not leaks, f"found in the logs: {sorted(leaks)}"


async def test_nothing_private_in_the_logs_at_debug_in_webhook_mode(
    debug_logs: io.StringIO, settings: Settings, emulator: Emulator, staff_group, worker
) -> None:
    """The same through the webhook server (aiohttp on the bot's side)."""
    hook = settings.model_copy(
        update={"webhook_port": free_port(), "webhook_secret_token": SecretStr("hook-Secret-4711")}
    )
    url = f"http://127.0.0.1:{hook.webhook_port}/telegram/hook"
    young = emulator.add_user(first_name="Wilhelmina", username="wilhelmina_w", language_code="en")
    async with BotRuntime(hook, webhook_url=url):
        thread = await open_case(emulator, young, staff_group, "Ich habe Angst vor meinem Stiefvater")
        worker.send_text("Wir sind fuer dich da", chat=staff_group, thread_id=thread)
        await wait_in_chat(emulator, young, lambda m: m.get("text") == f"{STAFF_NAME}:\nWir sind fuer dich da")
    logs = debug_logs.getvalue()
    assert "webhook server listening" in logs and "Calling Bot API endpoint `setWebhook`" in logs
    assert settings.telegram_bot_token is not None
    secrets = {
        "token": settings.telegram_bot_token.get_secret_value(),
        "webhook secret": "hook-Secret-4711",
        "first": "Ich habe Angst vor meinem Stiefvater",
        "answer": "Wir sind fuer dich da",
        "first name": "Wilhelmina",
        "username": "wilhelmina_w",
        "user id": str(young.id),
        "staff group id": str(staff_group.id).removeprefix("-"),
    }
    leaks = {name: value for name, value in secrets.items() if value in logs}
    assert not leaks, f"found in the logs: {sorted(leaks)}"

"""`anlaufstelle check`: is everything in place on Telegram's side and ours? One line per finding; a line starting
with "FIX" says what the admin has to do; the exit status is 1 when there is any.

It asks Telegram (getMe, getChat, getChatMember, getWebhookInfo) and reads the database; it changes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, ChatMemberAdministrator
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError

from bot.settings import Settings

Say = Callable[[str], None]
RIGHTS = (
    ("can_manage_topics", "Manage topics"),  # a topic per case; closing, reopening, renaming it
    ("can_delete_messages", "Delete messages"),  # deleting a case's topic with the case
    ("can_pin_messages", "Pin messages"),
)
WHERE_RIGHTS = "in the staff group (group settings → Administrators → the bot)"


def add_parser(sub: Any) -> None:
    sub.add_parser("check", help="check the token, the staff group and the bot's rights there, and the database")


class Findings:
    def __init__(self, say: Say) -> None:
        self._say, self.problems = say, 0

    def ok(self, line: str) -> None:
        self._say(f"ok    {line}")

    def note(self, line: str) -> None:
        self._say(f"note  {line}")

    def fix(self, line: str) -> None:
        self.problems += 1
        self._say(f"FIX   {line}")


async def run(settings: Settings, _key: str, _args: argparse.Namespace | None = None, say: Say = print) -> int:
    found = Findings(say)
    if settings.telegram_bot_token is None:
        found.fix("TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather into .env or the environment")
    else:
        bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=settings.bot_api_base_url)
        try:
            await _telegram(bot, settings, found)
        finally:
            await bot.shutdown()
    await _database(settings, found)
    return 1 if found.problems else 0


async def _telegram(bot: Bot, settings: Settings, found: Findings) -> None:
    try:
        me = await bot.get_me()
    except (InvalidToken, Forbidden):
        found.fix("Telegram refuses TELEGRAM_BOT_TOKEN: copy the token again from @BotFather (/mybots → API Token)")
        return
    except NetworkError as exc:
        found.fix(f"Telegram cannot be reached at TELEGRAM_API_URL ({settings.telegram_api_url}): {exc.message}")
        return
    found.ok(f"the token works: the bot is @{me.username}")
    await _staff_group(bot, me.id, settings.staff_chat_id, found)
    try:
        hook = await bot.get_webhook_info()
    except TelegramError:
        return
    if hook.url:
        found.note("a webhook is set: `anlaufstelle run` removes it and polls, `run --webhook URL` uses it")
        if hook.last_error_message:
            found.fix(f"Telegram cannot deliver to the webhook ({hook.last_error_message}): check the proxy and URL")


async def _staff_group(bot: Bot, bot_id: int, chat_id: int | None, found: Findings) -> None:
    if chat_id is None:
        found.fix(
            "STAFF_CHAT_ID is not set: add the bot to the team's forum group and put the group's id (-100…) there"
        )
        return
    try:
        chat = await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot_id)
    except Forbidden:
        found.fix("the bot is not a member of the staff group (STAFF_CHAT_ID): add it to the group again")
        return
    except BadRequest as exc:
        found.fix(f"the staff group STAFF_CHAT_ID is not found ({exc.message}): add the bot to it and check the id")
        return
    if chat.type != chat.SUPERGROUP:
        found.fix(
            "the staff group is not a supergroup: turn on Topics in its settings; Telegram then gives it a new id "
            "(-100…) for STAFF_CHAT_ID"
        )
        return
    if not chat.is_forum:
        found.fix("the staff group has no topics: turn on Topics in the group's settings")
    else:
        found.ok(f"the staff group “{chat.title}” is a forum supergroup")
    if not isinstance(member, ChatMemberAdministrator):
        labels = ", ".join(label for _right, label in RIGHTS)
        found.fix(f"the bot is not an administrator of the staff group: make it one, with {labels}")
        return
    missing = [label for right, label in RIGHTS if not getattr(member, right, False)]
    for label in missing:
        found.fix(f"give the bot the right “{label}” {WHERE_RIGHTS}")
    if not missing:
        found.ok("the bot is an administrator of the staff group with the rights it needs")


async def _database(settings: Settings, found: Findings) -> None:
    from storage import lease, migrate, staff
    from storage.base import utcnow
    from storage.engine import create_engine, session_factory

    engine = create_engine(settings.effective_database_url)
    try:
        current, head = await migrate.current_revision(engine), migrate.head_revision()
        if current != head:
            found.note(f"the database is at revision {current}; the next start upgrades it to {head}")
            return
        async with session_factory(engine)() as session:
            team = await staff.all_active(session)
            running = await lease.current(session)
    except (SQLAlchemyError, OSError) as exc:
        found.fix(f"the database (DATABASE_URL) cannot be used: {type(exc).__name__}")
        return
    finally:
        await engine.dispose()
    found.ok(f"the database is at the newest revision ({head})")
    if not team:
        found.fix("nobody is in the team yet: anlaufstelle staff add TELEGRAM_USER_ID --name NAME --role admin")
    if running is not None and running.expires_at > utcnow():
        h = running.holder
        found.note(f"an instance is running against this database ({h.mode}, pid {h.pid} on {h.host})")

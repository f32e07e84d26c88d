"""`anlaufstelle rotate-key`: everything encrypted with the first key of SECRET_KEY, every pseudonym re-hashed.

The steps (README, "Rotating the secret key"): put the new key first, SECRET_KEY=new,old, and restart the bot
(it writes with the new key and still reads the old); run rotate-key; then remove the old key and restart. The
bot may keep running during the rotation. Every value is re-encrypted (storage.rekey finds the columns), every
contact re-hashed from their chat id (a private chat's id is the user's id), and at the end every value is
checked to be readable with the new key alone.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bot.delivery.outgoing import private_lane
from bot.privacy import Keyring
from bot.settings import Settings
from storage import lease, migrate, rekey
from storage.base import utcnow

Say = Callable[[str], None]


def add_parser(sub: Any) -> None:
    sub.add_parser(
        "rotate-key",
        help="re-encrypt everything with the first key of SECRET_KEY (set SECRET_KEY=new,old first)",
    )


async def run(settings: Settings, secret: str, _args: argparse.Namespace | None = None, say: Say = print) -> int:
    from storage.engine import create_engine, session_factory

    keyring = Keyring.from_setting(secret)
    if not keyring.has_old_keys:
        say("anlaufstelle: SECRET_KEY holds one key only. Put the new key first: SECRET_KEY=new,old (see README).")
        return 2
    engine = create_engine(settings.effective_database_url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        async with sessions() as session:
            running = await lease.current(session)
        if running is not None and running.expires_at > utcnow() and running.holder.key_id != keyring.key_id:
            say(
                f"anlaufstelle: the running bot (pid {running.holder.pid} on {running.holder.host}) does not use the "
                "new key yet: restart it with SECRET_KEY=new,old first, then run rotate-key again."
            )
            return 2
        unreadable = await _reencrypt(sessions, keyring, say)
        rehashed, lost = await _rehash(sessions, keyring)
        say(f"pseudonyms: {rehashed} re-hashed" + (f", {lost} without a readable chat id" if lost else ""))
        async with sessions() as session:
            waiting = await rekey.unfinished_signups(session)
        if waiting:
            say(
                f"{waiting} sign-ups in progress (no consent yet, so no chat id kept) are re-hashed when the person "
                "writes again while the old key is still listed"
            )
        left = await _left_under_old_keys(sessions, keyring)
    finally:
        await engine.dispose()
    if unreadable or lost or left:
        say(f"anlaufstelle: {unreadable + lost + left} values are not readable with the new key: keep the old key.")
        return 1
    say("done: everything is readable with the new key alone. Now set SECRET_KEY to the new key only and restart.")
    return 0


async def _reencrypt(sessions: Any, keyring: Keyring, say: Say) -> int:
    unreadable = 0
    for table, column in rekey.encrypted_columns():
        done = 0
        async for batch in rekey.stored_values(sessions, table, column):
            async with sessions() as session, session.begin():
                for stored in batch:
                    try:
                        fresh = keyring.rotate(stored.value)
                    except ValueError:
                        unreadable += 1
                        continue
                    done += await rekey.replace_value(session, stored, fresh)
        if done:
            say(f"{table.name}.{column.name}: {done} re-encrypted")
    return unreadable


async def _rehash(sessions: Any, keyring: Keyring) -> tuple[int, int]:
    async with sessions() as session:
        people = await rekey.contact_pseudonyms(session)
    rehashed = lost = 0
    for _contact_id, old, chat_id_enc in people:
        try:
            new = keyring.user_key(keyring.decrypt_int(chat_id_enc))
        except ValueError:
            lost += 1
            continue
        if new != old:
            async with sessions() as session, session.begin():
                await rekey.rename_user_key(session, old, new, private_lane)
            rehashed += 1
    return rehashed, lost


async def _left_under_old_keys(sessions: Any, keyring: Keyring) -> int:
    left = 0
    for table, column in rekey.encrypted_columns():
        async for batch in rekey.stored_values(sessions, table, column):
            left += sum(1 for stored in batch if not keyring.readable_with_first_key(stored.value))
    return left

"""Key rotation, end to end: with SECRET_KEY=new,old the bot writes with the new key and reads both;
`anlaufstelle rotate-key` re-encrypts everything and re-hashes every pseudonym while the bot runs; afterwards the
bot works with the new key alone: the same young person finds their case, the team's answer reaches them, the
notes can be read."""

from __future__ import annotations

from handoff_helpers import STAFF_NAME, open_case, wait_in_chat, wait_topic_text
from pydantic import SecretStr
from sqlalchemy import select
from test_intake import wait_text

from bot import cli_rotate
from bot.privacy import Keyring
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage import rekey
from storage.models import Contact

NEW = "new-secret-key-" + "n" * 40


def keyed(settings: Settings, keys: str) -> Settings:
    return settings.model_copy(update={"secret_key": SecretStr(keys)})


async def rotate(settings: Settings, keys: str) -> tuple[int, list[str]]:
    lines: list[str] = []
    status = await cli_rotate.run(settings, keys, say=lines.append)
    return status, lines


async def test_rotating_the_key_while_the_bot_runs(settings: Settings, emulator: Emulator, staff_group, worker) -> None:
    assert settings.secret_key is not None
    old = settings.secret_key.get_secret_value()
    amira = emulator.add_user(first_name="Amira", language_code="en")
    noor = emulator.add_user(first_name="Noor", language_code="en")
    async with BotRuntime(settings) as old_bot:  # the old key only
        thread = await open_case(emulator, amira, staff_group, "hello under the old key")
        worker.send_command("note", "an internal note", chat=staff_group, thread_id=thread)
        await wait_topic_text(emulator, staff_group, thread, "📝")
        noor.send_command("start")  # a sign-up half done: no consent yet, so no chat id is kept
        await wait_text(emulator, noor, "Anlaufstelle")
        noor.press("English")
        await wait_text(emulator, noor, "Telegram name")
        status, lines = await rotate(settings, f"{NEW},{old}")
        assert status == 2 and "restart it with SECRET_KEY=new,old first" in lines[0]  # it would not read the new
        assert old_bot.services is not None
    status, lines = await rotate(settings, old)
    assert status == 2 and "one key only" in lines[0]

    async with BotRuntime(keyed(settings, f"{NEW},{old}")):  # step 1: the new key first, the old one readable
        status, lines = await rotate(settings, f"{NEW},{old}")  # step 2, while it runs
        assert status == 0, lines
        assert any(line.startswith("contacts.chat_id_enc: 1 re-encrypted") for line in lines), lines
        assert any(line.startswith("case_messages.text_enc: 1 re-encrypted") for line in lines), lines
        assert "pseudonyms: 1 re-hashed" in lines
        assert any("1 sign-ups in progress" in line for line in lines), lines
        noor.press("in:yes")  # carries on where she was: found under her old pseudonym and re-hashed
        await emulator.wait_for(lambda: "in:anon" in str(noor.last_message.get("reply_markup")))

    async with BotRuntime(keyed(settings, NEW)) as new_bot:  # step 3: the new key alone
        amira.send_text("still there?")
        await wait_topic_text(emulator, staff_group, thread, "still there?")  # the same case, the same topic
        worker.send_text("Yes!", chat=staff_group, thread_id=thread)
        await wait_in_chat(emulator, amira, lambda m: m.get("text") == f"{STAFF_NAME}:\nYes!")
        noor.press("in:anon")
        await wait_text(emulator, noor, "How old")
        assert new_bot.services is not None
        ring, old_ring = Keyring(NEW), Keyring(old)
        async with new_bot.services.sessions() as session:
            keys = set((await session.scalars(select(Contact.user_key))).all())
            for table, column in rekey.encrypted_columns():
                values = (await session.execute(select(column).where(column.is_not(None)))).scalars().all()
                assert all(ring.readable_with_first_key(v) for v in values if v), (table.name, column.name)
        assert keys == {ring.user_key(amira.id), ring.user_key(noor.id)}  # Noor agreed after the rotation
        assert not keys & {old_ring.user_key(amira.id), old_ring.user_key(noor.id)}

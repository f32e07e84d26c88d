"""First contact, end to end: the real Application over HTTP against the emulator, acting as young people."""

from __future__ import annotations

from helpers import eventually
from sqlalchemy import select

from bot.runtime import BotRuntime
from sandbox import Emulator
from storage.models import Contact, ConversationState


async def wait_text(emu: Emulator, user, fragment: str, timeout: float = 10.0) -> dict:  # type: ignore[no-untyped-def]
    """Wait until the bot's newest message in the user's chat contains the fragment; return it."""

    def found() -> bool:
        last = user.last_message
        return last is not None and fragment in (last.get("text") or "")

    await emu.wait_for(found, timeout=timeout)
    return user.last_message  # type: ignore[no-any-return]


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def stored_contacts(bot: BotRuntime) -> list[Contact]:
    assert bot.services is not None
    async with bot.services.sessions() as session:
        return list((await session.scalars(select(Contact))).all())


async def go_through_intake(emu: Emulator, user, language: str = "English", nickname: str | None = "Sam") -> None:  # type: ignore[no-untyped-def]
    user.send_command("start")
    await wait_text(emu, user, "Anlaufstelle")
    user.press(language)
    await emu.wait_for(lambda: "in:yes" in str(user.last_message.get("reply_markup")))
    user.press("in:yes")
    await emu.wait_for(lambda: "in:anon" in str(user.last_message.get("reply_markup")))
    if nickname is None:
        user.press("in:anon")
    else:
        user.send_text(nickname)
    await emu.wait_for(lambda: "in:age:15-17" in str(user.last_message.get("reply_markup")))
    user.press("in:age:18-21")
    await emu.wait_for(lambda: "in:place:peine" in str(user.last_message.get("reply_markup")))
    user.press("in:place:ilsede")
    await emu.wait_for(lambda: "/help" in (user.last_message.get("text") or ""))


async def test_full_intake_in_english_with_deep_link_source(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Amira", language_code="en-GB")
    user.send_command("start", "stop_3")
    greeting = await wait_text(emulator, user, "Anlaufstelle")
    assert "Which language" in greeting["text"]
    assert {"Deutsch", "English"} <= set(buttons(greeting))

    user.press("English")
    notice = await wait_text(emulator, user, "Telegram name")
    assert "/delete" in notice["text"] and "anonymous" in notice["text"]
    user.press("in:yes")
    await wait_text(emulator, user, "nickname")
    user.send_text("Sam\u200b ")  # a zero-width space is not part of the name
    await wait_text(emulator, user, "How old")
    user.press("in:age:18-21")
    await wait_text(emulator, user, "Where do you live")
    user.press("in:place:ilsede")
    done = await wait_text(emulator, user, "Thanks, Sam!")
    assert "write us" in done["text"]

    [contact] = await stored_contacts(bot)
    assert (contact.language, contact.nickname, contact.age_band, contact.place, contact.source) == (
        "en",
        "Sam",
        "18-21",
        "ilsede",
        "stop_3",
    )
    assert str(user.id) not in contact.user_key
    assert str(user.id).encode() not in contact.chat_id_enc
    assert contact.consent_at is not None


async def test_greeting_follows_telegram_language_and_falls_back_to_german(bot: BotRuntime, emulator: Emulator) -> None:
    austrian = emulator.add_user(first_name="Lena", language_code="de-AT")
    austrian.send_command("start")
    assert "Sprache" in (await wait_text(emulator, austrian, "Anlaufstelle"))["text"]
    unknown = emulator.add_user(first_name="Ana", language_code="pt-br")
    unknown.send_command("start")
    assert "Sprache" in (await wait_text(emulator, unknown, "Anlaufstelle"))["text"]


async def test_declining_keeps_nothing(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Noah", language_code="en")
    user.send_command("start", "stop_7")
    await wait_text(emulator, user, "Anlaufstelle")
    user.press("English")
    await wait_text(emulator, user, "Telegram name")
    user.press("in:no")
    answer = await wait_text(emulator, user, "Nothing about you has been stored")
    assert "/start" in answer["text"]
    assert await stored_contacts(bot) == []
    assert bot.services is not None
    async with bot.services.sessions() as session:
        assert (await session.scalars(select(ConversationState))).all() == []


async def test_skipping_everything_stays_anonymous(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Kim", language_code="en")
    await go_through_intake(emulator, user, nickname=None)
    [contact] = await stored_contacts(bot)
    assert contact.nickname is None
    assert "Thanks!" in user.last_message["text"]


async def test_stale_button_gets_a_friendly_answer(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Jo", language_code="en")
    user.send_command("start")
    first = await wait_text(emulator, user, "Anlaufstelle")
    user.send_command("start")
    await emulator.wait_for(lambda: len(user.messages) == 2)
    user.press("English")  # on the newest greeting
    await wait_text(emulator, user, "Telegram name")
    user.press("English", message_id=first["message_id"])  # the older greeting's button, a step ago
    await emulator.wait_for(
        lambda: any(
            c.method == "answerCallbackQuery" and "no longer active" in str(c.params.get("text"))
            for c in emulator.calls
        )
    )
    await emulator.wait_for(lambda: not buttons(user.messages[0]))
    assert "in:yes" in str(user.last_message.get("reply_markup")), "the current step is untouched"


async def test_commands_at_any_time_and_unknown_command(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Max", language_code="en")
    user.send_command("start")
    await wait_text(emulator, user, "Anlaufstelle")
    user.send_command("help")
    await wait_text(emulator, user, "/delete")
    user.send_command("privacy")
    await wait_text(emulator, user, "Telegram name")
    user.send_command("frobnicate")
    await wait_text(emulator, user, "don't know this command")
    user.send_command("language")
    await wait_text(emulator, user, "Which language")
    user.press("lang:de")
    await wait_text(emulator, user, "Deutsch")
    # The intake continues in German with the next answer.
    user.press("Deutsch", message_id=user.messages[0]["message_id"])
    await emulator.wait_for(lambda: "Telegram-Namen" in user.messages[0]["text"])


async def test_intake_survives_a_restart(settings, emulator: Emulator) -> None:  # type: ignore[no-untyped-def]
    user = emulator.add_user(first_name="Ida", language_code="en")
    async with BotRuntime(settings):
        user.send_command("start")
        await wait_text(emulator, user, "Anlaufstelle")
        user.press("English")
        await wait_text(emulator, user, "Telegram name")
        user.press("in:yes")
        await wait_text(emulator, user, "nickname")
    async with BotRuntime(settings):
        user.send_text("Ida")
        await wait_text(emulator, user, "How old")


async def test_hostile_text_and_files_get_an_answer(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Zed", language_code="en")
    user.send_text("<b>not html</b> *nor* _markdown_ " + "ا" * 5000)
    await wait_text(emulator, user, "Anlaufstelle")
    user.press("English")
    await wait_text(emulator, user, "Telegram name")
    user.press("in:yes")
    await wait_text(emulator, user, "nickname")
    user.send_text("x" * 4096)  # far too long for a nickname
    await wait_text(emulator, user, "up to 32 characters")
    user.send_sticker()
    await wait_text(emulator, user, "first questions")
    user.send_text("\u200b\u200f")  # only invisible characters
    await wait_text(emulator, user, "up to 32 characters")
    user.send_text("Zed")
    await wait_text(emulator, user, "How old")
    user.send_text("19")  # typed instead of tapped
    await wait_text(emulator, user, "Where do you live")
    user.send_text("Vechelde")
    await wait_text(emulator, user, "Thanks, Zed!")
    [contact] = await stored_contacts(bot)
    assert (contact.age_band, contact.place) == ("18-21", "vechelde")


async def test_delete_removes_the_contact(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Eve", language_code="en")
    await go_through_intake(emulator, user)
    user.send_command("delete")
    await wait_text(emulator, user, "cannot be undone")
    user.press("del:yes")
    await wait_text(emulator, user, "is deleted")
    assert await stored_contacts(bot) == []


async def test_blocking_marks_the_contact_unreachable(bot: BotRuntime, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Bo", language_code="en")
    await go_through_intake(emulator, user)
    user.block()

    async def unreachable() -> bool:
        [contact] = await stored_contacts(bot)
        return contact.status == "unreachable"

    await eventually(unreachable)


async def test_the_bot_leaves_other_groups(bot: BotRuntime, emulator: Emulator) -> None:
    emulator.add_group(title="Some other group")
    await emulator.wait_for(lambda: any(c.method == "leaveChat" for c in emulator.calls))

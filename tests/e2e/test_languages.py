"""Ten languages and Easy German end to end: a young person in each goes through intake, books an appointment and
receives prepared replies from a social worker; every text they got is in their language (no English msgid or
German text where their catalog says otherwise), and in Arabic and Farsi every line starts right-to-left with the
stop names isolated. Also: the command menu in every language, /language at any time, and the prepared replies
from the team's side (German in the topic, only for whoever began it, sent once, recorded in the case)."""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from dataclasses import replace
from datetime import date, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import booking_kit
import pytest
from babel.messages.pofile import read_po
from booking_kit import book, buttons, text_of
from catalog_kit import sendable
from handoff_helpers import all_cases, case_messages, wait_in_topic
from helpers import eventually
from sqlalchemy import select
from test_intake import go_through_intake, wait_text

from bot import booking, i18n
from bot import prepared_replies as prepared
from bot.i18n import COMMAND, FSI, PDI, Catalogs, Translator, isolate, starts_rtl
from bot.languages import CHOICES
from bot.runtime import BotRuntime, youth_commands
from bot.settings import Settings
from conversations.booking import slot_key
from sandbox import Emulator
from sandbox.limits import Limits
from storage.models import Case, Contact, StaffMember, Stop

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures
ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)  # the bus is at Peine, Marktplatz 14:00–18:00, two at a time
PEINE = "Peine, Marktplatz"
PLACEHOLDER = re.compile(r"\{\w*\}")


@pytest.fixture
def settings(settings: Settings, emulator: Emulator) -> Settings:
    """Eleven young people at once, each getting some twenty messages: Telegram's pace (a message a second per chat,
    20 a minute in the staff group) would make the test wait for minutes; the pacing has tests of its own."""
    emulator.limits = Limits(per_chat_per_second=1000, per_chat_burst=1000, group_per_minute=100_000)
    fast = {"rate_per_chat_per_second": 1000, "rate_per_chat_burst": 1000, "rate_group_per_minute": 100_000}
    return settings.model_copy(update=fast)


def catalogs() -> Catalogs:
    return Catalogs(BERLIN, "de")


def translations(code: str) -> dict[str, str]:
    """The catalog's translated singular entries (an entry without a translation is left out)."""
    with (i18n.LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}


@cache
def foreign_fragments(code: str) -> frozenset[str]:
    """Pieces (14+ characters) of the English msgids and of their German translations that a text in `code` must
    not contain: those its own translation does not contain too, and all of them where it has no translation (so
    an English fallback or a German text shows up). Identical translations ("Median") are fine."""

    def pieces(text: str) -> list[str]:
        return [p.strip() for p in PLACEHOLDER.split(text) if len(p.strip()) >= 14]

    own, german = translations(code), translations("de")
    found: set[str] = set()
    for msgid, _plural in sendable():
        mine = own.get(msgid, "")
        sources = ([msgid] if code != "en" else []) + ([german[msgid]] if code != "de" and msgid in german else [])
        found.update(piece for source in sources for piece in pieces(source) if piece not in mine)
    return frozenset(found)


def received(emu: Emulator, user) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    """Every text (and its buttons) the bot sent or edited into the user's chat, in order."""
    out = []
    for call in emu.calls:
        if call.status != 200 or str(call.params.get("chat_id")) != str(user.id):
            continue
        if call.method not in ("sendMessage", "editMessageText"):
            continue
        markup = call.params.get("reply_markup") or {}
        markup = json.loads(markup) if isinstance(markup, str) else markup
        labels = [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
        out.append((str(call.params.get("text", "")), labels))
    return out


def check_language(code: str, texts: list[tuple[str, list[str]]]) -> None:
    rtl = CHOICES[code].rtl
    forbidden = foreign_fragments(code)
    for text, labels in texts:
        wrong = [f for f in forbidden for shown in (text, *labels) if f in shown]
        assert not wrong, f"{code}: not in the language: {wrong[:3]} in {text!r} {labels}"
        if not rtl:
            continue
        for line in text.split("\n"):
            assert not line.strip() or starts_rtl(line), f"{code}: a line starts left-to-right: {line!r}"
        assert text.count(PEINE) == text.count(isolate(PEINE)), f"{code}: the stop is not isolated: {text!r}"
        for command in COMMAND.finditer(text):
            assert text[command.start() - 1] == FSI and text[command.end()] == PDI, f"{code}: {text!r}"
        for label in labels:
            rtl_letters = any(unicodedata.bidirectional(char) in ("R", "AL") for char in label)
            assert not rtl_letters or starts_rtl(label), f"{code}: button {label!r}"


async def staff_ids(runtime: BotRuntime, worker) -> int:  # type: ignore[no-untyped-def]
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        found = await session.scalar(select(StaffMember.id).where(StaffMember.telegram_user_id == worker.id))
        assert found is not None
        return int(found)


async def peine_id(runtime: BotRuntime) -> int:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        return int(await session.scalar(select(Stop.id).where(Stop.key == "peine-markt")) or 0)


async def topic_of(emu: Emulator, group, code: str) -> int:  # type: ignore[no-untyped-def]
    """The case topic of the young person writing in `code` (its title carries the language)."""

    def found() -> int | None:
        return next((t for t, topic in group.topics.items() if f" · {code} · " in topic.name), None)

    return await emu.wait_for(found, timeout=booking_kit.STAFF_WAIT)


async def case_in(runtime: BotRuntime, thread: int) -> Case:
    """The case of a topic, once the sender has recorded the topic it made."""
    found: list[Case] = []

    async def recorded() -> bool:
        found[:] = [c for c in await all_cases(runtime) if c.topic_id == thread]
        return bool(found)

    await eventually(recorded, timeout=20)
    return found[0]


async def press_in_topic(emu: Emulator, worker, group, thread: int, data: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    message = await wait_in_topic(emu, group, thread, lambda m: data in [d for _t, d in buttons(m)], timeout=20)
    worker.press(data, message_id=message["message_id"], chat=group)
    return message


async def send_prepared(  # type: ignore[no-untyped-def]
    emu: Emulator, worker, group, thread: int, pick: prepared.Pick, at: time | None = None, day: date = MONDAY
) -> dict[str, Any]:
    """/reply, pick the reply and its fields with the buttons, Send; returns the topic's message once sent."""
    worker.send_command("reply", pick.key, chat=group, thread_id=thread)  # straight to that reply
    step = prepared.Pick(pick.case_id, pick.staff_id, pick.key)
    for field in prepared.load()[pick.key].fields:
        changes: dict[str, dict[str, Any]] = {
            "stop": {"stop_id": pick.stop_id},
            "stop_day": {"day": day},
            "day": {"day": day},
        }
        change = changes.get(field) or {"time": at}
        await press_in_topic(emu, worker, group, thread, step.data(**change))
        step = replace(step, **change)
    message = await press_in_topic(emu, worker, group, thread, step.data("send"))
    return await wait_in_topic(
        emu, group, thread, lambda m: m["message_id"] == message["message_id"] and text_of(m).startswith("✉️")
    )


async def wait_received(emu: Emulator, user, wanted: str | None) -> None:  # type: ignore[no-untyped-def]
    """Until the user got exactly `wanted` (or, for None, a text of several lines: the bus times)."""

    def got() -> bool:
        texts = [text for text, _ in received(emu, user)]
        return any(text == wanted or (wanted is None and text.count("\n") > 3) for text in texts)

    await emu.wait_for(got, timeout=20)


def reply_body(tr: Translator, key: str, at: time) -> str | None:
    """A prepared reply as `tr` renders it (None for the one with the bus times: they come from the plan)."""
    reply = prepared.load()[key]
    if "bus_times" in reply.placeholders():
        return None
    values = {"day": tr.date(MONDAY, "full"), "stop": PEINE, "time": tr.time(booking.local(MONDAY, at, BERLIN))}
    return tr._(reply.text, **{name: values[name] for name in reply.placeholders()})


async def test_a_young_person_in_every_language(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    codes = list(CHOICES)
    stop, staff = await peine_id(booking_bot), await staff_ids(booking_bot, worker)
    tr_of = {code: catalogs().translator(code) for code in codes}

    async def young_person(index: int, code: str) -> Any:
        user = emulator.add_user(first_name=f"Young {index}", language_code=CHOICES[code].telegram_code or "de")
        await go_through_intake(emulator, user, language=CHOICES[code].native_name, nickname=None)
        starts = booking.local(MONDAY, time(14), BERLIN) + timedelta(minutes=30 * (index // 2))  # two a slot
        slot = f"bk:slot:{slot_key(booking.Slot(stop, starts, starts))}"
        await book(emulator, user, stop=PEINE, day=f"bk:day:{MONDAY}", time_label=slot, language=code)
        return user

    users = dict(zip(codes, await asyncio.gather(*(young_person(i, c) for i, c in enumerate(codes))), strict=True))

    others = iter(["more", "comeby", "book", "later", "photo", "papers", "bye", "bus", "more"])

    async def answer(code: str, keys: list[str]) -> None:
        thread = await topic_of(emulator, staff_group, code)
        case = await case_in(booking_bot, thread)
        for key in keys:
            at = time(15, 0) if key == "bus" else time(16, 30)
            pick = prepared.Pick(case.id, staff, key, stop if key == "bus" else None)
            shown = await send_prepared(emulator, worker, staff_group, thread, pick, at=at)
            german, body = reply_body(tr_of["de"], key, at), reply_body(tr_of[code], key, at)
            assert german is None or german in text_of(shown)  # the topic shows the German
            tr, user = tr_of[code], users[code]
            await wait_received(emulator, user, tr.direct(tr.insert("Sam") + ":\n" + body) if body else None)

    replies = {code: ["bus", "hours"] if CHOICES[code].rtl else [next(others)] for code in codes}
    await asyncio.gather(*(answer(code, keys) for code, keys in replies.items()))
    for code, user in users.items():
        texts = received(emulator, user)
        assert len(texts) >= 10, code
        # The greeting comes before the choice, in Telegram's language (German for Easy German).
        check_language(code, texts if code != "de@easy" else texts[1:])
    farsi = received(emulator, users["fa"])
    assert any("۱۵:۰۰" in text for text, _ in farsi), "Farsi times in Persian digits"
    hours = [text for text, _ in received(emulator, users["ar"]) if text.count("\n") >= 3]
    assert hours, "the opening hours arrive as one line per stop"


async def test_the_command_menu_is_published_in_every_language(bot: BotRuntime, emulator: Emulator) -> None:
    menus = emulator.commands
    assert ("default", "") in menus
    for code, language in CHOICES.items():
        if language.telegram_code is None:
            continue
        published = menus[("default", language.telegram_code)]
        descriptions = [c.description for c in youth_commands(catalogs().translator(code))]
        assert [c["description"] for c in published] == descriptions, code
    assert ("default", "kmr") not in menus and not any("@" in lang for _scope, lang in menus)


async def test_language_can_be_changed_any_time(bot: BotRuntime, emulator: Emulator) -> None:
    arabic, german = catalogs().translator("ar"), catalogs().translator("de@easy")
    user = emulator.add_user(first_name="Lea", language_code="en-GB")
    user.send_command("start")
    await wait_text(emulator, user, "Anlaufstelle")
    user.send_command("language")  # during intake: the draft's language changes
    await emulator.wait_for(lambda: "lang:ar" in [data for _label, data in buttons(user.last_message)])
    user.press("lang:ar")
    await wait_text(emulator, user, arabic._("Okay, from now on I'll write to you in English."))
    await go_through_intake(emulator, user, language="العربية", nickname=None)
    user.send_command("language")
    picker = await wait_text(emulator, user, arabic._("Which language do you want to write in?").split("{")[0])
    assert "Deutsch (einfach)" in [label for label, _ in buttons(picker)]
    user.press("lang:de@easy")
    await wait_text(emulator, user, german._("Okay, from now on I'll write to you in English."))
    user.send_command("help")
    await wait_text(emulator, user, german._("/help – this overview"))
    assert bot.services is not None
    async with bot.services.sessions() as session:
        assert (await session.scalars(select(Contact.language))).all() == ["de@easy"]


async def test_prepared_replies_from_the_teams_side(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker, team_member
) -> None:
    alex = await team_member("Alex Private", "Alex")
    user = emulator.add_user(first_name="Dana", language_code="uk")
    await go_through_intake(emulator, user, language="Українська", nickname=None)
    user.send_text("Привіт, мені потрібна допомога з листом")
    thread = await topic_of(emulator, staff_group, "uk")
    case = await case_in(booking_bot, thread)
    staff = await staff_ids(booking_bot, worker)
    german = catalogs().translator("de")

    worker.send_command("reply", chat=staff_group, thread_id=thread)
    pick = prepared.Pick(case.id, staff, "more")
    listing = await press_in_topic(
        emulator, worker, staff_group, thread, prepared.Pick(case.id, staff).data("go", key="more")
    )
    assert german._(prepared.load()["photo"].label) in [label for label, _ in buttons(listing)]
    preview = await press_in_topic(emulator, worker, staff_group, thread, pick.data("send"))
    assert preview["message_id"] == listing["message_id"]  # one message, edited step by step
    alex.press(pick.data("send"), message_id=listing["message_id"], chat=staff_group)  # a colleague: refused
    worker.press(pick.data("send"), message_id=listing["message_id"], chat=staff_group)  # twice: sent once
    ukrainian = catalogs().translator("uk")
    wanted = ukrainian._(prepared.load()["more"].text)
    await emulator.wait_for(lambda: sum(wanted in text for text, _ in received(emulator, user)) == 1)
    shown = await wait_in_topic(emulator, staff_group, thread, lambda m: text_of(m).startswith("✉️"))
    assert german._(prepared.load()["more"].text) in text_of(shown) and "Українська" in text_of(shown)

    async def recorded() -> bool:
        rows = [m for m in await case_messages(booking_bot, case.id) if m.kind == "prepared"]
        return len(rows) == 1 and rows[0].youth_message_id is not None and rows[0].direction == "out"

    await eventually(recorded)
    await asyncio.sleep(0.3)  # the second press and the colleague's have been handled by now
    assert sum(wanted in text for text, _ in received(emulator, user)) == 1
    answers = [c.params.get("text") for c in emulator.calls_to("answerCallbackQuery") if c.params.get("text")]
    assert german._("A colleague is preparing this reply; /reply starts your own.") in answers

    worker.send_command("reply", chat=staff_group, thread_id=thread)
    cancel = prepared.Pick(case.id, staff)
    message = await press_in_topic(emulator, worker, staff_group, thread, cancel.data("x"))
    await wait_in_topic(
        emulator,
        staff_group,
        thread,
        lambda m: m["message_id"] == message["message_id"] and text_of(m) == german._("Okay, nothing was sent."),
    )

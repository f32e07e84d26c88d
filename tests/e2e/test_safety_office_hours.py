"""Office hours, end to end on the test's clock: outside them a young person's first message of the closed time gets,
in their language, when someone will answer (Babel) and the crisis numbers; the team gets a digest of what came in
at the next morning's opening (aliases and counts, no contents), once, across restarts; public holidays of Lower
Saxony are computed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from handoff_helpers import all_cases, general_texts, open_case, staff_tr, text_of, wait_in_chat, youth_tr
from helpers import FakeClock
from test_intake import go_through_intake

from bot import crisis_help, digest
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_EVENING = datetime(2026, 11, 27, 18, 0, tzinfo=BERLIN)
MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
ON_MONDAY = "on Monday, 30 November 2026 at 09:00"
HOURS = "mon-fri 09:00-17:00"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FRIDAY_EVENING)


def office_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"office_hours": HOURS})


@pytest.fixture
async def office_bot(settings: Settings, clock: FakeClock, emulator: Emulator) -> AsyncIterator[BotRuntime]:
    async with BotRuntime(office_settings(settings), clock=clock) as runtime:
        yield runtime
    assert not [(c.method, c.description) for c in emulator.errors() if c.status == 400]


def closed_head(bot: BotRuntime, language: str) -> str:
    return youth_tr(bot, language)._("Thanks, your message has arrived. Our team is not in the office right now.")


def digests(group) -> list[str]:  # type: ignore[no-untyped-def]
    return [t for t in general_texts(group) if t.startswith("☀️")]


def job_time(bot: BotRuntime) -> datetime | None:
    assert bot.app is not None and bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name(digest.JOB)
    return job.job.next_run_time  # type: ignore[no-any-return]


async def test_closed_notice_once_per_closed_time_then_the_morning_digest(
    office_bot: BotRuntime, emulator: Emulator, staff_group, worker, clock: FakeClock
) -> None:
    assert job_time(office_bot) == MONDAY_MORNING
    user = emulator.add_user(first_name="Amira", language_code="en")
    thread = await open_case(emulator, user, staff_group, "are you there? I have a question about my letter")
    en = youth_tr(office_bot, "en")
    notice = await wait_in_chat(emulator, user, lambda m: closed_head(office_bot, "en") in text_of(m))
    assert en._("A social worker will answer you {when}.", when=ON_MONDAY) in notice["text"]
    assert "116 111" in notice["text"] and "0800 111 0 111" in notice["text"]
    assert crisis_help.HELP_BUTTON in str(notice.get("reply_markup"))
    user.send_text("it is the letter from the job centre")
    await emulator.wait_for(lambda: any("job centre" in t for t in staff_group.texts(thread)))
    assert sum(closed_head(office_bot, "en") in text_of(m) for m in user.messages) == 1, "once per closed time"

    # Crisis words while closed: the card says that the team is not there, and until when.
    other = emulator.add_user(first_name="Jo", language_code="en")
    await go_through_intake(emulator, other)
    other.send_text("i want to kill myself")
    card = await wait_in_chat(emulator, other, lambda m: "🆘" in text_of(m))
    back = en._(
        "• Our team is not in the office right now and will read your message {when}. Until then, please call "
        "one of the numbers.",
        when=ON_MONDAY,
    )
    assert back in card["text"]
    assert not any(closed_head(office_bot, "en") in text_of(m) for m in other.messages), "the card said it already"

    # Monday 09:00: the job sends the digest to the General topic — aliases and counts, no contents — once.
    clock.set(MONDAY_MORNING)
    assert office_bot.app is not None and office_bot.app.job_queue is not None
    [job] = office_bot.app.job_queue.get_jobs_by_name(digest.JOB)
    await job.run(office_bot.app)
    [text] = await emulator.wait_for(lambda: digests(staff_group))
    cases = {c.contact_id: c for c in await all_cases(office_bot)}
    urgent = next(c for c in cases.values() if c.urgent)
    calm = next(c for c in cases.values() if not c.urgent)
    tr = staff_tr(office_bot)
    lines = text.splitlines()
    assert tr.ngettext("{n} message", "{n} messages", 3) in lines[0] and tr.ngettext("in {n} case", "in {n} cases", 2)
    assert lines[1] == f"🔴 {urgent.alias}: " + tr.ngettext("{n} message", "{n} messages", 1)
    assert lines[2] == f"{calm.alias}: " + tr.ngettext("{n} message", "{n} messages", 2)
    assert tr._("Nobody is on duty yet: /duty") == lines[3]
    for content in ("letter", "job centre", "kill", "Amira"):
        assert content not in text
    assert await office_bot.digests.run_due() is False  # type: ignore[union-attr]
    assert job_time(office_bot) == datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)

    # Open now: a message gets no notice. The evening after, the first message gets one again: "tomorrow".
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN))
    user.send_text("thanks for your answer")
    await emulator.wait_for(lambda: any("thanks for your answer" in t for t in staff_group.texts(thread)))
    clock.set(datetime(2026, 11, 30, 19, 30, tzinfo=BERLIN))
    user.send_text("one more thing")
    notice = await emulator.wait_for(
        lambda: [m for m in user.messages if closed_head(office_bot, "en") in text_of(m)][1:]
    )
    assert en._("A social worker will answer you {when}.", when=en._("tomorrow at {time}", time="09:00")) in text_of(
        notice[0]
    )
    assert len(digests(staff_group)) == 1


async def test_easter_holidays_are_computed_and_the_day_is_said_in_german(
    settings: Settings, emulator: Emulator, staff_group, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 25, 18, 0, tzinfo=BERLIN))  # Maundy Thursday evening: Good Friday, Easter Monday
    async with BotRuntime(office_settings(settings), clock=clock) as bot:
        user = emulator.add_user(first_name="Lena", language_code="de")
        await open_case(emulator, user, staff_group, "Hallo, habt ihr Zeit?")
        notice = await wait_in_chat(emulator, user, lambda m: closed_head(bot, "en") in text_of(m))
        assert "on Tuesday, 30 March 2027 at 09:00" in notice["text"]
        german = emulator.add_user(first_name="Jonas", language_code="de")
        await go_through_intake(emulator, german, language="Deutsch")
        german.send_text("Hallo, ist jemand da?")
        notice = await wait_in_chat(emulator, german, lambda m: closed_head(bot, "de") in text_of(m))
        assert "Dienstag, 30. März 2027" in notice["text"]
        assert job_time(bot) == datetime(2027, 3, 30, 9, 0, tzinfo=BERLIN)
    assert not [c for c in emulator.errors() if c.status == 400]


async def test_a_missed_morning_digest_is_sent_at_start_and_never_twice(
    settings: Settings, emulator: Emulator, staff_group, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 30, 9, 40, tzinfo=BERLIN))  # the bot was down at 09:00
    async with BotRuntime(office_settings(settings), clock=clock):
        [text] = await emulator.wait_for(lambda: digests(staff_group))
    nothing = staff_tr_for(settings)._("☀️ Good morning! Nothing came in while the office was closed (since {since}).")
    assert text.startswith(nothing.split("{since}")[0]), text
    clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=BERLIN))
    async with BotRuntime(office_settings(settings), clock=clock) as again:
        await again.digests.run_due()  # type: ignore[union-attr]
    assert len(digests(staff_group)) == 1


def staff_tr_for(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.i18n import Catalogs

    return Catalogs(settings.tz, settings.default_language).translator(settings.staff_language)

"""/tour in the young person's language, and one-off changes from the command line (`anlaufstelle tour cancel`
and `tour extra`, run as processes while the bot runs) changing what /tour and the booking offer."""

from __future__ import annotations

import asyncio
from datetime import date, time
from pathlib import Path

import booking_kit
from booking_kit import buttons, cli, press_and_wait, stop_id, text_of
from test_intake import go_through_intake, wait_text

from bot.runtime import BotRuntime
from sandbox import Emulator
from storage import tour

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures


async def tour_lines(emulator: Emulator, user) -> list[str]:
    before = len(user.messages)
    user.send_command("tour")
    message = await emulator.wait_for(lambda: len(user.messages) > before and user.messages[-1])
    return text_of(message).splitlines()


async def test_tour_shows_the_next_two_weeks_in_the_persons_language(
    booking_bot: BotRuntime, emulator: Emulator
) -> None:
    english = emulator.add_user(first_name="Ann", language_code="en")
    lines = await tour_lines(emulator, english)  # before intake: Telegram's language
    assert lines[0] == "Where the bus is in the next two weeks:"
    assert lines[1:5] == [
        "Mon 23 Nov · 14:00–18:00 · Peine, Marktplatz",
        "Tue 24 Nov · 15:00–18:00 · Edemissen, Rathausplatz",
        "Tue 24 Nov · 14:00–17:00 · Ilsede, Bahnhof Groß Ilsede",
        "Wed 25 Nov · 13:30–16:30 · Hohenhameln, bei der Schule",
    ]
    assert lines[-1] == "/appointment books a time to talk with us."
    assert len([line for line in lines if "Peine, Marktplatz" in line]) == 4  # Mondays and Thursdays, two weeks
    assert not any("Sun" in line for line in lines[1:-1])

    german = emulator.add_user(first_name="Jonas", language_code="de")
    await go_through_intake(emulator, german, language="Deutsch")
    assert booking_bot.services is not None
    tr = booking_bot.services.catalogs.translator("de")
    lines = await tour_lines(emulator, german)
    assert lines[0] == tr._("Where the bus is in the next two weeks:")
    assert lines[1] == "Mo., 23. Nov. · 14:00–18:00 · Peine, Marktplatz"
    assert "Fr., 4. Dez. · 15:00–18:00 · Wendeburg, Ortsmitte" in lines


async def test_cancel_and_extra_from_the_command_line_change_tour_and_booking(
    booking_bot: BotRuntime, emulator: Emulator, tmp_path: Path
) -> None:
    user = emulator.add_user(first_name="Ben", language_code="en")
    await go_through_intake(emulator, user)
    cancelled = await asyncio.to_thread(cli, booking_bot, tmp_path, "cancel", "peine-markt", "2026-11-23")
    assert cancelled.returncode == 0, cancelled.stderr
    extra = await asyncio.to_thread(
        cli, booking_bot, tmp_path, "extra", "edemissen-rathaus", "2026-11-28", "10:00", "12:00"
    )
    assert extra.returncode == 0, extra.stderr

    lines = await tour_lines(emulator, user)
    assert "Mon 23 Nov · 14:00–18:00 · Peine, Marktplatz" not in lines
    assert "Thu 26 Nov · 14:00–18:00 · Peine, Marktplatz" in lines
    assert "Sat 28 Nov · 10:00–12:00 · Edemissen, Rathausplatz" in lines

    user.send_command("appointment")
    await wait_text(emulator, user, "Where do you want to meet us")
    days = await press_and_wait(emulator, user, "Peine, Marktplatz", "Which day")
    assert [label for label, _ in buttons(days)][:2] == ["Thu 26 Nov", "Mon 30 Nov"]
    await press_and_wait(emulator, user, "bk:back", "Where do you want to meet us")
    days = await press_and_wait(emulator, user, "Edemissen, Rathausplatz", "Which day")
    assert [label for label, _ in buttons(days)][:2] == ["Tue 24 Nov", "Sat 28 Nov"]
    times = await press_and_wait(emulator, user, "Sat 28 Nov", "Which time")
    assert [label for label, _ in buttons(times)] == ["10:00", "10:30", "11:00", "11:30", "Another place"]


async def test_an_extra_time_on_a_cancelled_day_does_not_bring_the_plan_back(
    booking_bot: BotRuntime, emulator: Emulator
) -> None:
    """Cancel Monday, then add 10:00–12:00 that day: only the extra time is offered, not the plan's 14:00–18:00
    the booked young people were told is off. The other way round, cancelling drops the day's extras too."""
    assert booking_bot.services is not None
    peine = await stop_id(booking_bot, "peine-markt")
    monday, thursday = date(2026, 11, 23), date(2026, 11, 26)
    async with booking_bot.services.sessions() as session, session.begin():
        await tour.cancel_day(session, peine, monday, None)
        await tour.add_extra(session, peine, monday, time(10), time(12))
        await tour.add_extra(session, peine, thursday, time(10), time(11))
        await tour.cancel_day(session, peine, thursday, None)
    user = emulator.add_user(first_name="Cy", language_code="en")
    await go_through_intake(emulator, user)
    lines = await tour_lines(emulator, user)
    assert [line for line in lines if line.startswith(("Mon 23 Nov", "Thu 26 Nov")) and "Peine" in line] == [
        "Mon 23 Nov · 10:00–12:00 · Peine, Marktplatz"
    ]
    user.send_command("appointment")
    await wait_text(emulator, user, "Where do you want to meet us")
    days = await press_and_wait(emulator, user, "Peine, Marktplatz", "Which day")
    assert [label for label, _ in buttons(days)][:2] == ["Mon 23 Nov", "Mon 30 Nov"]
    times = await press_and_wait(emulator, user, "Mon 23 Nov", "Which time")
    assert [label for label, _ in buttons(times)] == ["10:00", "10:30", "11:00", "11:30", "Another place"]

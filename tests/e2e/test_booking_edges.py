"""Edge cases with clear answers: no free time at a stop (full, or every day cancelled) → ask the team instead; a
stop cancelled after people booked (from the command line, while the bot runs) → everyone is told in their
language and can book a new time; /delete takes the appointments and reminders along and gives the places back."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import booking_kit
from booking_kit import (
    SUNDAY,
    appointments_of,
    book,
    buttons,
    cancel_stop_day,
    case_topic,
    cli,
    places_taken,
    press_and_wait,
    reminders_of,
    rows,
    stop_id,
    text_of,
    wait_in_group,
    wait_message,
)
from helpers import FakeClock
from test_intake import go_through_intake, wait_text

from bot import booking
from bot.i18n import Translator
from bot.runtime import BotRuntime
from sandbox import Emulator
from storage import appointments, tour
from storage.models import Appointment, Case, Contact, ConversationState, Reminder

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures

TUESDAYS = [date(2026, 11, 24), date(2026, 12, 1), date(2026, 12, 8)]  # Edemissen within the 21 days one may book


def translator(runtime: BotRuntime, language: str | None = None) -> Translator:
    assert runtime.services is not None
    return runtime.services.catalogs.translator(language or runtime.settings.staff_language)


async def fill_edemissen(runtime: BotRuntime) -> None:
    """Every Tuesday slot taken (by people who are not in this test)."""
    assert runtime.services is not None
    async with runtime.services.sessions() as session, session.begin():
        stop = await tour.by_key(session, "edemissen-rathaus")
        assert stop is not None
        windows = await tour.windows(session)
        for day in TUESDAYS:
            for slot in booking.slots_on(stop, windows, day, set(), runtime.settings.tz):
                assert await appointments.take_place(session, stop.id, slot.starts_at, stop.capacity)


async def ask_instead(emulator: Emulator, runtime: BotRuntime, user, staff_group) -> None:
    user.send_command("appointment")
    await wait_text(emulator, user, "Where do you want to meet us")
    offer = await press_and_wait(emulator, user, "Edemissen, Rathausplatz", "There is no free time at Edemissen")
    assert "Write to us here instead" in text_of(offer)
    stop = await stop_id(runtime, "edemissen-rathaus")
    assert buttons(offer) == [("Ask the team for a time", f"bk:ask:{stop}"), ("Another place", "bk:back")]
    done = await press_and_wait(emulator, user, f"bk:ask:{stop}", "A social worker will get in touch")
    assert not buttons(done)
    assert await appointments_of(runtime) == []
    [contact] = await rows(runtime, Contact)
    thread = await case_topic(runtime, contact.id)
    tr = translator(runtime)
    note = tr._(
        "📅 No free time at {stop} in the next weeks: please find a time together.", stop="Edemissen, Rathausplatz"
    )
    await wait_in_group(emulator, staff_group, note, thread)
    [case] = await rows(runtime, Case)
    assert case.waiting_since is not None, "the case waits in /queue"
    assert await rows(runtime, ConversationState) == []
    # "Another place" would have gone back to the places.
    user.send_command("appointment")
    await wait_text(emulator, user, "Where do you want to meet us")
    await press_and_wait(emulator, user, "Edemissen, Rathausplatz", "There is no free time")
    await press_and_wait(emulator, user, "bk:back", "Where do you want to meet us")


async def test_a_full_stop_offers_to_ask_the_team_instead(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Mia", language_code="en")
    await go_through_intake(emulator, user)
    await fill_edemissen(booking_bot)
    await ask_instead(emulator, booking_bot, user, staff_group)


async def test_a_stop_with_every_day_cancelled_offers_to_ask_the_team_instead(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Nia", language_code="en")
    await go_through_intake(emulator, user)
    for day in TUESDAYS:
        assert await cancel_stop_day(booking_bot, "edemissen-rathaus", day, "Umbau") == 0
    await ask_instead(emulator, booking_bot, user, staff_group)


async def test_no_stop_with_free_times_near_a_shared_location(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Ole", language_code="en")
    await go_through_intake(emulator, user)
    assert booking_bot.services is not None
    async with booking_bot.services.sessions() as session, session.begin():
        for stop in await tour.stops(session):
            for n in range(booking_bot.settings.booking_days_ahead + 1):
                await tour.cancel_day(session, stop.id, SUNDAY.date() + timedelta(days=n), None)
    user.send_command("appointment")
    await wait_text(emulator, user, "Where do you want to meet us")
    user.send_location(52.32, 10.23)
    answer = await wait_text(emulator, user, "No stop has free times in the next weeks")
    assert buttons(answer) == [("Ask the team for a time", "bk:ask")]
    user.press("bk:ask", message_id=answer["message_id"])
    await wait_text(emulator, user, "A social worker will get in touch")
    [contact] = await rows(booking_bot, Contact)
    thread = await case_topic(booking_bot, contact.id)
    note = translator(booking_bot)._("📅 No stop has free times in the next weeks: please find a time together.")
    await wait_in_group(emulator, staff_group, note, thread)


async def test_a_stop_cancelled_after_booking_tells_everyone_in_their_language(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker, tmp_path: Path
) -> None:
    lea = emulator.add_user(first_name="Lea", language_code="en")
    jonas = emulator.add_user(first_name="Jonas", language_code="de")
    kai = emulator.add_user(first_name="Kai", language_code="en")
    await go_through_intake(emulator, lea)
    await go_through_intake(emulator, jonas, language="Deutsch")
    await go_through_intake(emulator, kai)
    await book(emulator, lea, time_label="14:00")
    await book(emulator, jonas, day="bk:day:2026-11-23", time_label="16:30", topic="bk:topic:none", language="de")
    await book(emulator, kai, day="Thu 26 Nov", time_label="14:00")  # another day: not concerned

    reason = "Der Bus ist in der Werkstatt"
    done = await asyncio.to_thread(
        cli, booking_bot, tmp_path, "cancel", "peine-markt", "2026-11-23", "--reason", reason
    )
    assert done.returncode == 0, done.stderr
    assert "Peine, Marktplatz cancelled on 2026-11-23; 2 booked young people are told" in done.stdout

    told_lea = await wait_message(emulator, lea, "Sorry, we have to cancel your appointment")
    assert text_of(told_lea).splitlines() == [
        "Sorry, we have to cancel your appointment: Monday, 23 November 2026, 14:00 – Peine, Marktplatz",
        f"Reason: {reason}",
        "Would you like another time?",
    ]
    assert buttons(told_lea) == [("Book a new time", "bk:start")]
    german = translator(booking_bot, "de")
    told_jonas = await wait_message(emulator, jonas, german._("Reason: {reason}", reason=reason))
    assert "Montag, 23. November 2026, 16:30 – Peine, Marktplatz" in text_of(told_jonas)
    assert buttons(told_jonas) == [(german._("Book a new time"), "bk:start")]
    assert not any("Sorry, we have to cancel" in text_of(m) for m in kai.messages)

    statuses = {a.contact_id: (a.status, a.cancelled_by, a.cancel_reason) for a in await appointments_of(booking_bot)}
    assert sorted(statuses.values()) == [
        ("booked", None, None),
        ("cancelled", "plan", reason),
        ("cancelled", "plan", reason),
    ]
    peine = await stop_id(booking_bot, "peine-markt")
    taken = await places_taken(booking_bot)
    assert taken[(peine, datetime(2026, 11, 23, 13, 0, tzinfo=UTC))] == 0
    assert taken[(peine, datetime(2026, 11, 23, 15, 30, tzinfo=UTC))] == 0
    cancelled_ids = {a.id for a in await appointments_of(booking_bot) if a.status == "cancelled"}
    assert {r.status for r in await reminders_of(booking_bot) if r.appointment_id in cancelled_ids} == {"dropped"}
    staff = translator(booking_bot)
    thread = await case_topic(booking_bot, (await appointments_of(booking_bot))[0].contact_id)
    line = f"{booking.when_text(staff, datetime(2026, 11, 23, 13, 0, tzinfo=UTC))} – Peine, Marktplatz"
    note = staff._("📅 Appointment cancelled ({reason}): {line}", reason=reason, line=line)
    await wait_in_group(emulator, staff_group, note, thread)

    # "Book a new time" works: the places, and Monday the 23rd is not offered any more.
    lea.press("bk:start", message_id=told_lea["message_id"])
    await wait_text(emulator, lea, "Where do you want to meet us")
    days = await press_and_wait(emulator, lea, "Peine, Marktplatz", "Which day")
    assert "bk:day:2026-11-23" not in [d for _, d in buttons(days)]
    await press_and_wait(emulator, lea, "Thu 26 Nov", "Which time")
    await press_and_wait(emulator, lea, "15:00", "What is it about")
    await press_and_wait(emulator, lea, "bk:topic:none", "Your appointment")
    await press_and_wait(emulator, lea, "bk:ok", "Done")
    assert len([a for a in await appointments_of(booking_bot) if a.status == "booked"]) == 2
    assert text_of(next(m for m in lea.messages if m["message_id"] == told_lea["message_id"])) == text_of(told_lea)


async def test_deleting_ones_data_takes_appointments_and_reminders_and_frees_the_place(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:
    ana = emulator.add_user(first_name="Ana", language_code="en")
    ben = emulator.add_user(first_name="Ben", language_code="en")
    await go_through_intake(emulator, ana)
    await go_through_intake(emulator, ben)
    await book(emulator, ana, stop="Edemissen, Rathausplatz", day="Tue 24 Nov", time_label="15:00")
    await book(emulator, ana, day="Thu 26 Nov", time_label="14:00", another=True)
    edemissen = await stop_id(booking_bot, "edemissen-rathaus")
    tuesday_15 = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert (await places_taken(booking_bot))[(edemissen, tuesday_15)] == 1
    assert len(await reminders_of(booking_bot)) == 4

    ben.send_command("appointment")
    await wait_text(emulator, ben, "Where do you want to meet us")
    await press_and_wait(emulator, ben, "Edemissen, Rathausplatz", "Which day")
    times = await press_and_wait(emulator, ben, "Tue 24 Nov", "Which time")
    assert "15:00" not in [label for label, _ in buttons(times)], "one place only, and it is Ana's"
    await press_and_wait(emulator, ben, "bk:back", "Where do you want to meet us")

    ana.send_command("delete")
    await wait_text(emulator, ana, "cannot be undone")
    ana.press("del:yes")
    await wait_text(emulator, ana, "is deleted")
    assert len(await rows(booking_bot, Contact)) == 1
    assert await rows(booking_bot, Appointment) == []
    assert await rows(booking_bot, Reminder) == []
    assert (await places_taken(booking_bot))[(edemissen, tuesday_15)] == 0
    assert set((await places_taken(booking_bot)).values()) == {0}

    await press_and_wait(emulator, ben, "Edemissen, Rathausplatz", "Which day")
    times = await press_and_wait(emulator, ben, "Tue 24 Nov", "Which time")
    assert "15:00" in [label for label, _ in buttons(times)]
    await press_and_wait(emulator, ben, "15:00", "What is it about")
    await press_and_wait(emulator, ben, "bk:topic:none", "Your appointment")
    await press_and_wait(emulator, ben, "bk:ok", "Done")
    [appointment] = await appointments_of(booking_bot)
    assert appointment.starts_at == tuesday_15
    # The reminder jobs of the deleted appointments find nothing to send when they fire.
    assert booking_bot.reminders is not None
    clock.set(tuesday_15 - timedelta(minutes=30))
    assert await booking_bot.reminders.run_due() == 1  # Ben's hour-before reminder only

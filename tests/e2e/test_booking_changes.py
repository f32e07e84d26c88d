"""Changes after booking: the young person sees, cancels (after a confirm step) and moves; the team moves or
cancels from the case topic with a reason the young person reads in their language; after the time, the team
marks who came from /today."""

from __future__ import annotations

from datetime import UTC, datetime

import booking_kit
from booking_kit import (
    STAFF_WAIT,
    appointments_of,
    book,
    buttons,
    case_topic,
    places_taken,
    press_and_wait,
    reminders_of,
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

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures

MONDAY_14 = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def translator(runtime: BotRuntime, language: str | None = None) -> Translator:
    assert runtime.services is not None
    return runtime.services.catalogs.translator(language or runtime.settings.staff_language)


async def test_the_young_person_sees_cancels_after_asking_and_the_place_is_free_again(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Ida", language_code="en")
    await go_through_intake(emulator, user)
    user.send_command("appointments")
    empty = await wait_text(emulator, user, "You have no appointment with us right now.")
    assert buttons(empty) == [("Book a time", "bk:start")]
    await book(emulator, user, time_label="14:00")
    await book(emulator, user, day="Thu 26 Nov", time_label="17:30", another=True)
    first, second = await appointments_of(booking_bot)
    peine = await stop_id(booking_bot, "peine-markt")
    assert (await places_taken(booking_bot))[(peine, MONDAY_14)] == 1

    user.send_command("appointments")
    listed = await emulator.wait_for(lambda: len([m for m in user.messages if "Move it" in str(buttons(m))]) == 2)
    assert listed
    shown = [m for m in user.messages if ("Move it", f"ap:move:{first.id}") in buttons(m)]
    assert text_of(shown[-1]) == "Monday, 23 November 2026, 14:00 – Peine, Marktplatz"
    assert ("Cancel it", f"ap:no:{first.id}") in buttons(shown[-1])

    question = await press_and_wait(emulator, user, f"ap:no:{first.id}", "Cancel this appointment?")
    assert buttons(question) == [("Yes, cancel it", f"ap:cancel:{first.id}"), ("No, keep it", f"ap:keep:{first.id}")]
    assert [a.status for a in await appointments_of(booking_bot)] == ["booked", "booked"], "nothing yet"
    await press_and_wait(emulator, user, f"ap:cancel:{first.id}", "Your appointment is cancelled")
    assert [a.status for a in await appointments_of(booking_bot)] == ["cancelled", "booked"]
    cancelled = (await appointments_of(booking_bot))[0]
    assert cancelled.cancelled_by == "young_person"
    assert (await places_taken(booking_bot))[(peine, MONDAY_14)] == 0
    assert {r.status for r in await reminders_of(booking_bot) if r.appointment_id == first.id} == {"dropped"}
    assert {r.status for r in await reminders_of(booking_bot) if r.appointment_id == second.id} == {"pending"}
    tr = translator(booking_bot)
    thread = await case_topic(booking_bot, first.contact_id)
    line = f"{booking.when_text(tr, MONDAY_14)} – Peine, Marktplatz"
    await wait_in_group(
        emulator, staff_group, tr._("📅 The young person cancelled the appointment: {line}", line=line), thread
    )


async def test_moving_gives_the_old_place_back_and_takes_the_new(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Eli", language_code="en")
    await go_through_intake(emulator, user)
    await book(emulator, user, stop="Edemissen, Rathausplatz", day="Tue 24 Nov", time_label="15:00")
    [appointment] = await appointments_of(booking_bot)
    user.send_command("appointments")
    await wait_text(emulator, user, "Tuesday, 24 November 2026, 15:00")
    await press_and_wait(emulator, user, f"ap:move:{appointment.id}", "Where do you want to meet us")
    await press_and_wait(emulator, user, "Edemissen, Rathausplatz", "Which day")
    await press_and_wait(emulator, user, "Tue 24 Nov", "Which time")
    await press_and_wait(emulator, user, "17:30", "What is it about")
    await press_and_wait(emulator, user, "bk:topic:none", "Your appointment")
    await press_and_wait(emulator, user, "bk:ok", "Done")
    await wait_message(emulator, user, "Your appointment is moved")
    edemissen = await stop_id(booking_bot, "edemissen-rathaus")
    taken = await places_taken(booking_bot)
    assert taken[(edemissen, datetime(2026, 11, 24, 14, 0, tzinfo=UTC))] == 0
    assert taken[(edemissen, datetime(2026, 11, 24, 16, 30, tzinfo=UTC))] == 1
    # The freed 15:00 can be booked by someone else (one place only at this stop).
    other = emulator.add_user(first_name="Fin", language_code="en")
    await go_through_intake(emulator, other)
    await book(emulator, other, stop="Edemissen, Rathausplatz", day="Tue 24 Nov", time_label="15:00")
    assert sorted(a.starts_at.hour for a in await appointments_of(booking_bot)) == [14, 16]


async def _topic_appointment_message(emulator: Emulator, runtime: BotRuntime, group, worker, thread: int) -> dict:
    tr = translator(runtime)
    before = len(group.messages(thread_id=thread))
    worker.send_command("appointments", chat=group, thread_id=thread)
    return await emulator.wait_for(
        lambda: next((m for m in group.messages(thread_id=thread)[before:] if tr._("Move") in str(buttons(m))), None),
        timeout=STAFF_WAIT,
    )


async def test_the_team_cancels_with_a_reason_the_young_person_reads_in_german(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Lena", language_code="de")
    await go_through_intake(emulator, user, language="Deutsch")
    await book(emulator, user, day="bk:day:2026-11-23", time_label="14:00", topic="bk:topic:none", language="de")
    [appointment] = await appointments_of(booking_bot)
    thread = await case_topic(booking_bot, appointment.contact_id)
    staff, youth = translator(booking_bot), translator(booking_bot, "de")

    shown = await _topic_appointment_message(emulator, booking_bot, staff_group, worker, thread)
    assert text_of(shown) == f"{booking.when_text(staff, MONDAY_14)} – Peine, Marktplatz"
    asked = await press_and_wait(
        emulator,
        worker,
        f"sa:cancel:{appointment.id}",
        staff._("Why is it cancelled? The young person will read the reason."),
        chat=staff_group,
    )
    assert [d for _, d in buttons(asked)] == [f"sa:cr:{appointment.id}:{code}" for code in ("ill", "bus", "other")]
    await press_and_wait(
        emulator,
        worker,
        f"sa:cr:{appointment.id}:ill",
        staff._("Cancelled; the young person was told."),
        chat=staff_group,
        timeout=STAFF_WAIT,
    )
    told = await wait_message(emulator, user, youth._("Reason: {reason}", reason=youth._("Someone in the team is ill")))
    assert "Montag, 23. November 2026, 14:00 – Peine, Marktplatz" in text_of(told)
    assert buttons(told) == [(youth._("Book a new time"), "bk:start")]
    [cancelled] = await appointments_of(booking_bot)
    assert (cancelled.status, cancelled.cancelled_by, cancelled.cancel_reason) == (
        "cancelled",
        "staff",
        "Someone in the team is ill",
    )
    assert {r.status for r in await reminders_of(booking_bot)} == {"dropped"}
    # "Book a new time" starts the journey in a new message: the notice with its reason stays readable.
    user.press("bk:start", message_id=told["message_id"])
    await emulator.wait_for(lambda: "bk:visit" in str(user.last_message.get("reply_markup")))
    assert text_of(next(m for m in user.messages if m["message_id"] == told["message_id"])) == text_of(told)
    # The case has nothing ahead any more.
    worker.send_command("appointments", chat=staff_group, thread_id=thread)
    await wait_in_group(emulator, staff_group, staff._("No upcoming appointments in this case."), thread)


async def test_the_team_moves_with_a_reason_and_the_young_person_is_told(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Noor", language_code="en")
    await go_through_intake(emulator, user)
    await book(emulator, user, time_label="14:00")
    [appointment] = await appointments_of(booking_bot)
    thread = await case_topic(booking_bot, appointment.contact_id)
    staff = translator(booking_bot)

    await _topic_appointment_message(emulator, booking_bot, staff_group, worker, thread)
    reasons = await press_and_wait(
        emulator,
        worker,
        f"sa:move:{appointment.id}",
        staff._("Why is it moved? The young person will read the reason."),
        chat=staff_group,
    )
    assert [d for _, d in buttons(reasons)][1] == f"sa:mr:{appointment.id}:bus"
    days = await press_and_wait(
        emulator, worker, f"sa:mr:{appointment.id}:bus", staff._("Move to which day?"), chat=staff_group
    )
    thursday = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # Thursday 16:00
    assert buttons(days)[:2] == [
        (staff.day(MONDAY_14.date()), f"sa:md:{appointment.id}:bus:2026-11-23"),
        (staff.day(thursday.date()), f"sa:md:{appointment.id}:bus:2026-11-26"),
    ]
    times = await press_and_wait(
        emulator, worker, f"sa:md:{appointment.id}:bus:2026-11-26", staff.day(thursday.date()), chat=staff_group
    )
    key = int(thursday.timestamp() // 60)
    assert ("16:00", f"sa:to:{appointment.id}:{key}:bus") in buttons(times)
    assert buttons(times)[-1] == (staff._("Another day"), f"sa:mr:{appointment.id}:bus")
    await press_and_wait(
        emulator,
        worker,
        f"sa:to:{appointment.id}:{key}:bus",
        staff._("Moved; the young person was told."),
        chat=staff_group,
        timeout=STAFF_WAIT,
    )
    moved = await wait_message(emulator, user, "Your appointment is moved:")
    assert text_of(moved).splitlines()[:3] == [
        "Your appointment is moved:",
        "Thursday, 26 November 2026, 16:00 – Peine, Marktplatz",
        "Reason: The bus cannot come",
    ]
    await emulator.wait_for(lambda: len([m for m in user.messages if m.get("document")]) == 2)
    [after] = await appointments_of(booking_bot)
    assert (after.id, after.starts_at, after.status) == (appointment.id, thursday, "booked")
    peine = await stop_id(booking_bot, "peine-markt")
    assert (await places_taken(booking_bot)) == {(peine, MONDAY_14): 0, (peine, thursday): 1}
    pending = [r for r in await reminders_of(booking_bot) if r.status == "pending"]
    assert [r.due_at for r in pending] == [
        datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 14, 0, tzinfo=UTC),
    ]
    note = staff._(
        "📅 Appointment moved: {line} (was: {before})",
        line=f"{booking.when_text(staff, thursday)} – Peine, Marktplatz",
        before=f"{booking.when_text(staff, MONDAY_14)} – Peine, Marktplatz",
    )
    topic, reason = staff._("School, training or work"), staff._("The bus cannot come")
    await wait_in_group(emulator, staff_group, f"{note} · {topic} · {reason}", thread)


async def test_after_the_time_the_team_marks_who_came_from_today(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:
    users = [emulator.add_user(first_name=name, language_code="en") for name in ("Ana", "Ben", "Cem")]
    for user, at in zip(users, ("14:00", "14:30", "17:00"), strict=True):
        await go_through_intake(emulator, user)
        await book(emulator, user, time_label=at, topic="bk:topic:none")
    ana, ben, cem = await appointments_of(booking_bot)
    staff = translator(booking_bot)
    clock.set(datetime(2026, 11, 23, 13, 45, tzinfo=UTC))  # Monday 14:45: two have begun, one is ahead
    before = len(staff_group.messages())
    worker.send_command("today", chat=staff_group)
    agenda = await emulator.wait_for(
        lambda: next((m for m in staff_group.messages()[before:] if buttons(m)), None), timeout=STAFF_WAIT
    )
    assert [d for _, d in buttons(agenda)] == [
        f"sa:att:{ana.id}:1",
        f"sa:ns:{ana.id}:1",
        f"sa:att:{ben.id}:1",
        f"sa:ns:{ben.id}:1",
    ]
    assert staff._("Who came? Mark past appointments:") in text_of(agenda)

    marked = await press_and_wait(emulator, worker, f"sa:att:{ana.id}:1", " ✅", chat=staff_group)
    lines = text_of(marked).splitlines()
    assert lines[0].endswith(" ✅") and not lines[1].endswith(("✅", "❌")) and len(lines) >= 3
    assert [d for _, d in buttons(marked)] == [f"sa:att:{ben.id}:1", f"sa:ns:{ben.id}:1"], "the others stay"
    marked = await press_and_wait(emulator, worker, f"sa:ns:{ben.id}:1", " ❌", chat=staff_group)
    assert not buttons(marked)
    assert [(a.id, a.status) for a in await appointments_of(booking_bot)] == [
        (ana.id, "attended"),
        (ben.id, "no_show"),
        (cem.id, "booked"),
    ]

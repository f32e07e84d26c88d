"""Appointments end to end, with the clock under the test's control: booking, the confirmation (Babel date,
venue, .ics), reminders sent exactly once across restarts, summer time, changes, cancelled stops."""

from __future__ import annotations

from datetime import UTC, datetime

import booking_kit
import pytest
from booking_kit import assert_jobs_held, book_peine, import_plan, press_and_wait
from helpers import FakeClock
from sqlalchemy import select
from test_intake import go_through_intake, wait_text

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage.models import Appointment, Reminder

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures


@pytest.fixture
def bot(booking_bot: BotRuntime) -> BotRuntime:
    return booking_bot


async def test_booking_confirms_with_date_venue_and_calendar_file(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,  # type: ignore[no-untyped-def]
) -> None:
    user = emulator.add_user(first_name="Lea", language_code="en")
    await go_through_intake(emulator, user)
    await book_peine(emulator, user, "14:30")
    await emulator.wait_for(lambda: any(m.get("document") for m in user.messages))
    confirmation = next(m for m in user.messages if "Your appointment is booked" in (m.get("text") or ""))
    assert "Monday, 23 November 2026" in confirmation["text"] and "14:30" in confirmation["text"]
    venue = next(m for m in user.messages if m.get("venue"))
    assert venue["venue"]["title"] == "Peine, Marktplatz"
    assert any(
        "Appointment booked" in (m.get("text") or "") or "Termin gebucht" in (m.get("text") or "")
        for m in staff_group.messages()
    )
    upload = next(c for c in emulator.calls_to("sendDocument"))
    assert upload.status == 200
    async with bot.services.sessions() as session:  # type: ignore[union-attr]
        [appointment] = (await session.scalars(select(Appointment))).all()
        reminders = (await session.scalars(select(Reminder).order_by(Reminder.due_at))).all()
    assert appointment.starts_at == datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    assert [r.due_at for r in reminders] == [
        datetime(2026, 11, 22, 13, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 12, 30, tzinfo=UTC),
    ]


async def test_reminders_go_exactly_once_across_restarts(
    settings: Settings,
    database_url: str,
    clock: FakeClock,
    emulator: Emulator,
    staff_group,
    worker,  # type: ignore[no-untyped-def]
) -> None:
    await import_plan(database_url)
    user = emulator.add_user(first_name="Ben", language_code="en")
    async with BotRuntime(settings, clock=clock) as runtime:
        assert_jobs_held(runtime)
        await go_through_intake(emulator, user)
        await book_peine(emulator, user, "15:00")
        assert runtime.app is not None and runtime.reminders is not None
        jobs = {job.name for job in runtime.app.job_queue.jobs()}  # type: ignore[union-attr]
        assert len([j for j in jobs if j and j.startswith("reminder:")]) == 2
        clock.set(datetime(2026, 11, 22, 14, 0, 1, tzinfo=UTC))  # Sunday 15:00:01 local: the 24-hour reminder is due
        assert await runtime.reminders.run_due() == 1
        assert await runtime.reminders.run_due() == 0
        for job in runtime.app.job_queue.jobs():  # type: ignore[union-attr]
            await job.run(runtime.app)  # every reminder job fires as well: nothing goes twice
        assert await runtime.reminders.run_due() == 0
        await wait_text(emulator, user, "Reminder")
    # While the bot is down, the one-hour reminder comes due; at start it is sent (the appointment is still ahead).
    clock.set(datetime(2026, 11, 23, 13, 10, tzinfo=UTC))
    async with BotRuntime(settings, clock=clock):
        await wait_text(emulator, user, "Soon")
    reminders_sent = [
        m for m in user.messages if "Reminder" in (m.get("text") or "") or "Soon" in (m.get("text") or "")
    ]
    assert len(reminders_sent) == 2, [m.get("text") for m in reminders_sent]
    # A third start sends nothing again.
    async with BotRuntime(settings, clock=clock) as runtime:
        assert await runtime.reminders.run_due() == 0  # type: ignore[union-attr]


async def test_reminder_answers_and_moving(
    bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:  # type: ignore[no-untyped-def]
    user = emulator.add_user(first_name="Cem", language_code="en")
    await go_through_intake(emulator, user)
    await book_peine(emulator, user, "16:00")
    clock.set(datetime(2026, 11, 22, 15, 0, 1, tzinfo=UTC))
    assert bot.reminders is not None and await bot.reminders.run_due() == 1
    await wait_text(emulator, user, "Reminder")
    await press_and_wait(emulator, user, "I'll come", "see you then")
    user.send_command("appointments")
    await wait_text(emulator, user, "16:00")
    await press_and_wait(emulator, user, "Move it", "Where do you want to meet us")
    await press_and_wait(emulator, user, "Peine, Marktplatz", "Which day")
    await press_and_wait(emulator, user, "Thu 26 Nov", "Which time")
    await press_and_wait(emulator, user, "17:00", "What is it about")
    await press_and_wait(emulator, user, "bk:topic:none", "Your appointment")
    await press_and_wait(emulator, user, "bk:ok", "Done")
    await emulator.wait_for(lambda: any("Your appointment is moved" in (m.get("text") or "") for m in user.messages))
    async with bot.services.sessions() as session:  # type: ignore[union-attr]
        [appointment] = (await session.scalars(select(Appointment))).all()
        pending = (await session.scalars(select(Reminder).where(Reminder.status == "pending"))).all()
    assert appointment.starts_at == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert len(pending) == 2 and all(r.due_at > datetime(2026, 11, 25, tzinfo=UTC) for r in pending)

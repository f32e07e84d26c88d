"""Appointments end to end, with the clock under the test's control: booking, the confirmation (Babel date,
venue, .ics), reminders sent exactly once across restarts, summer time, changes, cancelled stops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.cli_tour import plan_rows
from bot.runtime import BotRuntime
from bot.settings import Settings
from helpers import FakeClock
from sandbox import Emulator
from storage import tour
from storage.engine import create_engine, session_factory
from storage.models import Appointment, Reminder
from test_intake import go_through_intake, wait_text

PLAN = Path(__file__).resolve().parents[2] / "tour.example.yaml"
# Sunday 22 November 2026, 10:00 in Berlin. Peine, Marktplatz: Mondays and Thursdays 14:00–18:00, 2 at a time.
SUNDAY = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


async def import_plan(database_url: str) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        await tour.import_plan(session, plan_rows(PLAN))
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SUNDAY)


@pytest.fixture
async def bot(settings: Settings, database_url: str, clock: FakeClock, emulator: Emulator) -> AsyncIterator[BotRuntime]:
    await import_plan(database_url)
    async with BotRuntime(settings, clock=clock) as runtime:
        yield runtime
    assert not [c for c in emulator.errors() if c.status == 400]


def buttons(message: dict) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


async def press_and_wait(emu: Emulator, user, label: str, expect: str) -> dict:  # type: ignore[no-untyped-def]
    """Press the newest button labelled (or with data) `label`, and wait until its message says `expect`."""

    def with_button() -> dict | None:
        return next((m for m in reversed(user.messages) if any(label in t or label == d for t, d in buttons(m))), None)

    message = await emu.wait_for(with_button)
    data = next(d for t, d in buttons(message) if label in t or label == d)
    user.press(data, message_id=message["message_id"])
    await emu.wait_for(lambda: expect in (next(m for m in user.messages if m["message_id"] == message["message_id"]).get("text") or ""))
    return next(m for m in user.messages if m["message_id"] == message["message_id"])


async def book_peine(emu: Emulator, user, time_label: str = "14:00") -> None:  # type: ignore[no-untyped-def]
    user.send_command("appointment")
    await wait_text(emu, user, "Where do you want to meet us")
    await press_and_wait(emu, user, "Peine, Marktplatz", "Which day")
    await press_and_wait(emu, user, "Mon 23 Nov", "Which time")
    await press_and_wait(emu, user, time_label, "What is it about")
    await press_and_wait(emu, user, "bk:topic:school", "Your appointment")
    await press_and_wait(emu, user, "bk:ok", "Done")


async def test_booking_confirms_with_date_venue_and_calendar_file(
    bot: BotRuntime, emulator: Emulator, staff_group, worker  # type: ignore[no-untyped-def]
) -> None:
    user = emulator.add_user(first_name="Lea", language_code="en")
    await go_through_intake(emulator, user)
    await book_peine(emulator, user, "14:30")
    await emulator.wait_for(lambda: any(m.get("document") for m in user.messages))
    confirmation = next(m for m in user.messages if "Your appointment is booked" in (m.get("text") or ""))
    assert "Monday, 23 November 2026" in confirmation["text"] and "14:30" in confirmation["text"]
    venue = next(m for m in user.messages if m.get("venue"))
    assert venue["venue"]["title"] == "Peine, Marktplatz"
    assert any("Appointment booked" in (m.get("text") or "") or "Termin gebucht" in (m.get("text") or "")
               for m in staff_group.messages())
    upload = next(c for c in emulator.calls_to("sendDocument"))
    assert upload.status == 200
    async with bot.services.sessions() as session:  # type: ignore[union-attr]
        [appointment] = (await session.scalars(select(Appointment))).all()
        reminders = (await session.scalars(select(Reminder).order_by(Reminder.due_at))).all()
    assert appointment.starts_at == datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    assert [r.due_at for r in reminders] == [datetime(2026, 11, 22, 13, 30, tzinfo=UTC), datetime(2026, 11, 23, 12, 30, tzinfo=UTC)]


async def test_reminders_go_exactly_once_across_restarts(
    settings: Settings, database_url: str, clock: FakeClock, emulator: Emulator, staff_group, worker  # type: ignore[no-untyped-def]
) -> None:
    await import_plan(database_url)
    user = emulator.add_user(first_name="Ben", language_code="en")
    async with BotRuntime(settings, clock=clock) as runtime:
        await go_through_intake(emulator, user)
        await book_peine(emulator, user, "15:00")
        assert runtime.app is not None and runtime.reminders is not None
        jobs = {job.name for job in runtime.app.job_queue.jobs()}  # type: ignore[union-attr]
        assert len([j for j in jobs if j and j.startswith("reminder:")]) == 2
        clock.set(datetime(2026, 11, 22, 14, 0, 1, tzinfo=UTC))  # Sunday 15:00:01 local: the 24-hour reminder is due
        assert await runtime.reminders.run_due() == 1
        assert await runtime.reminders.run_due() == 0
        await wait_text(emulator, user, "Reminder")
    # While the bot is down, the one-hour reminder comes due; at start it is sent (the appointment is still ahead).
    clock.set(datetime(2026, 11, 23, 13, 10, tzinfo=UTC))
    async with BotRuntime(settings, clock=clock):
        await wait_text(emulator, user, "Soon")
    reminders_sent = [m for m in user.messages if "Reminder" in (m.get("text") or "") or "Soon" in (m.get("text") or "")]
    assert len(reminders_sent) == 2, [m.get("text") for m in reminders_sent]
    # A third start sends nothing again.
    async with BotRuntime(settings, clock=clock) as runtime:
        assert await runtime.reminders.run_due() == 0  # type: ignore[union-attr]


async def test_reminder_answers_and_moving(bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker) -> None:  # type: ignore[no-untyped-def]
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

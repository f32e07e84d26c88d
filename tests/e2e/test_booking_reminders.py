"""Reminders on the test's clock: 24 hours and 1 hour before, in the young person's language, with answer buttons;
each sent once even when its job fires as well; what came due while the bot was down; summer time."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import booking_kit
from booking_kit import (
    assert_jobs_held,
    book,
    book_peine,
    buttons,
    import_plan,
    reminders_of,
    stop_id,
    text_of,
    wait_message,
)
from helpers import FakeClock, eventually
from sqlalchemy import func, select
from test_intake import go_through_intake

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage import tour
from storage.models import OutboxMessage

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures


def reminder_texts(user) -> list[str]:
    return [text_of(m) for m in user.messages if text_of(m).startswith(("Reminder", "Soon", "Erinnerung"))]


async def outbox_rows(runtime: BotRuntime) -> int:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def drained(runtime: BotRuntime) -> None:
    async def nothing_pending() -> bool:
        assert runtime.services is not None
        async with runtime.services.sessions() as session:
            pending = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
        return pending == 0

    await eventually(nothing_pending, timeout=30)


def job_of(runtime: BotRuntime, reminder_id: int):
    assert runtime.app is not None and runtime.app.job_queue is not None
    [job] = runtime.app.job_queue.get_jobs_by_name(f"reminder:{reminder_id}")
    return job


async def test_a_reminder_whose_job_fires_too_goes_once_with_the_answer_buttons(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Lea", language_code="en")
    await go_through_intake(emulator, user)
    await book_peine(emulator, user, "14:30")
    day_before, hour_before = await reminders_of(booking_bot)
    assert (day_before.offset_label, day_before.due_at) == ("24h", datetime(2026, 11, 22, 13, 30, tzinfo=UTC))
    job = job_of(booking_bot, day_before.id)
    assert job.next_t == day_before.due_at
    assert booking_bot.reminders is not None and booking_bot.app is not None

    await drained(booking_bot)
    before = await outbox_rows(booking_bot)
    clock.set(day_before.due_at + timedelta(seconds=1))
    # The job fires at its time while something else (a start, another job) runs the due reminders as well.
    sent = await asyncio.gather(booking_bot.reminders.run_due(), job.run(booking_bot.app))
    await job.run(booking_bot.app)  # and once more, late
    assert sent[0] in (0, 1)
    assert await outbox_rows(booking_bot) == before + 1, "exactly one message was written"
    await drained(booking_bot)
    [reminder] = reminder_texts(user)
    assert reminder.startswith("Reminder: your appointment with the mobile office")
    assert "Monday, 23 November 2026, 14:30 – Peine, Marktplatz" in reminder
    message = await wait_message(emulator, user, "Reminder")
    [appointment_id] = {data.rsplit(":", 1)[1] for _, data in buttons(message)}
    assert buttons(message) == [
        ("I'll come", f"ap:yes:{appointment_id}"),
        ("I can't come", f"ap:no:{appointment_id}"),
        ("Move it", f"ap:move:{appointment_id}"),
    ]
    statuses = [r.status for r in await reminders_of(booking_bot)]
    assert statuses == ["sent", "pending"]

    # The hour before: "Soon", once; "I can't come" asks before it cancels.
    clock.set(hour_before.due_at)
    assert await booking_bot.reminders.run_due() == 1
    await job_of(booking_bot, hour_before.id).run(booking_bot.app)
    soon = await wait_message(emulator, user, "Soon: your appointment")
    await drained(booking_bot)
    assert len(reminder_texts(user)) == 2
    user.press(f"ap:no:{appointment_id}", message_id=soon["message_id"])
    await emulator.wait_for(lambda: "Cancel this appointment?" in text_of(user.messages[-1]))


async def test_reminders_in_the_young_persons_language(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Lena", language_code="de")
    await go_through_intake(emulator, user, language="Deutsch")
    await book(emulator, user, day="bk:day:2026-11-23", time_label="14:00", topic="bk:topic:none", language="de")
    day_before, _ = await reminders_of(booking_bot)
    clock.set(day_before.due_at)
    assert booking_bot.reminders is not None and await booking_bot.reminders.run_due() == 1
    assert booking_bot.services is not None
    tr = booking_bot.services.catalogs.translator("de")
    message = await wait_message(emulator, user, tr._("Reminder: your appointment with the mobile office"))
    assert "Montag, 23. November 2026, 14:00 – Peine, Marktplatz" in text_of(message)
    assert [label for label, _ in buttons(message)] == [tr._("I'll come"), tr._("I can't come"), tr._("Move it")]


async def test_what_came_due_while_the_bot_was_down(
    settings: Settings, database_url: str, clock: FakeClock, emulator: Emulator, staff_group, worker
) -> None:
    """Three appointments; the bot is down from Sunday 10:00 until Monday 14:10 (local). At the start: the one at
    Monday 14:00 has begun (its reminders are dropped); for the one at 14:30 both reminders came due, and only the
    newest ("Soon") is sent; the one on Thursday still has both ahead, and gets its jobs."""
    await import_plan(database_url)
    users = [emulator.add_user(first_name=name, language_code="en") for name in ("Ana", "Bo", "Cy")]
    async with BotRuntime(settings, clock=clock) as runtime:
        assert_jobs_held(runtime)
        for user in users:
            await go_through_intake(emulator, user)
        await book_peine(emulator, users[0], "14:00")
        await book_peine(emulator, users[1], "14:30")
        await book(emulator, users[2], day="Thu 26 Nov", time_label="15:00")
    clock.set(datetime(2026, 11, 23, 13, 10, tzinfo=UTC))
    async with BotRuntime(settings, clock=clock) as runtime:
        assert_jobs_held(runtime)
        await wait_message(emulator, users[1], "Soon: your appointment")
        await drained(runtime)
        assert reminder_texts(users[0]) == []
        assert len(reminder_texts(users[1])) == 1
        assert reminder_texts(users[2]) == []
        by_label = [(r.offset_label, r.status) for r in await reminders_of(runtime)]
        assert sorted(by_label) == sorted(
            [
                ("24h", "dropped"),
                ("24h", "dropped"),
                ("1h", "dropped"),
                ("1h", "sent"),
                ("24h", "pending"),
                ("1h", "pending"),
            ]
        )
        pending = [r for r in await reminders_of(runtime) if r.status == "pending"]
        assert [job_of(runtime, r.id).next_t for r in pending] == [r.due_at for r in pending]
    # A third start sends nothing again.
    async with BotRuntime(settings, clock=clock) as runtime:
        assert_jobs_held(runtime)
        assert runtime.reminders is not None and await runtime.reminders.run_due() == 0
        await drained(runtime)
    assert [len(reminder_texts(u)) for u in users] == [0, 1, 0]


async def _book_around_a_change(
    runtime: BotRuntime, emulator: Emulator, clock: FakeClock, today: datetime, sunday: date, monday_label: str
) -> dict[str, list[tuple[str, datetime]]]:
    """Book the Monday after a change at 14:00, and an extra time on the Sunday of the change at 10:00; for each,
    the reminders' labels with their jobs' next run times."""
    assert runtime.services is not None
    clock.set(today)
    peine = await stop_id(runtime, "peine-markt")
    async with runtime.services.sessions() as session, session.begin():
        await tour.add_extra(session, peine, sunday, time(10), time(12))
    jobs: dict[str, list[tuple[str, datetime]]] = {}
    seen: set[int] = set()
    for name, day, at in (("monday", monday_label, "14:00"), ("sunday", f"bk:day:{sunday.isoformat()}", "10:00")):
        user = emulator.add_user(first_name=name.title(), language_code="en")
        await go_through_intake(emulator, user)
        await book(emulator, user, day=day, time_label=at)
        fresh = [r for r in await reminders_of(runtime) if r.id not in seen]
        seen.update(r.id for r in fresh)
        jobs[name] = [(r.offset_label, job_of(runtime, r.id).next_t) for r in fresh]
    return jobs


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def test_reminder_jobs_run_at_the_right_utc_moment_around_summer_time(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:
    # To summer time: Sunday 29 March 2026, 02:00 → 03:00. The plan's Monday 14:00 is 12:00 UTC on the 30th.
    spring = await _book_around_a_change(
        booking_bot, emulator, clock, utc(2026, 3, 26, 9, 0), date(2026, 3, 29), "Mon 30 Mar"
    )
    assert spring["monday"] == [("24h", utc(2026, 3, 29, 12, 0)), ("1h", utc(2026, 3, 30, 11, 0))]
    # Sunday 10:00 summer time (08:00 UTC): the day before at 10:00 is still winter time, 09:00 UTC.
    assert spring["sunday"] == [("24h", utc(2026, 3, 28, 9, 0)), ("1h", utc(2026, 3, 29, 7, 0))]


async def test_reminder_jobs_run_at_the_right_utc_moment_around_winter_time(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:
    # Back to winter time: Sunday 25 October 2026, 03:00 → 02:00. Monday 14:00 is 13:00 UTC on the 26th.
    autumn = await _book_around_a_change(
        booking_bot, emulator, clock, utc(2026, 10, 22, 8, 0), date(2026, 10, 25), "Mon 26 Oct"
    )
    assert autumn["monday"] == [("24h", utc(2026, 10, 25, 13, 0)), ("1h", utc(2026, 10, 26, 12, 0))]
    # Sunday 10:00 winter time (09:00 UTC): the day before at 10:00 is still summer time, 08:00 UTC.
    assert autumn["sunday"] == [("24h", utc(2026, 10, 24, 8, 0)), ("1h", utc(2026, 10, 25, 8, 0))]

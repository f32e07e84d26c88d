"""Helpers for the appointment tests: the example plan, pressing through the booking journey, the case topic, the
rows behind it all. And the fixtures `clock` and `booking_bot` (a module imports them by name)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.base import STATE_PAUSED
from helpers import FakeClock, eventually
from sqlalchemy import select
from test_intake import wait_text

from bot.cli_tour import cancel_day, plan_rows
from bot.context import UnitOfWork
from bot.i18n import Catalogs
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage import tour
from storage.engine import create_engine, session_factory
from storage.models import Appointment, Case, Reminder, SlotBooking

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "tour.example.yaml"
STAFF_WAIT = 90.0  # the staff group takes 20 messages a minute: a busy test may wait for its budget
# Sunday 22 November 2026, 10:00 in Berlin. Peine, Marktplatz: Mondays and Thursdays 14:00–18:00, 2 at a time;
# Edemissen, Rathausplatz: Tuesdays 15:00–18:00, 1 at a time.
SUNDAY = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


# -- fixtures (a test module imports them: `from booking_kit import booking_bot, clock`) ------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SUNDAY)


@pytest.fixture
async def booking_bot(
    settings: Settings, database_url: str, clock: FakeClock, emulator: Emulator
) -> AsyncIterator[BotRuntime]:
    """The bot on the test's clock with the example plan; afterwards: nothing it sent was refused."""
    await import_plan(database_url)
    async with BotRuntime(settings, clock=clock) as runtime:
        assert_jobs_held(runtime)
        yield runtime
    refused = [(c.method, c.description) for c in emulator.errors() if c.status == 400]
    assert not refused, f"the bot made requests Telegram would refuse: {refused}"


async def import_plan(database_url: str) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        await tour.import_plan(session, plan_rows(PLAN))
    await engine.dispose()


def assert_jobs_held(runtime: BotRuntime) -> None:
    """The scheduler's jobs run on the real clock, the bot on the test's: the test fires them itself (run_due or
    Job.run), so a job whose real time has passed cannot run at a moment the test did not choose. The job queue
    starts paused (conftest's ``jobs_held``); this checks it where a test relies on it."""
    assert runtime.app is not None and runtime.app.job_queue is not None
    assert runtime.app.job_queue.scheduler.state == STATE_PAUSED, "jobs would run on the real clock"


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def message_by_id(user, message_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return next(m for m in user.messages if m["message_id"] == message_id)


def _messages(user, chat) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return chat.messages() if chat is not None else user.messages  # type: ignore[no-any-return]


async def press_and_wait(emu: Emulator, user, label: str, expect: str, chat=None, timeout: float = 10.0) -> dict:  # type: ignore[no-untyped-def]
    """Press the newest button labelled (or with data) `label` — in the user's chat, or in a group as that user —
    and wait until its message says `expect`."""

    def with_button() -> dict[str, Any] | None:
        matches = (m for m in reversed(_messages(user, chat)) if any(label in t or label == d for t, d in buttons(m)))
        return next(matches, None)

    message = await emu.wait_for(with_button, timeout=timeout)
    data = next(d for t, d in buttons(message) if label in t or label == d)
    user.press(data, message_id=message["message_id"], chat=chat)

    def edited() -> dict[str, Any] | None:
        now = next(m for m in _messages(user, chat) if m["message_id"] == message["message_id"])
        return now if expect in text_of(now) else None

    return await emu.wait_for(edited, timeout=timeout)


async def wait_message(emu: Emulator, user, fragment: str, timeout: float = 10.0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Wait until any message in the user's chat contains the fragment; return the newest such."""

    def found() -> dict[str, Any] | None:
        return next((m for m in reversed(user.messages) if fragment in text_of(m)), None)

    return await emu.wait_for(found, timeout=timeout)


async def wait_in_group(emu: Emulator, group, fragment: str, thread_id: int | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    def found() -> dict[str, Any] | None:
        return next((m for m in reversed(group.messages(thread_id=thread_id)) if fragment in text_of(m)), None)

    return await emu.wait_for(found, timeout=STAFF_WAIT)


def said(msgid: str, language: str = "en") -> str:
    """How a message of the bot begins in a language: its translation up to the first placeholder."""
    return Catalogs(ZoneInfo("Europe/Berlin"), "de").translator(language)._(msgid).split("{")[0].strip()


async def book(  # type: ignore[no-untyped-def]
    emu: Emulator,
    user,
    stop: str = "Peine, Marktplatz",
    day: str = "Mon 23 Nov",
    time_label: str = "14:00",
    topic: str = "bk:topic:school",
    another: bool = False,
    language: str = "en",
) -> dict[str, Any]:
    """/appointment through to "Done", in the language the young person chose at intake; the labels may be button
    texts or callback data. `another`: they have an appointment already, and choose to book another one."""
    where = said(
        "Where do you want to meet us? Pick a place – or share your location to see the nearest stops.", language
    )
    user.send_command("appointment")
    if another:
        await wait_text(emu, user, said("You already have an appointment:", language))
        await press_and_wait(emu, user, "bk:another", where)
    else:
        await wait_text(emu, user, where)
    await press_and_wait(emu, user, stop, said("Which day? The bus is at {stop} on these days:", language))
    await press_and_wait(emu, user, day, said("Which time on {day}?", language))
    await press_and_wait(emu, user, time_label, said("What is it about? (You don't have to say.)", language))
    await press_and_wait(emu, user, topic, said("Your appointment:", language))
    return await press_and_wait(emu, user, "bk:ok", said("Done ✓", language))


async def book_peine(emu: Emulator, user, time_label: str = "14:00") -> None:  # type: ignore[no-untyped-def]
    await book(emu, user, time_label=time_label)


async def rows(runtime: BotRuntime, model: Any) -> list[Any]:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def appointments_of(runtime: BotRuntime) -> list[Appointment]:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        return list((await session.scalars(select(Appointment).order_by(Appointment.id))).all())


async def reminders_of(runtime: BotRuntime) -> list[Reminder]:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        return list((await session.scalars(select(Reminder).order_by(Reminder.due_at, Reminder.id))).all())


async def places_taken(runtime: BotRuntime) -> dict[Any, int]:
    return {(s.stop_id, s.starts_at): s.taken for s in await rows(runtime, SlotBooking)}


async def case_topic(runtime: BotRuntime, contact_id: int) -> int:
    """The thread id of a contact's case topic, once the sender has created it."""
    found: list[int] = []

    async def has_topic() -> bool:
        assert runtime.services is not None
        async with runtime.services.sessions() as session:
            topic = await session.scalar(
                select(Case.topic_id).where(Case.contact_id == contact_id).order_by(Case.id.desc()).limit(1)
            )
        found[:] = [topic] if topic is not None else []
        return bool(found)

    await eventually(has_topic, timeout=STAFF_WAIT)
    return found[0]


async def cancel_stop_day(runtime: BotRuntime, stop_key: str, day: date, reason: str | None) -> int:
    """What `anlaufstelle tour cancel` does, in this process: the day goes and everyone booked is told."""
    assert runtime.services is not None and runtime.sender is not None
    async with runtime.services.sessions() as session, session.begin():
        uow = UnitOfWork(session=session, services=runtime.services, update_id=0)
        stop = await tour.by_key(session, stop_key)
        assert stop is not None
        told = await cancel_day(uow, stop, day, reason)
        await uow.flush_outgoing()
    runtime.sender.wake()
    return told


def cli(runtime: BotRuntime, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot tour ARGS` as its own process, on the running bot's database."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": runtime.settings.database_url,
        "SECRET_KEY": runtime.settings.secret_key.get_secret_value() if runtime.settings.secret_key else "",
        "VAR_DIR": str(tmp_path / "cli-var"),
        "STAFF_CHAT_ID": str(runtime.settings.staff_chat_id),
    }
    command = [sys.executable, "-m", "bot", "tour", *args]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)


async def stop_id(runtime: BotRuntime, key: str) -> int:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        stop = await tour.by_key(session, key)
    assert stop is not None
    return stop.id

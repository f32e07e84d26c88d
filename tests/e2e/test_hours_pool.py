"""The hours pool and the committee report, end to end in the staff group: a coordinator sets the pool, a worker
logs hours in a case topic (typed and by buttons), the pool warns once at 80 % and once at 95 % and when a case
passes its cap, corrections are audited, only coordinators set the pool and make the report, and /report posts
the PDF and the CSV into the group. Young people never see any of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from conftest import add_team_member
from helpers import FakeClock
from sqlalchemy import select
from test_intake import go_through_intake

from bot import hours as rules
from bot import report
from bot.i18n import Translator
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage.models import Case, HourChange, HourEntry, HourPool, StaffMember

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
GENERAL = 1  # the emulator's thread id for the General topic


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


@pytest.fixture
async def bot(settings: Settings, clock: FakeClock, emulator: Emulator) -> AsyncIterator[BotRuntime]:  # type: ignore[override]
    async with BotRuntime(settings, clock=clock) as runtime:
        yield runtime
    assert not [(c.method, c.description) for c in emulator.errors() if c.status == 400]


@pytest.fixture
async def coordinator(emulator: Emulator, staff_group, database_url: str):  # type: ignore[no-untyped-def]
    return await add_team_member(emulator, staff_group, database_url, "Cora Coordinator", "Cora", "coordinator")


def tr(runtime: BotRuntime) -> Translator:
    assert runtime.services is not None
    return runtime.services.catalogs.translator(runtime.settings.staff_language)


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def data_of(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def wait_for_text(emu: Emulator, group, fragment: str, thread: int | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The newest message the bot posted (in the topic, if given) that contains the fragment."""

    def found() -> dict[str, Any] | None:
        return next((m for m in reversed(group.messages(thread_id=thread)) if fragment in text_of(m)), None)

    return await emu.wait_for(found)


async def open_case(emu: Emulator, user, group) -> int:  # type: ignore[no-untyped-def]
    await go_through_intake(emu, user)
    user.send_text("Can someone come with me to the job centre?")
    await emu.wait_for(lambda: any("job centre" in text_of(m) for m in group.messages()))
    [thread] = [t for t, topic in group.topics.items() if not topic.deleted]
    return thread


async def rows(runtime: BotRuntime, model: Any) -> list[Any]:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        return list((await session.scalars(select(model).order_by(model.id))).all())


async def staff_id(runtime: BotRuntime, name: str) -> int:
    return next(m.id for m in await rows(runtime, StaffMember) if m.display_name == name)


async def test_hours_are_logged_the_pool_warns_once_and_corrections_are_audited(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,  # type: ignore[no-untyped-def]
    worker,  # type: ignore[no-untyped-def]
    coordinator,  # type: ignore[no-untyped-def]
    database_url: str,
) -> None:
    t = tr(bot)
    alex = await add_team_member(emulator, staff_group, database_url, "Alex Worker", "Alex", "worker")
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    [case] = await rows(bot, Case)
    await emulator.wait_for(lambda: "has arrived" in text_of(user.messages[-1]))
    received = len(user.messages)
    calls_to_user = len([c for c in emulator.calls if c.params.get("chat_id") == user.id])

    coordinator.send_command("pool", "set 10 2026-11-01 2027-05-31 cap 4", chat=staff_group)
    await wait_for_text(emulator, staff_group, t._("Hours pool set."))

    # Typed: the hours and a note, then the activity by button.
    worker.send_command("hours", "1.5 went along to the job centre", chat=staff_group, thread_id=thread)
    logged = await wait_for_text(emulator, staff_group, t._("What was it?"), thread)
    [first] = await rows(bot, HourEntry)
    assert (first.minutes, first.activity, first.case_id) == (90, None, case.id)
    assert f"hr:s:{first.id}:forms" in data_of(logged)
    worker.press(f"hr:s:{first.id}:forms", message_id=logged["message_id"], chat=staff_group)
    await emulator.wait_for(lambda: t._(rules.ACTIVITIES["forms"]) in text_of(_message(staff_group, logged)))

    # By buttons: the activity, then the duration. A double tap logs once.
    worker.send_command("hours", chat=staff_group, thread_id=thread)
    asked = await wait_for_text(emulator, staff_group, t._("What did you do for {alias}?", alias=case.alias), thread)
    assert f"hr:a:{case.id}:authority" in data_of(asked)
    worker.press(f"hr:a:{case.id}:authority", message_id=asked["message_id"], chat=staff_group)
    await emulator.wait_for(lambda: f"hr:d:{case.id}:authority:120" in data_of(_message(staff_group, asked)))
    worker.press(f"hr:d:{case.id}:authority:120", message_id=asked["message_id"], chat=staff_group)
    worker.press(f"hr:d:{case.id}:authority:120", message_id=asked["message_id"], chat=staff_group)
    await emulator.wait_for(lambda: "⏱" in text_of(_message(staff_group, asked)))
    entries = await rows(bot, HourEntry)
    assert [(e.minutes, e.activity) for e in entries] == [(90, "forms"), (120, "authority")]  # 3.5 of 10 h

    # Up to the warnings: the cap (4 h) is passed at 6.5 h, 80 % at 8.5 h, 95 % at 10 h; each is said once.
    for amount in ("3", "2", "0.5", "1", "0.5"):
        before = len(staff_group.messages(thread_id=thread))
        worker.send_command("hours", amount, chat=staff_group, thread_id=thread)
        await emulator.wait_for(lambda before=before: len(staff_group.messages(thread_id=thread)) > before)
    await wait_for_text(
        emulator, staff_group, t._("⚠️ {percent} of the hours pool is used.", percent=t.percent(0.95)), GENERAL
    )
    general = [text_of(m) for m in staff_group.messages(thread_id=GENERAL)]
    assert len([g for g in general if t._("⚠️ {percent} of the hours pool is used.", percent=t.percent(0.8)) in g]) == 1
    assert len([g for g in general if t._("⚠️ {percent} of the hours pool is used.", percent=t.percent(0.95)) in g]) == 1
    capped = t._(
        "⚠️ Case {alias} has passed its cap: {used} of {cap} in this pool.", alias=case.alias, used="6,5 h", cap="4 h"
    )
    assert general.count(capped) == 1
    [pool] = await rows(bot, HourPool)
    assert pool.warned_80_at == MONDAY and pool.warned_95_at == MONDAY

    # The balance.
    worker.send_command("pool", chat=staff_group)
    balance = await emulator.wait_for(
        lambda: next(
            (m for m in staff_group.messages() if t._("⏱ Hours pool") in text_of(m) and "10,5 h" in text_of(m)), None
        )
    )
    assert t._(rules.ACTIVITIES["authority"]) + ": 2 h" in text_of(balance)

    # Corrections: the author may, another worker may not, a coordinator may; each is in the audit trail.
    worker.send_command("hours", f"fix {first.id} 1 only one hour in the end", chat=staff_group, thread_id=thread)
    await wait_for_text(
        emulator, staff_group, t._("Entry #{id} corrected: {old} → {new}.", id=first.id, old="1,5 h", new="1 h")
    )
    alex.send_command("hours", f"delete {first.id}", chat=staff_group, thread_id=thread)
    await wait_for_text(emulator, staff_group, t._("Only the author of an entry or a coordinator can change it."))
    second = entries[1]
    coordinator.send_command("hours", f"delete {second.id}", chat=staff_group)
    await wait_for_text(emulator, staff_group, t._("Entry #{id} deleted ({hours}).", id=second.id, hours="2 h"))
    changes = await rows(bot, HourChange)
    sam_id, cora_id = await staff_id(bot, "Sam"), await staff_id(bot, "Cora")
    assert [(c.entry_id, c.staff_id, c.action, c.old_minutes, c.new_minutes, c.note_changed) for c in changes] == [
        (first.id, sam_id, "fix", 90, 60, True),
        (second.id, cora_id, "delete", 120, None, False),
    ]
    assert all(c.changed_at == MONDAY for c in changes)
    worker.send_command("hours", "list", chat=staff_group, thread_id=thread)
    listing = await wait_for_text(emulator, staff_group, t._("Hours for {alias}:", alias=case.alias), thread)
    assert "only one hour in the end" in text_of(listing) and "✎" in text_of(listing)

    # Nothing of this reached the young person.
    assert len(user.messages) == received, [text_of(m) for m in user.messages[received:]]
    assert len([c for c in emulator.calls if c.params.get("chat_id") == user.id]) == calls_to_user


def _message(group, sent: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The current state of a message the bot posted (after its edits)."""
    return next(m for m in group.messages() if m["message_id"] == sent["message_id"])


async def test_only_coordinators_set_the_pool_and_make_the_report_which_comes_as_pdf_and_csv(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,  # type: ignore[no-untyped-def]
    worker,  # type: ignore[no-untyped-def]
    coordinator,  # type: ignore[no-untyped-def]
) -> None:
    t = tr(bot)
    worker.send_command("pool", "set 400 2026-11-01 2027-05-31", chat=staff_group)
    await wait_for_text(emulator, staff_group, t._("Only a coordinator can set the hours pool."))
    worker.send_command("report", chat=staff_group)
    await wait_for_text(emulator, staff_group, t._("Only a coordinator can make the report."))
    assert await rows(bot, HourPool) == []
    assert not emulator.calls_to("sendDocument")

    coordinator.send_command("pool", "set 400 2026-11-01 2027-05-31", chat=staff_group)
    await wait_for_text(emulator, staff_group, t._("Hours pool set."))
    coordinator.send_command("report", chat=staff_group)
    # Rendering the PDF's charts (matplotlib) takes seconds on a busy machine: wait for it generously.
    await emulator.wait_for(lambda: len([m for m in staff_group.messages() if m.get("document")]) == 2, timeout=90)
    documents = {m["document"]["file_name"]: m for m in staff_group.messages() if m.get("document")}
    assert set(documents) == {"anlaufstelle-2026-11-01-2026-11-23.pdf", "anlaufstelle-2026-11-01-2026-11-23.csv"}
    pdf = emulator.state.files[documents["anlaufstelle-2026-11-01-2026-11-23.pdf"]["document"]["file_id"]].data
    csv = emulator.state.files[documents["anlaufstelle-2026-11-01-2026-11-23.csv"]["document"]["file_id"]].data
    assert pdf.startswith(b"%PDF-") and csv.startswith(b"\xef\xbb\xbf")
    summary = await wait_for_text(emulator, staff_group, t._("Anlaufstelle: report for the youth welfare committee"))
    assert rules.period_text(t, date(2026, 11, 1), date(2026, 11, 23)) in text_of(summary)

    coordinator.send_command("report", "2026-12-31 2026-01-01", chat=staff_group)
    await wait_for_text(emulator, staff_group, t._("Write /report, or /report 2026-01-01 2026-12-31 for a period."))


async def test_while_a_report_is_made_young_peoples_messages_go_on_and_a_report_that_fails_says_so(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,  # type: ignore[no-untyped-def]
    coordinator,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At scale the report's reads take seconds (benchmarks/): it is made after its update has committed, so the
    updates after it are handled meanwhile."""
    t = tr(bot)
    user = emulator.add_user(first_name="Omid", language_code="en")
    await open_case(emulator, user, staff_group)
    started, release = asyncio.Event(), asyncio.Event()
    real_collect = report.collect

    async def slow_collect(*args: Any, **kwargs: Any) -> report.Figures:
        started.set()
        await release.wait()
        return await real_collect(*args, **kwargs)

    monkeypatch.setattr(report, "collect", slow_collect)
    coordinator.send_command("report", chat=staff_group)
    await asyncio.wait_for(started.wait(), timeout=30)
    user.send_text("Are you there today?")
    await emulator.wait_for(lambda: any("there today" in text_of(m) for m in staff_group.messages()))
    assert not emulator.calls_to("sendDocument")
    release.set()
    await emulator.wait_for(lambda: len([m for m in staff_group.messages() if m.get("document")]) == 2, timeout=90)

    async def broken_collect(*args: Any, **kwargs: Any) -> report.Figures:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(report, "collect", broken_collect)
    coordinator.send_command("report", chat=staff_group)
    await wait_for_text(emulator, staff_group, t._("The report could not be made. Please try again later."))
    assert len([m for m in staff_group.messages() if m.get("document")]) == 2

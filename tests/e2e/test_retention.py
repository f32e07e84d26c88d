"""Retention, end to end: the daily job on the test's clock deletes the contents (and topic) of cases closed more than
90 days ago and everything about people inactive for 180 days, while the report's figures stay; `anlaufstelle
purge --dry-run` only counts, `anlaufstelle purge` deletes, and a topic the team deleted by hand is no error."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from booking_kit import import_plan, rows, stop_id
from handoff_helpers import staff_tr, wait_topic_text
from helpers import FakeClock
from rights_kit import outbox_drained, period_around, report_csv, rows_pointing_to, traces_of
from sqlalchemy import update
from test_intake import go_through_intake

from bot import cli_purge
from bot.retention import JOB_NAME
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage.models import Appointment, Case, CaseMessage, Contact, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> FakeClock:
    """Now: the bot's rows get real timestamps too, and retention compares them with this clock."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def retention_bot(
    settings: Settings, database_url: str, clock: FakeClock, emulator: Emulator
) -> AsyncIterator[BotRuntime]:
    await import_plan(database_url)
    async with BotRuntime(settings, clock=clock) as runtime:
        yield runtime
    refused = [(c.method, c.description) for c in emulator.errors() if c.status == 400]
    assert not refused, f"the bot made requests Telegram would refuse: {refused}"


async def a_case(emu: Emulator, user, group, text: str) -> int:  # type: ignore[no-untyped-def]
    await go_through_intake(emu, user, nickname=f"{user.first_name}nick")
    before = set(group.topics)
    user.send_text(text)
    await emu.wait_for(lambda: any(m.get("text") == text for m in group.messages()))
    [thread] = [t for t in group.topics if t not in before]
    return thread


async def closed_with_a_note(emu: Emulator, bot: BotRuntime, user, group, worker) -> int:  # type: ignore[no-untyped-def]
    thread = await a_case(emu, user, group, "Can you help me with an application?")
    worker.send_command("note", "applies for a flat in Peine", chat=group, thread_id=thread)
    await wait_topic_text(emu, group, thread, staff_tr(bot)._("📝 Note saved. It is not sent to the young person."))
    [case] = [c for c in await rows(bot, Case) if c.topic_id == thread]
    worker.send_command("close", chat=group, thread_id=thread)
    await wait_topic_text(emu, group, thread, staff_tr(bot)._("How did the case end?"))
    worker.press(f"close:{case.id}:advice", chat=group)
    await emu.wait_for(lambda: group.topics[thread].closed)
    return thread


async def test_the_daily_job_deletes_old_case_contents_and_inactive_people_and_the_figures_stay(
    retention_bot: BotRuntime, emulator: Emulator, staff_group, worker, clock: FakeClock
) -> None:
    bot, start = retention_bot, clock.now()
    ana, ben, cleo = (emulator.add_user(first_name=n, language_code="en") for n in ("Ana", "Ben", "Cleo"))
    ana_thread = await closed_with_a_note(emulator, bot, ana, staff_group, worker)
    ben_thread = await a_case(emulator, ben, staff_group, "Hi from Ben")
    cleo_thread = await a_case(emulator, cleo, staff_group, "Hi from Cleo")
    ben_traces = await traces_of(bot, ben.id)
    peine = await stop_id(bot, "peine-markt")
    assert bot.services is not None
    async with bot.services.sessions() as session, session.begin():  # Ben has an appointment far ahead
        ahead = start + timedelta(days=200)
        session.add(
            Appointment(
                contact_id=ben_traces.contact_id, stop_id=peine, starts_at=ahead, ends_at=ahead + timedelta(minutes=30)
            )
        )
    await outbox_drained(bot)
    period = period_around(start.date(), (start + timedelta(days=400)).date())
    figures = await report_csv(bot, period)

    assert bot.app is not None and bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name(JOB_NAME)
    assert job.next_t is not None
    assert job.next_t.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "03:30"

    clock.set(start + timedelta(days=89))
    await job.run(bot.app)
    await outbox_drained(bot)
    assert not staff_group.topics[ana_thread].deleted, "not yet 90 days"

    clock.set(start + timedelta(days=91))
    await job.run(bot.app)
    await emulator.wait_for(lambda: staff_group.topics[ana_thread].deleted)
    [ana_case] = [c for c in await rows(bot, Case) if c.alias in (await traces_of(bot, ana.id)).aliases]
    assert ana_case.topic_id is None and ana_case.contents_deleted_at is not None
    assert (ana_case.status, ana_case.outcome) == ("closed", "advice"), "what the report counts stays"
    messages = [m for m in await rows(bot, CaseMessage) if m.case_id == ana_case.id]
    assert [(m.direction, m.text_enc, m.youth_message_id, m.staff_message_id) for m in messages] == [
        ("in", None, None, None)
    ]
    assert not any(staff_group.topics[t].deleted for t in (ben_thread, cleo_thread)), "open cases keep their topic"
    await outbox_drained(bot)
    assert await report_csv(bot, period) == figures

    # Ana writes again: a new case with a new topic (the old one is gone).
    ana.send_text("Me again")
    await emulator.wait_for(lambda: any(m.get("text") == "Me again" for m in staff_group.messages()))
    assert len((await traces_of(bot, ana.id)).case_ids) == 2
    await outbox_drained(bot)
    figures = await report_csv(bot, period)
    cleo_traces = await traces_of(bot, cleo.id)

    clock.set(start + timedelta(days=181))
    await job.run(bot.app)
    await emulator.wait_for(lambda: staff_group.topics[cleo_thread].deleted)
    await outbox_drained(bot)
    assert await rows_pointing_to(bot, cleo_traces) == [], "Cleo was inactive: everything about her is gone"
    contacts_left = {c.id for c in await rows(bot, Contact)}
    assert contacts_left == {ben_traces.contact_id, (await traces_of(bot, ana.id)).contact_id}, (
        "Ben has an appointment ahead, Ana wrote 90 days ago"
    )
    assert not staff_group.topics[ben_thread].deleted
    assert not [m for m in cleo.messages if "deleted" in (m.get("text") or "")], "nobody is told"
    assert await report_csv(bot, period) == figures


async def purge(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`anlaufstelle purge ARGS` as its own process, while the bot in this process goes on (in a thread: the event
    loop must not stop while the bot may hold the database's write lock)."""
    command = [sys.executable, "-m", "bot", "purge", *args]
    return await asyncio.to_thread(
        subprocess.run, command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def test_purge_dry_run_counts_and_purge_deletes(
    bot: BotRuntime, emulator: Emulator, staff_group, worker, bot_env: dict[str, str], tmp_path: Path
) -> None:
    ana, cleo = (emulator.add_user(first_name=n, language_code="en") for n in ("Ana", "Cleo"))
    ana_thread = await closed_with_a_note(emulator, bot, ana, staff_group, worker)
    cleo_thread = await a_case(emulator, cleo, staff_group, "Hi from Cleo")
    ana_traces, cleo_traces = await traces_of(bot, ana.id), await traces_of(bot, cleo.id)
    long_ago = datetime.now(UTC) - timedelta(days=200)
    assert bot.services is not None
    async with bot.services.sessions() as session, session.begin():  # as if it all happened 200 days ago
        await session.execute(update(Case).where(Case.contact_id == ana_traces.contact_id).values(closed_at=long_ago))
        await session.execute(update(Contact).where(Contact.id == cleo_traces.contact_id).values(last_seen_at=long_ago))
        await session.execute(
            update(CaseMessage).where(CaseMessage.case_id.in_(cleo_traces.case_ids)).values(created_at=long_ago)
        )
    await outbox_drained(bot)
    env = {**bot_env, "PYTHONPATH": str(ROOT)}

    dry = await purge(env, tmp_path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "1 case(s); would be deleted: 1 topic(s) in the staff group, 1 note(s)" in dry.stdout
    assert "1 young person/people; would be deleted: everything about them, with 1 case(s), 1 topic(s)" in dry.stdout
    for secret in [*ana_traces.aliases, *cleo_traces.aliases, str(ana.id), str(cleo.id), "Sam"]:
        assert secret not in dry.stdout + dry.stderr, "counts only"
    assert await traces_of(bot, cleo.id) == cleo_traces and await traces_of(bot, ana.id) == ana_traces
    assert not emulator.calls_to("deleteForumTopic")

    staff_group.topics[ana_thread].deleted = True  # the team deleted it by hand meanwhile
    assert bot.settings.secret_key is not None
    key = bot.settings.secret_key.get_secret_value()
    done = "\n".join(await cli_purge.purge(bot.settings, key, dry_run=False))  # the same, in this process
    assert "1 case(s); deleted: 1 topic(s)" in done and "1 young person/people; deleted" in done
    await emulator.wait_for(lambda: staff_group.topics[cleo_thread].deleted)
    await outbox_drained(bot)
    assert await rows_pointing_to(bot, cleo_traces) == []
    [ana_case] = [c for c in await rows(bot, Case) if c.contact_id == ana_traces.contact_id]
    assert ana_case.topic_id is None and ana_case.contents_deleted_at is not None
    # The topic that was gone already: Telegram said so, and that is no error for the bot.
    [gone] = [c for c in emulator.calls_to("deleteForumTopic") if c.params.get("message_thread_id") == ana_thread]
    assert gone.status == 400 and "TOPIC_ID_INVALID" in (gone.description or "")
    assert {r.status for r in await rows(bot, OutboxMessage) if r.method == "deleteForumTopic"} == {"sent"}
    emulator.calls.remove(gone)  # expected; the fixture checks that nothing else was refused

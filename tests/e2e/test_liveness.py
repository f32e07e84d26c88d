"""Liveness, end to end: one instance per database (a second refuses to poll and says why in one line; a crashed
one's claim expires; one that lost its claim stops), and a poll loop whose getUpdates hangs is restarted."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import FakeClock
from test_intake import wait_text

from bot.liveness import LeaseLost, LeaseRefused
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage import lease
from storage.engine import create_engine, session_factory
from storage.lease import Holder

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def hold_lease(database_url: str, holder: Holder, now: datetime, ttl: float = 60) -> None:
    """What an instance elsewhere (or a crashed one) leaves in the database."""
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        current = await lease.current(session)
        assert await lease.take(session, holder, now, ttl, current.holder.instance if current else None)
    await engine.dispose()


def elsewhere(pid: int = 4242, host: str = "bus-server-2") -> Holder:
    return Holder("f" * 16, host, pid, None, "polling", "k" * 12)


async def test_a_second_instance_refuses_to_poll_and_the_first_goes_on(bot: BotRuntime, emulator: Emulator) -> None:
    polls_before = len(emulator.calls_to("getUpdates"))
    second = BotRuntime(bot.settings)
    with pytest.raises(LeaseRefused) as refused:
        await second.start()
    line = str(refused.value)
    assert "\n" not in line
    assert "another instance is running against this database" in line and "polling" in line
    assert second.app is None and second.services is None  # it never talked to Telegram
    user = emulator.add_user(first_name="Mo", language_code="en")
    user.send_command("start")
    await wait_text(emulator, user, "Anlaufstelle")
    assert len(emulator.calls_to("getUpdates")) > polls_before


@pytest.mark.slow
async def test_a_second_process_exits_with_one_line_naming_the_first(
    bot: BotRuntime, bot_env: dict[str, str], tmp_path: Path
) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "run"],
        env={**bot_env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("anlaufstelle:")]
    assert "another instance is running against this database" in line
    assert f"pid {os.getpid()}" in line


async def test_a_crashed_instance_elsewhere_holds_the_database_until_its_claim_expires(
    settings: Settings, database_url: str
) -> None:
    clock = FakeClock(T0)
    await hold_lease(database_url, elsewhere(), T0 - timedelta(seconds=10))  # its last heartbeat, 10 s ago
    with pytest.raises(LeaseRefused, match=r"pid 4242 on bus-server-2, last heartbeat 10 s ago.*expires in 50 s"):
        await BotRuntime(settings, clock=clock).start()
    clock.advance(timedelta(seconds=51))
    async with BotRuntime(settings, clock=clock) as runtime:
        assert runtime.lease is not None
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            held = await lease.current(session)
        await engine.dispose()
        assert held is not None and held.holder.instance == runtime.lease.me.instance


async def test_a_crashed_instance_on_this_machine_is_taken_over_at_once(settings: Settings, database_url: str) -> None:
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")  # ended: the crashed holder
    await ended.wait()
    dead = Holder("d" * 16, socket.gethostname(), ended.pid, None, "polling", "k" * 12)
    await hold_lease(database_url, dead, datetime.now(UTC))  # fresh: it would hold for another minute
    async with BotRuntime(settings) as runtime:
        assert runtime.lease is not None


async def test_an_instance_that_lost_its_claim_stops(settings: Settings, database_url: str) -> None:
    async with BotRuntime(settings.model_copy(update={"instance_lease_seconds": 5})) as runtime:
        await hold_lease(database_url, elsewhere(), datetime.now(UTC))  # taken over while it was away
        reason = await asyncio.wait_for(runtime.wait(), timeout=30)
        assert isinstance(reason, LeaseLost)
        assert "another instance took over the database" in str(reason)


async def test_a_hanging_get_updates_is_detected_and_the_poll_loop_restarted(
    settings: Settings, emulator: Emulator
) -> None:
    emulator.hang_get_updates(1)  # the first long poll never answers (its read timeout would be 11 s)
    quick = settings.model_copy(update={"poll_timeout_seconds": 1, "poll_watchdog_seconds": 2})
    async with BotRuntime(quick) as runtime:
        user = emulator.add_user(first_name="Lu", language_code="en")
        user.send_command("start")
        await wait_text(emulator, user, "Anlaufstelle", timeout=30)
        assert runtime.watchdog is not None and runtime.watchdog.restarts == 1
        assert runtime.intake is not None and runtime.intake.polls > 0

"""1. The relay, with Telegram's limits off: young people's texts through the durable inbox, the handler and the
durable outbox into their case topics — against a bare python-telegram-bot echo bot on the same emulator.

Throughput: all messages are written at once; messages per second until the last copy has arrived. Latency: a
steady offered load (50 messages a second, spread over the young people); the time from a young person's message
to its copy (in the topic, or back in the chat for the echo bot), as the emulator sees both.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.databases import Databases
from benchmarks.harness import (
    UNLIMITED,
    VAR,
    Process,
    World,
    bot_env,
    percentiles_ms,
    refused,
    start_bot,
    start_echo_bot,
    until_ready,
    wait_until,
    world,
)
from benchmarks.people import add_young_people
from sandbox import UserHandle


@dataclass(frozen=True)
class RelayScale:
    people: int
    burst: int  # messages written at once, for the throughput
    rate: float  # messages a second, for the latency
    seconds: float  # how long the steady load runs


async def warm_up(w: World, people: list[UserHandle], timeout: float) -> None:  # noqa: ASYNC109
    """A first message from everyone: cases and topics exist, connections are open."""
    texts = [f"warm-up {i}" for i in range(len(people))]
    pending = w.tap.expect(texts)
    for user, text in zip(people, texts, strict=True):
        user.send_text(text)
    if not await wait_until(lambda: not pending, w.emu, timeout):
        raise RuntimeError("the warm-up messages did not all arrive")


async def throughput(w: World, people: list[UserHandle], count: int, bot: Process) -> dict[str, Any]:
    texts = [f"burst {n:06d}" for n in range(count)]
    pending = w.tap.expect(texts)
    cpu = bot.cpu_seconds()
    started = time.perf_counter()
    for n, text in enumerate(texts):
        people[n % len(people)].send_text(text)
    done = await wait_until(lambda: not pending, w.emu, timeout=max(60.0, count / 5))
    arrived = [t for t in (w.tap.first(text) for text in texts) if t is not None]
    elapsed = (max(arrived) - started) if arrived else float("nan")
    cpu = bot.cpu_seconds() - cpu
    return {
        "cpu_ms_per_message": round(cpu * 1000 / max(len(arrived), 1), 2),
        "messages": count,
        "arrived": len(arrived),
        "complete": done,
        "seconds": round(elapsed, 3),
        "per_second": round(len(arrived) / elapsed, 1) if arrived else None,
    }


async def latency(
    w: World, people: list[UserHandle], rate: float, seconds: float, prefix: str = "steady"
) -> dict[str, Any]:
    count = max(int(rate * seconds), 2)
    sent: dict[str, float] = {}
    pending = w.tap.expect([f"{prefix} {n:06d}" for n in range(count)])
    started = time.perf_counter()
    for n in range(count):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        text = f"{prefix} {n:06d}"
        sent[text] = time.perf_counter()
        people[n % len(people)].send_text(text)
    offered = count / (time.perf_counter() - started) if count > 1 else rate
    await wait_until(lambda: not pending, w.emu, timeout=60.0)
    delays = [arrived - at for text, at in sent.items() if (arrived := w.tap.first(text)) is not None]
    return {
        "offered_per_second": round(offered, 1),
        "messages": count,
        "arrived": len(delays),
        "latency_ms": percentiles_ms(delays),
    }


async def measure(
    w: World, people: list[UserHandle], scale: RelayScale, bot: Process, steady: bool = True
) -> dict[str, Any]:
    await warm_up(w, people, timeout=120.0)
    result = {"throughput": await throughput(w, people, scale.burst, bot)}
    if steady:
        await asyncio.sleep(0.5)
        result["steady"] = await latency(w, people, scale.rate, scale.seconds)
    return result


async def echo_reference(scale: RelayScale, backend: str = "httpx") -> dict[str, Any]:
    """The echo bot as PTB's documentation writes it; with backend "aiohttp" (throughput only) the same bot on the
    relay's HTTP backend, for comparison."""
    async with world(limits=False) as w:
        people = [w.emu.add_user(first_name=f"Young {i}", language_code="en") for i in range(scale.people)]
        process = await start_echo_bot(w.emu, VAR / "logs" / f"echo-bot-{backend}.log", backend)
        try:
            await until_ready(w.tap, process)
            result = await measure(w, people, scale, process, steady=backend == "httpx")
            result["memory"] = process.memory()
        finally:
            await process.stop()
    return result


async def ours(dbs: Databases, kind: str, scale: RelayScale) -> dict[str, Any]:
    async with world(limits=False) as w:
        url = await dbs.fresh(kind, f"relay_{kind}")
        people = await add_young_people(w.emu, url, scale.people)
        env = bot_env(w.emu, url, w.group.id, dbs.run_dir / f"relay-{kind}", **UNLIMITED)
        process = await start_bot(env, VAR / "logs" / f"relay-{kind}.log")
        try:
            await until_ready(w.tap, process)
            result = await measure(w, people, scale, process)
            result["memory"] = process.memory()
            result["refused"] = refused(w.emu)
        finally:
            await process.stop()
    return result

"""What every benchmark needs: the emulator with a tap on what the bot sends, the bot (and the echo bot) as processes
of their own, their environment, their memory, and percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import Emulator, EmulatorConfig, GroupHandle, Limits

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("BENCH_VAR_DIR") or ROOT / "var" / "bench")  # logs, databases, the cached one at scale
TOKEN = "123456789:BENCH-token-for-the-sandbox-only"
SECRET = "bench-secret-key-never-used-elsewhere-" + "b" * 16

# Telegram's limits lifted on the bot's side too, for the runs that measure our own speed ("emulator limits off"):
# the sender's pacing, and the flood guard that slows down one young person writing a lot.
UNLIMITED = {
    "RATE_PER_CHAT_PER_SECOND": "100000",
    "RATE_PER_CHAT_BURST": "100000",
    "RATE_GROUP_PER_MINUTE": "10000000",
    "RATE_GLOBAL_PER_SECOND": "100000",
    "BROADCAST_PER_SECOND": "100000",
    "FLOOD_BURST": "1000",
    "FLOOD_PER_MINUTE": "600",
}


class Tap:
    """When the bot's messages arrive, by text, and when getUpdates calls begin — from the emulator's own events,
    so the clock is the one the load generator uses (time.perf_counter, in this process)."""

    def __init__(self, emu: Emulator) -> None:
        self.arrivals: dict[str, list[tuple[float, int]]] = defaultdict(list)  # text → [(when, chat id)]
        self.polls: list[float] = []
        self.by_chat: dict[int, list[float]] = defaultdict(list)  # chat id → when each message of the bot arrived
        self._waiting: list[set[str]] = []
        original = emu.state.emit

        def emit(kind: str, **data: Any) -> None:
            now = time.perf_counter()
            if kind == "message" and data.get("outgoing"):
                message = data["message"]
                self.by_chat[int(data["chat_id"])].append(now)
                text = message.get("text") or message.get("caption")
                # Texts the bot combined (the staff group's budget was used up) count as each of their parts.
                for part in {str(text), *str(text).split("\n\n")} if text else ():
                    self.arrivals[part].append((now, int(data["chat_id"])))
                    for pending in self._waiting:
                        pending.discard(part)
            elif kind == "poll":
                self.polls.append(now)
            original(kind, **data)

        setattr(emu.state, "emit", emit)  # noqa: B010 (an instance attribute in front of the method)

    def expect(self, texts: list[str]) -> set[str]:
        """The texts that have not arrived yet; the set shrinks as they come (so waiting for it costs nothing)."""
        self._waiting = [p for p in self._waiting if p]
        pending = {t for t in texts if t not in self.arrivals}
        self._waiting.append(pending)
        return pending

    def first(self, text: str) -> float | None:
        found = self.arrivals.get(text)
        return found[0][0] if found else None

    def count(self, text: str) -> int:
        return len(self.arrivals.get(text, ()))

    def first_poll_after(self, moment: float) -> float | None:
        return next((t for t in self.polls if t >= moment), None)


@dataclass
class World:
    emu: Emulator
    tap: Tap
    group: GroupHandle


@contextlib.asynccontextmanager
async def world(limits: bool) -> AsyncIterator[World]:
    """A fresh emulator (Telegram's limits on or off) with the team's forum group and a tap."""
    config = EmulatorConfig(token=TOKEN, bot_username="anlaufstelle_bench_bot", limits=Limits(enabled=limits))
    emu = Emulator(config)
    await emu.start(host="127.0.0.1", port=0)
    try:
        tap = Tap(emu)
        group = emu.add_forum_group(title="Team Anlaufstelle")
        yield World(emu, tap, group)
    finally:
        await emu.stop()


def bot_env(emu: Emulator, database_url: str, staff_chat_id: int, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of `python -m bot run` against this emulator and database (never the repository's .env)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emu.api_url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "STAFF_CHAT_ID": str(staff_chat_id),
        "VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "OFFICE_HOURS": "",  # never "closed": a notice outside office hours would be one more message
        "POLL_TIMEOUT_SECONDS": "10",
        **extra,
    }


@dataclass
class Process:
    proc: asyncio.subprocess.Process
    spawned: float  # perf_counter
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """SIGTERM, as an admin stops it; SIGKILL if it does not end in time."""
        if "dir" in PROFILE:
            timeout = max(timeout, 180.0)  # writing the profile takes a while
        if self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):  # py-spy writes its samples on SIGINT
            self.proc.send_signal(signal.SIGINT if os.environ.get("BENCH_PYSPY") else signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            print(f"  (pid {self.pid} did not stop within {timeout:.0f} s of SIGTERM: killed)", file=sys.stderr)
            await self.kill()

    def memory(self) -> dict[str, float]:
        """Resident memory now and at its peak, in MB (from /proc)."""
        return read_memory(self.pid)

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (user + system): unlike wall time, it hardly depends on what
        else the machine is doing."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def spawn(args: list[str], env: dict[str, str], log: Path) -> Process:
    return await spawn_program([sys.executable, *args], env, log)


async def spawn_program(program: list[str], env: dict[str, str], log: Path) -> Process:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(*program, env=env, cwd=str(log.parent), stdout=out, stderr=out)
    return Process(proc, started, log)


PROFILE: dict[str, Path] = {}  # {"dir": …} when `--profile` asks for a pyinstrument report of each bot process


async def start_bot(env: dict[str, str], log: Path) -> Process:
    if "dir" in PROFILE:
        report = PROFILE["dir"] / f"{log.stem}-{time.strftime('%H%M%S')}"
        report.parent.mkdir(parents=True, exist_ok=True)
        if os.environ.get("BENCH_PYSPY"):
            # CPU samples of every thread (the database's too), as collapsed stacks. The process measured for CPU
            # and memory is then py-spy itself: a run with this is for the profile, not for the figures.
            spy = str(Path(sys.executable).with_name("py-spy"))
            args = ["record", "--threads", "--rate", "200", "--format", "raw", "-o", f"{report}.txt", "--"]
            return await spawn_program([spy, *args, sys.executable, "-m", "bot", "run"], env, log)
        if os.environ.get("BENCH_CPROFILE"):
            return await spawn(["-m", "cProfile", "-o", f"{report}.prof", "-m", "bot", "run"], env, log)
        profiler = ["-m", "pyinstrument", "-i", "0.005", "-r", "text", "-o", f"{report}.txt"]
        return await spawn([*profiler, "-m", "bot", "run"], env, log)
    return await spawn(["-m", "bot", "run"], env, log)


async def start_echo_bot(emu: Emulator, log: Path, backend: str = "httpx") -> Process:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(ROOT)
    return await spawn(["-m", "benchmarks.echo_bot", emu.api_url, TOKEN, backend], env, log)


async def until_ready(tap: Tap, process: Process, timeout: float = 120.0) -> float:  # noqa: ASYNC109
    """Seconds from spawning the process to its first getUpdates: started, and receiving."""
    deadline = time.perf_counter() + timeout
    while (first := tap.first_poll_after(process.spawned)) is None:
        if process.proc.returncode is not None:
            raise RuntimeError(f"the bot ended with {process.proc.returncode} before it polled; see {process.log}")
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no getUpdates within {timeout} s; see {process.log}")
        await asyncio.sleep(0.01)
    return first - process.spawned


def read_memory(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(int(rest.split()[0]) / 1024, 1)
    return values


async def wait_until(check: Callable[[], bool], emu: Emulator, timeout: float) -> bool:  # noqa: ASYNC109
    """True once check() holds (re-checked at every change in the emulator), False after timeout."""
    with contextlib.suppress(TimeoutError):
        await emu.wait_for(check, timeout=timeout)
        return True
    return False


def percentiles_ms(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    if len(seconds) == 1:
        only = round(seconds[0] * 1000, 2)
        return {"p50": only, "p95": only, "p99": only, "max": only}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "p50": round(cuts[49] * 1000, 2),
        "p95": round(cuts[94] * 1000, 2),
        "p99": round(cuts[98] * 1000, 2),
        "max": round(max(seconds) * 1000, 2),
    }


def refused(emu: Emulator) -> dict[str, int]:
    """The requests the emulator refused as Telegram would (400, 403), by method and reason."""
    found: dict[str, int] = defaultdict(int)
    for call in emu.calls:
        if call.status in (400, 403):
            found[f"{call.method} {call.status}: {call.description}"] += 1
    return dict(found)


def ratio(ours: float | None, reference: float | None) -> float | None:
    if ours is None or not reference:
        return None
    return round(ours / reference, 3)

"""python -m benchmarks [--quick | --tiny] [--only PARTS] [--db KINDS] [--out FILE] [--profile DIR]

Runs the four parts of issue 10 (relay, limits, scale, crashes) on SQLite and PostgreSQL (a throwaway cluster from
scripts/pg-test-cluster, when PostgreSQL's server binaries are installed), prints a table and writes
benchmarks/results.json. The full run takes about half an hour on two cores; --quick is the same at a tenth of the
size, --tiny a smoke test (tests/test_benchmarks_smoke.py runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from benchmarks import harness, limits, relay, report
from benchmarks.crashes import CrashRun, crashes
from benchmarks.databases import KINDS, Databases, postgres_available
from benchmarks.scale import ScaleRun, at_scale
from benchmarks.scale_data import ScaleData

PARTS = ("relay", "limits", "scale", "crashes")


@dataclass(frozen=True)
class Preset:
    relay: relay.RelayScale
    limits: limits.LimitsScale
    scale: ScaleRun
    crashes: CrashRun


PRESETS = {
    "full": Preset(
        relay.RelayScale(people=200, burst=3000, rate=50.0, seconds=30.0),
        limits.LimitsScale(people=100, texts=3, within=10.0, subscribers=5000),
        ScaleRun(ScaleData.scaled(1.0), starts=3, queries=20, bookings=10, relay_seconds=10.0),
        CrashRun(kills=50, people=20, rate=10.0, subscribers=1000, reminders=50, up=3.0),
    ),
    "quick": Preset(
        relay.RelayScale(people=100, burst=600, rate=50.0, seconds=10.0),
        limits.LimitsScale(people=25, texts=3, within=10.0, subscribers=500),
        ScaleRun(ScaleData.scaled(0.1), starts=2, queries=5, bookings=3, relay_seconds=5.0),
        CrashRun(kills=5, people=10, rate=10.0, subscribers=100, reminders=10, up=2.0),
    ),
    "tiny": Preset(
        relay.RelayScale(people=5, burst=30, rate=50.0, seconds=1.0),
        limits.LimitsScale(people=3, texts=2, within=1.0, subscribers=20),
        ScaleRun(ScaleData.scaled(0.002), starts=1, queries=1, bookings=1, relay_seconds=1.0),
        CrashRun(kills=1, people=2, rate=4.0, subscribers=10, reminders=2, up=0.5),
    ),
}


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_const", const="quick", dest="preset", help="a tenth of the size")
    size.add_argument("--tiny", action="store_const", const="tiny", dest="preset", help="a smoke test")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {','.join(PARTS)}")
    parser.add_argument("--db", default=",".join(KINDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--kills", type=int, default=None, help="SIGKILLs in the crash run (default by size)")
    parser.add_argument("--scale", type=float, default=None, help="size of the database at scale (1 = the issue's)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--profile", type=Path, default=None, help="write a pyinstrument report of each bot process")
    parser.add_argument("--merge", action="store_true", help="keep the other parts' figures already in --out")
    parser.set_defaults(preset="full")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    preset = PRESETS[args.preset]
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if "postgresql" in kinds and not postgres_available():
        say("WARNING: PostgreSQL's server binaries were not found: measuring SQLite only")
        kinds.remove("postgresql")
    scale_run = preset.scale if args.scale is None else replace(preset.scale, data=ScaleData.scaled(args.scale))
    crash_run = preset.crashes if args.kills is None else replace(preset.crashes, kills=args.kills)
    results: dict[str, Any] = {
        "preset": args.preset,
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": report.machine(),
        "parameters": {
            "relay": asdict(preset.relay),
            "limits": asdict(preset.limits),
            "scale": asdict(scale_run),
            "crashes": asdict(crash_run),
        },
    }
    dbs = Databases()

    async def step(title: str, where: list[str], key: str, job: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        say(f"== {title}")
        started = time.perf_counter()
        try:
            results.setdefault(where[0], {})[key] = await job()
        except Exception as exc:  # one part failing leaves the others' figures
            say(f"   failed: {type(exc).__name__}: {exc}")
            results.setdefault(where[0], {})[key] = {"error": f"{type(exc).__name__}: {exc}"}
        say(f"   {time.perf_counter() - started:.0f} s")

    try:
        if "relay" in parts:
            await step("relay: the echo bot", ["relay"], "echo", lambda: relay.echo_reference(preset.relay))
            await step(
                "relay: the echo bot on aiohttp",
                ["relay"],
                "echo_aiohttp",
                lambda: relay.echo_reference(preset.relay, "aiohttp"),
            )
            for kind in kinds:
                await step(f"relay: {kind}", ["relay"], kind, lambda k=kind: relay.ours(dbs, k, preset.relay))  # type: ignore[misc]
        if "limits" in parts:
            kind = kinds[0]
            await step(f"limits: burst ({kind})", ["limits"], "burst", lambda: limits.burst(dbs, kind, preset.limits))
            await step(
                f"limits: broadcast ({kind})",
                ["limits"],
                "broadcast",
                lambda: limits.broadcast(dbs, kind, preset.limits),
            )
            results["limits"]["database"] = kind
        if "scale" in parts:
            for kind in kinds:
                await step(f"scale: {kind}", ["scale"], kind, lambda k=kind: at_scale(dbs, k, scale_run, say))  # type: ignore[misc]
        if "crashes" in parts:
            for kind in kinds:
                await step(f"crashes: {kind}", ["crashes"], kind, lambda k=kind: crashes(dbs, k, crash_run))  # type: ignore[misc]
    finally:
        await dbs.close()
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = report.targets(results)
    return results


def merged(earlier: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """The earlier results with the parts measured now put in (and a note of when and at which load)."""
    for part in PARTS:
        if part in now:
            earlier[part] = {**earlier.get(part, {}), **now[part]}
            earlier.setdefault("parameters", {})[part] = now["parameters"][part]
    load = [now["machine"]["load_average_at_start"], now["machine"]["load_average_at_end"]]
    parts = [p for p in PARTS if p in now]
    earlier.setdefault("merged", []).append({"parts": parts, "started": now["started"], "load_average": load})
    earlier["targets"] = report.targets(earlier)
    return earlier


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.profile is not None:
        if importlib.util.find_spec("pyinstrument") is None:
            say("--profile needs pyinstrument: pip install -e '.[bench]'")
            return 2
        harness.PROFILE["dir"] = args.profile.resolve()
    results = asyncio.run(run(args))
    if args.merge and args.out.exists():
        results = merged(json.loads(args.out.read_text(encoding="utf-8")), results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(report.table(results))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

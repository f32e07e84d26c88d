"""The machine the figures come from, the targets of issue 10, and the table printed at the end."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Callable
from importlib import metadata
from typing import Any

PACKAGES = ("python-telegram-bot", "aiohttp", "httpx", "SQLAlchemy", "aiosqlite", "asyncpg", "APScheduler")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    ram = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kib = next(int(line.split()[1]) for line in info if line.startswith("MemTotal"))
            ram = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _get(tree: dict[str, Any], path: str) -> Any:
    node: Any = tree
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured figure and whether it is met (None: not measured)."""
    out: list[dict[str, Any]] = []

    def add(what: str, target: str, measured: Any, met: bool | None) -> None:
        out.append({"what": what, "target": target, "measured": measured, "met": met})

    echo = _get(results, "relay.echo.throughput.per_second")
    for db in ("sqlite", "postgresql"):
        ours = _get(results, f"relay.{db}.throughput.per_second")
        if ours is not None and echo:
            add(
                f"relay throughput, {db}", "≥ 0.8 × echo bot", f"{ours} msg/s = {ours / echo:.2f} ×", ours / echo >= 0.8
            )
        p99 = _get(results, f"relay.{db}.steady.latency_ms.p99")
        if p99 is not None:
            add(f"relay p99 at 50 msg/s, {db}", "< 25 ms", f"{p99} ms", p99 < 25)
        start = _get(results, f"scale.{db}.startup_seconds.median")
        if start is not None:
            add(f"start-up at scale, {db}", "< 2 s", f"{start} s", start < 2)
        peak = _get(results, f"scale.{db}.memory_after_work.peak_rss_mb")
        if peak is not None:
            add(f"resident memory at scale (peak), {db}", "< 150 MB", f"{peak} MB", peak < 150)
        lost = _get(results, f"crashes.{db}.lost")
        if lost is not None:
            add(f"messages lost to SIGKILL, {db}", "0", lost, lost == 0)
    share = _get(results, "limits.broadcast.share_of_allowed")
    if share is not None:
        refused = _get(results, "limits.broadcast.too_many_requests")
        add("broadcast rate", "≥ 95 % of 30/s, no 429", f"{share:.1%}, {refused} × 429", share >= 0.95 and refused == 0)
    burst = _get(results, "limits.burst.too_many_requests")
    if burst is not None:
        add("burst of young people", "no 429", f"{burst} × 429", burst == 0)
    return out


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _latency(tree: dict[str, Any], path: str) -> str:
    found = _get(tree, path)
    if not found:
        return "–"
    return "/".join(_fmt(found.get(k)) for k in ("p50", "p95", "p99"))


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, echo bot or reference, SQLite, PostgreSQL)."""
    r = results
    echo_rate = _get(r, "relay.echo.throughput.per_second")
    echo_cpu = _get(r, "relay.echo.throughput.cpu_ms_per_message")

    def per_db(path: str, fmt: Any = _fmt) -> tuple[str, str]:
        return fmt(_get(r, f"{path.format(db='sqlite')}")), fmt(_get(r, f"{path.format(db='postgresql')}"))

    def with_ratio(path: str, reference: float | None) -> tuple[str, str]:
        def show(value: Any) -> str:
            if value is None:
                return "–"
            return f"{value:g} ({value / reference:.2f}×)" if reference else f"{value:g}"

        return per_db(path, show)

    table: list[tuple[str, str, str, str]] = [
        (
            "relay throughput, msg/s (× echo)",
            _fmt(echo_rate),
            *with_ratio("relay.{db}.throughput.per_second", echo_rate),
        ),
        (
            "the same against the echo bot on aiohttp, msg/s (×)",
            _fmt(_get(r, "relay.echo_aiohttp.throughput.per_second")),
            *with_ratio("relay.{db}.throughput.per_second", _get(r, "relay.echo_aiohttp.throughput.per_second")),
        ),
        (
            "relay CPU per message, ms (× echo)",
            _fmt(echo_cpu),
            *with_ratio("relay.{db}.throughput.cpu_ms_per_message", echo_cpu),
        ),
        (
            "relay latency at 50 msg/s, p50/p95/p99 ms",
            _latency(r, "relay.echo.steady.latency_ms"),
            _latency(r, "relay.sqlite.steady.latency_ms"),
            _latency(r, "relay.postgresql.steady.latency_ms"),
        ),
    ]
    burst = _get(r, "limits.burst") or {}
    if burst:
        table.append(
            (
                f"burst of {burst.get('people')} people, {burst.get('texts')} texts: s until staff saw all",
                f"minimum {_fmt(burst.get('minimum_seconds'))}",
                f"{_fmt(burst.get('seconds_until_all_seen'))} ({_fmt(burst.get('too_many_requests'))} × 429)",
                "",
            )
        )
    cast = _get(r, "limits.broadcast") or {}
    if cast:
        table.append(
            (
                f"broadcast to {cast.get('subscribers')}: msg/s",
                f"allowed {_fmt(cast.get('allowed_per_second'))}",
                f"{_fmt(cast.get('per_second'))} ({_fmt(cast.get('too_many_requests'))} × 429)",
                "",
            )
        )
    table += [
        ("start-up at scale, s (median)", "", *per_db("scale.{db}.startup_seconds.median")),
        ("resident memory after start, MB", "", *per_db("scale.{db}.memory_after_start.rss_mb")),
        ("resident memory peak at scale, MB", "", *per_db("scale.{db}.memory_after_work.peak_rss_mb")),
        ("/queue at scale, p50/p95 ms", "", *both(lambda db: _latency(r, f"scale.{db}.queue_ms"))),
        (
            "booking step at scale, p50/p95 ms",
            "",
            *both(lambda db: _latency(r, f"scale.{db}.booking_step_ms")),
        ),
        (
            "relay at scale, 20 msg/s, p50/p95/p99 ms",
            "",
            *both(lambda db: _latency(r, f"scale.{db}.relay_at_20_per_second_ms")),
        ),
        ("/report (12 months) at scale, s", "", *per_db("scale.{db}.report.seconds")),
        (
            "relay at 20 msg/s meanwhile, p50/p95/p99 ms",
            "",
            *both(lambda db: _latency(r, f"scale.{db}.report.relay_meanwhile_ms")),
        ),
        ("daily purge at scale, s", "", *both(lambda db: _purge(r, db))),
        ("SIGKILLs: lost / duplicated", "", *both(lambda db: _crash(r, db))),
        (
            "after a SIGKILL: s to deliver again (median/max)",
            "",
            *both(lambda db: _recovery(r, db)),
        ),
    ]
    return table


def both(figure: Callable[[str], str]) -> tuple[str, str]:
    return figure("sqlite"), figure("postgresql")


def _purge(r: dict[str, Any], db: str) -> str:
    found = _get(r, f"scale.{db}.purge")
    if not found:
        return "–"
    return (
        _fmt(found["seconds"]) if found.get("seconds") is not None else f"> {_fmt(found.get('stopped_after_seconds'))}"
    )


def _crash(r: dict[str, Any], db: str) -> str:
    found = _get(r, f"crashes.{db}")
    if not found:
        return "–"
    return f"{found['lost']} / {found['duplicated']} ({found['kills']} kills)"


def _recovery(r: dict[str, Any], db: str) -> str:
    found = _get(r, f"crashes.{db}.recovery_seconds")
    return f"{_fmt(found.get('median'))}/{_fmt(found.get('max'))}" if found else "–"


def table(results: dict[str, Any]) -> str:
    head = ("figure", "echo bot / limit", "SQLite", "PostgreSQL")
    body = rows(results)
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(4)]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in [head, *body]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append("")
    for t in targets(results):
        mark = {True: "met", False: "NOT MET", None: "?"}[t["met"]]
        lines.append(f"{mark:8} {t['what']}: {t['measured']} (target {t['target']})")
    m = results.get("machine", {})
    lines.append("")
    lines.append(
        f"machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gb')} GB RAM, Python {m.get('python')}, "
        f"load average {m.get('load_average_at_start')} at start, {m.get('load_average_at_end')} at the end"
    )
    return "\n".join(lines)

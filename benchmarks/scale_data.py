"""A database at scale, made in the database itself: each table is one INSERT … SELECT over a generated series (a
recursive CTE on SQLite, generate_series on PostgreSQL), so a million rows take seconds, not minutes.

What is in it (at scale 1): 100,000 young people (1 % inactive for longer than RETENTION_CONTACT_DAYS), one case
each (200 open; closed ones older than RETENTION_CASE_CONTENT_DAYS have had their contents deleted, except 2 %,
which today's purge deletes), 1,000,000 case messages (a tenth of them notes), 25,000 booked appointments in the
coming weeks with two pending reminders each (50,000), a week's worth of handled updates and sent messages
(100,000 each), and 20,000 subscriptions. The SQLite file is kept under var/bench/ for half a day and copied for each
run; PostgreSQL is filled anew each run.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from benchmarks.databases import Databases, migrated
from benchmarks.harness import VAR
from benchmarks.people import KEYRING, day_notes_sent, import_plan
from storage import migrate
from storage.engine import create_engine

VERSION = 2  # of what is generated: a change here makes a new cached file
CACHE_HOURS = 12.0  # reminders are generated a day ahead of "now" at least: older files would have due ones


@dataclass(frozen=True)
class ScaleData:
    contacts: int = 100_000
    messages: int = 1_000_000
    appointments: int = 25_000  # two reminders each
    handled: int = 100_000  # done inbox rows and sent outbox rows, each

    @classmethod
    def scaled(cls, factor: float) -> ScaleData:
        base = cls()
        return cls(*(max(int(v * factor), 40) for v in (base.contacts, base.messages, base.appointments, base.handled)))

    @property
    def reminders(self) -> int:
        return 2 * self.appointments

    def key(self) -> str:
        raw = f"{VERSION}:{self}:{migrate.head_revision()}"
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


class Sql:
    """The few expressions whose spelling differs between the two databases."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def series(self, count: int, body: str) -> str:
        """`body` selects FROM s, a series of n = 1 … count."""
        if self.pg:
            return body.replace("FROM s", f"FROM generate_series(1, {count}) AS s(n)")
        return f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) {body}"

    def shifted(self, seconds: str) -> str:
        """Now plus `seconds` (an SQL expression; negative: in the past), as the column type expects it."""
        if self.pg:
            return f"(now() + make_interval(secs => ({seconds})))"
        return f"(strftime('%Y-%m-%d %H:%M:%S', 'now', ({seconds}) || ' seconds') || '.000000')"

    def ago(self, seconds: str) -> str:
        return self.shifted(f"-({seconds})")

    def blob(self, parameter: str) -> str:
        """A bound bytes parameter (PostgreSQL cannot tell its type inside a CASE)."""
        return f"CAST({parameter} AS BYTEA)" if self.pg else parameter

    def pad(self, number: str, width: int) -> str:
        if self.pg:
            return f"lpad(({number})::text, {width}, '0')"
        return f"substr('{'0' * width}' || ({number}), -{width})"


AGE = "(CASE WHEN {n} % 100 = 0 THEN 181 + {n} % 300 ELSE {n} % 150 END)"  # days since a contact's last sign of life
DAY = 86400


def statements(sql: Sql, d: ScaleData, stop_first: int, stops: int) -> list[tuple[str, str]]:
    age_c, age_n = AGE.format(n="c"), AGE.format(n="n")
    closed = "c % 500 <> 7"
    cleared = f"({closed} AND {age_c} >= 90 AND c % 50 <> 1)"  # contents deleted by earlier purges
    languages = "substr('deenarfaukrutrplro', (n % 9) * 2 + 1, 2)"
    towns = "CASE n % 7 WHEN 0 THEN 'peine' WHEN 1 THEN 'edemissen' WHEN 2 THEN 'ilsede' ELSE 'vechelde' END"
    starts = f"((2 + a % 19) * {DAY} + (a % 8) * 3600)"
    return [
        (
            "contacts",
            "INSERT INTO contacts (id, user_key, chat_id_enc, language, age_band, place, status, consent_at, "
            "created_at, last_seen_at) "
            + sql.series(
                d.contacts,
                f"SELECT n, 'bench' || {sql.pad('n', 59)}, :chat, {languages}, '18-21', 'peine', 'active', "
                f"{sql.ago(f'({age_n} + 30) * {DAY}')}, {sql.ago(f'({age_n} + 30) * {DAY}')}, "
                f"{sql.ago(f'{age_n} * {DAY} + n % 3600')} FROM s",
            ),
        ),
        (
            "cases",
            "INSERT INTO cases (id, alias, contact_id, status, topic_id, urgent, outcome, waiting_since, opened_at, "
            "closed_at, reopened_count, contents_deleted_at) "
            + sql.series(
                d.contacts,
                f"SELECT c, 'S-' || c, c, CASE WHEN {closed} THEN 'closed' ELSE 'open' END, "
                f"CASE WHEN {cleared} THEN NULL ELSE 10000000 + c END, FALSE, "
                f"CASE WHEN {closed} THEN 'advice' END, CASE WHEN {closed} THEN NULL ELSE {sql.ago('c % 7200')} END, "
                f"{sql.ago(f'({age_c} + 30) * {DAY}')}, CASE WHEN {closed} THEN {sql.ago(f'{age_c} * {DAY}')} END, 0, "
                f"CASE WHEN {cleared} THEN {sql.ago(f'({age_c} - 90) * {DAY}')} END "
                "FROM (SELECT n AS c FROM s) AS t",
            ),
        ),
        (
            "case_messages",
            "INSERT INTO case_messages (id, case_id, direction, kind, youth_message_id, staff_message_id, text_enc, "
            "created_at) "
            + sql.series(
                d.messages,
                "SELECT n, c, CASE WHEN k % 10 = 9 THEN 'note' WHEN k % 3 = 2 THEN 'out' ELSE 'in' END, "
                "CASE WHEN k % 10 = 9 THEN 'note' ELSE 'text' END, "
                "CASE WHEN k % 10 <> 9 AND k % 3 <> 2 THEN 1000 + k END, "
                f"CASE WHEN k % 10 <> 9 THEN 20000000 + n END, CASE WHEN k % 10 = 9 THEN {sql.blob(':note')} END, "
                f"{sql.ago(f'{age_c} * {DAY} + (k + 1) * 3600')} "
                f"FROM (SELECT n, (n - 1) % {d.contacts} + 1 AS c, (n - 1) / {d.contacts} AS k FROM s) AS t",
            ),
        ),
        (
            "appointments",
            "INSERT INTO appointments (id, contact_id, case_id, stop_id, starts_at, ends_at, topic, status, "
            "created_at) "
            + sql.series(
                d.appointments,
                f"SELECT a, 4 * (a - 1) + 1, 4 * (a - 1) + 1, {stop_first} + a % {stops}, {sql.shifted(starts)}, "
                f"{sql.shifted(f'{starts} + 1800')}, 'school', 'booked', {sql.ago(f'(a % 10) * {DAY}')} "
                "FROM (SELECT n AS a FROM s) AS t",
            ),
        ),
        (
            "reminders",
            "INSERT INTO reminders (id, appointment_id, due_at, offset_label, status) "
            + sql.series(
                d.reminders,
                f"SELECT r, a, {sql.shifted(f'{starts} - CASE WHEN r % 2 = 1 THEN {DAY} ELSE 3600 END')}, "
                "CASE WHEN r % 2 = 1 THEN '24h' ELSE '1h' END, 'pending' "
                "FROM (SELECT n AS r, (n - 1) / 2 + 1 AS a FROM s) AS t",
            ),
        ),
        (
            "inbox",
            "INSERT INTO inbox (update_id, status, attempts, received_at, processed_at) "
            + sql.series(
                d.handled,
                f"SELECT n, 'done', 0, {sql.ago(f'(n % 14) * {DAY}')}, {sql.ago(f'(n % 14) * {DAY}')} FROM s",
            ),
        ),
        (
            "outbox",
            "INSERT INTO outbox (id, priority, lane, method, payload_enc, status, attempts, not_before, created_at, "
            "sent_at, kind) "
            + sql.series(
                d.handled,
                f"SELECT n, 0, 'p:' || {sql.pad('n % 5000', 32)}, 'copyMessage', :empty, 'sent', 1, "
                f"{sql.ago(f'(n % 14) * {DAY} + n % 3600')}, {sql.ago(f'(n % 14) * {DAY} + n % 3600')}, "
                f"{sql.ago(f'(n % 14) * {DAY} + n % 3600')}, 'relay_in' FROM s",
            ),
        ),
        (
            "subscriptions",
            "INSERT INTO subscriptions (id, contact_id, place, created_at) "
            + sql.series(d.contacts // 5, f"SELECT n, 5 * (n - 1) + 2, {towns}, {sql.ago(str(DAY))} FROM s"),
        ),
    ]


async def fill(conn: AsyncConnection, d: ScaleData, report: Callable[[str], None]) -> None:
    sql = Sql(conn.dialect.name)
    first, count = (await conn.execute(text("SELECT min(id), count(*) FROM stops"))).one()
    params = {"chat": KEYRING.encrypt_int(999), "note": KEYRING.encrypt(b"a note"), "empty": b""}
    for table, statement in statements(sql, d, int(first), int(count)):
        started = time.perf_counter()
        await conn.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
        report(f"{table} {time.perf_counter() - started:.1f} s")
    if sql.pg:
        for table in ("contacts", "cases", "case_messages", "appointments", "reminders", "outbox", "subscriptions"):
            await conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )


async def generate(url: str, d: ScaleData, report: Callable[[str], None]) -> float:
    """Fill a migrated, empty database; returns the seconds it took."""
    started = time.perf_counter()
    await import_plan(url)
    await day_notes_sent(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await fill(conn, d, report)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                # What autovacuum would long have done in production. VACUUM too: after a million inserted rows
                # autovacuum would otherwise start on its own during the measurements, sharing their two cores.
                await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def database_at_scale(
    dbs: Databases, kind: str, d: ScaleData, report: Callable[[str], None]
) -> tuple[str, dict[str, float | bool]]:
    """A fresh copy of the database at scale; returns its URL and how it was made."""
    if kind == "postgresql":
        url = await dbs.pg_copy(await dbs.pg_template(), "scale")
        return url, {"generated_seconds": round(await generate(url, d, report), 1), "cached": False}
    cached = VAR / f"scale-{d.key()}.db"
    made = {"cached": True, "generated_seconds": 0.0}
    if not cached.exists() or time.time() - cached.stat().st_mtime > CACHE_HOURS * 3600:
        for old in VAR.glob("scale-*.db*"):
            old.unlink()
        building = Path(f"{cached}.building")
        building.unlink(missing_ok=True)  # noqa: ASYNC240 (a moment, before anything runs)
        await migrated(f"sqlite+aiosqlite:///{building}")
        made = {
            "cached": False,
            "generated_seconds": round(await generate(f"sqlite+aiosqlite:///{building}", d, report), 1),
        }
        checkpoint(building)
        shutil.move(building, cached)
    return dbs.sqlite_copy(cached, "scale"), made


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so that copying the file alone copies everything."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()

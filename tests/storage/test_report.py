"""The committee report over a generated year: its figures against counts made here with plain Python over the
generated records (not with the report's code), the suppression of small counts in the CSV, the same figures
after retention cleared message contents, and no query touching a content column. Run on SQLite and on
PostgreSQL (ANLAUFSTELLE_TEST_DB), the same expectations hold on both."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, update
from sqlalchemy.ext.asyncio import AsyncEngine
from year_of_activity import BERLIN, World, generate

from bot import report
from bot.i18n import Catalogs
from storage import report as report_queries
from storage.engine import session_factory
from storage.models import CaseMessage, Contact, HourNote, InboxUpdate, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
YEAR = report.Period(date(2026, 1, 1), date(2026, 12, 31))
CLIPPED = report.Period(date(2026, 3, 15), date(2026, 8, 10))  # months cut at both ends, across summer time
CREATED = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(engine: AsyncEngine) -> World:
    async with session_factory(engine)() as session, session.begin():
        return await generate(session)


def tr(language: str = "de"):  # type: ignore[no-untyped-def]
    return Catalogs(BERLIN, "de").translator(language)


async def figures(engine: AsyncEngine, period: report.Period) -> report.Figures:
    async with session_factory(engine)() as session:
        return await report.collect(session, period, BERLIN)


# -- what the report should say, counted here ----------------------------------------------------------------


def day_of(moment: datetime) -> date:
    return moment.astimezone(BERLIN).date()


def inside(period: report.Period, moment: datetime) -> bool:
    return period.first <= day_of(moment) <= period.last


def months_of(period: report.Period) -> list[tuple[date, date]]:
    found, day = [], period.first
    while day <= period.last:
        last = day
        while last + timedelta(days=1) <= period.last and (last + timedelta(days=1)).month == day.month:
            last += timedelta(days=1)
        found.append((day, last))
        day = last + timedelta(days=1)
    return found


def active_ids(w: World, first: date, last: date) -> set[int]:
    wrote = {cid for cid, when in w.youth_messages if first <= day_of(when) <= last}
    booked = {a.contact_id for a in w.appointments if first <= day_of(a.created_at) <= last}
    return wrote | booked


def firsts(w: World, first: date, last: date) -> set[int]:
    return {c.id for c in w.contacts if first <= day_of(c.created_at) <= last}


def returners(w: World, first: date, last: date) -> set[int]:
    earlier = {c.id for c in w.contacts if day_of(c.created_at) < first}
    return earlier & active_ids(w, first, last)


def nonzero(counts: dict[Any, int]) -> dict[Any, int]:
    return {k: v for k, v in counts.items() if v}


def by(values: Iterable[str | None], unknown: str = "not_stated") -> dict[str, int]:
    return dict(Counter(unknown if v in (None, "na") else v for v in values))


def median_minutes(waits: list[float]) -> int | None:
    return round(statistics.median(waits) / 60) if waits else None


def p90_minutes(waits: list[float]) -> int | None:
    """The smallest wait that at least 90 % of the waits do not exceed (nearest rank)."""
    if not waits:
        return None
    return round(next(v for v in sorted(waits) if sum(w <= v for w in waits) >= 0.9 * len(waits)) / 60)


def in_office(moment: datetime) -> bool:
    local = moment.astimezone(BERLIN)
    return local.weekday() < 5 and 9 <= local.hour < 17


@dataclass
class Expected:
    months: list[tuple[date, int, int]]
    first: int
    returning: int
    ages: dict[str, int]
    places: dict[str, int]
    languages: dict[str, int]
    sources: dict[str, int]
    topics: dict[str, int]
    outcomes: dict[str, int]
    answers: dict[str, tuple[int, int, int | None, int | None]]
    appointments: dict[str, int]
    hours: dict[str, int]
    pools: list[tuple[date, int, int, int]]
    bus: tuple[int, int, int]  # announcements, messages they delivered, day-before notes delivered


def expected(w: World, period: report.Period) -> Expected:
    first, last = period.first, period.last
    reached_ids = firsts(w, first, last) | returners(w, first, last)
    reached = [c for c in w.contacts if c.id in reached_ids]
    answers: dict[str, tuple[int, int, int | None, int | None]] = {}
    for key, wanted in (("inside", True), ("outside", False)):
        group = [c for c in w.cases if inside(period, c.opened_at) and in_office(c.opened_at) == wanted]
        waits = [(c.first_answer_at - c.opened_at).total_seconds() for c in group if c.first_answer_at]
        answers[key] = (len(waits), len(group) - len(waits), median_minutes(waits), p90_minutes(waits))
    appointments = [a for a in w.appointments if inside(period, a.starts_at)]
    statuses = Counter(a.status for a in appointments)
    sent = [a for a in w.announcements if a.published_at and inside(period, a.published_at)]
    pools = []
    for pool in w.pools:
        if pool.starts_on <= last and pool.ends_on >= first:
            counted = [e for e in w.entries if not e.deleted and pool.starts_on <= e.worked_on <= pool.ends_on]
            per_case = Counter[int]()
            for e in counted:
                per_case[e.case_id] += e.minutes
            over = sum(1 for m in per_case.values() if pool.cap_minutes is not None and m > pool.cap_minutes)
            pools.append((pool.starts_on, sum(e.minutes for e in counted), len(per_case), over))
    hour_counts: Counter[str] = Counter()
    for e in w.entries:
        if not e.deleted and first <= e.worked_on <= last:
            hour_counts[e.activity or "not_stated"] += e.minutes
    return Expected(
        months=[(a, len(firsts(w, a, b)), len(returners(w, a, b))) for a, b in months_of(period)],
        first=len(firsts(w, first, last)),
        returning=len(returners(w, first, last)),
        ages=by(c.age_band for c in reached),
        places=by(c.place for c in reached),
        languages=by(c.language for c in reached),
        sources=by((c.source for c in reached), "no_link"),
        topics=by(a.topic for a in appointments),
        outcomes=by(c.outcome for c in w.cases if c.status == "closed" and c.closed_at and inside(period, c.closed_at)),
        answers=answers,
        appointments={
            "booked": len(appointments),
            "attended": statuses["attended"],
            "no_show": statuses["no_show"],
            "cancelled": statuses["cancelled"],
            "open": statuses["booked"],
        },
        hours=dict(hour_counts),
        pools=pools,
        bus=(
            len([a for a in sent if a.kind != "daynote"]),
            sum(a.sent for a in sent if a.kind != "daynote"),
            sum(a.sent for a in sent if a.kind == "daynote"),
        ),
    )


def shown(n: int) -> str:
    return "<5" if 1 <= n <= 4 else str(n)


def german_hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".").replace(".", ",")


# -- the tests -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", [YEAR, CLIPPED], ids=["year", "clipped"])
async def test_the_figures_match_counts_made_independently(engine: AsyncEngine, world: World, period) -> None:  # type: ignore[no-untyped-def]
    got, want = await figures(engine, period), expected(world, period)
    assert [(m.month.first, m.first, m.returning) for m in got.months] == want.months
    assert (got.first, got.returning) == (want.first, want.returning)
    assert nonzero(got.age_bands) == want.ages
    assert nonzero(got.places) == want.places
    assert nonzero(got.languages) == want.languages
    assert nonzero(got.sources) == want.sources
    assert nonzero(got.topics) == want.topics
    assert nonzero(got.outcomes) == want.outcomes
    for key, times in (("inside", got.inside), ("outside", got.outside)):
        assert (times.answered, times.unanswered, times.median_minutes, times.p90_minutes) == want.answers[key], key
    assert got.appointments == want.appointments
    assert nonzero(got.hours_by_activity) == want.hours
    assert [(u.pool.starts_on, u.used_minutes, u.cases, u.over_cap) for u in got.pools] == want.pools
    assert (got.bus.announcements, got.bus.deliveries, got.bus.day_notes) == want.bus
    assert want.bus[0] > 5 and want.bus[2] > 5, "the generated year has announcements to count"
    # The generated year is rich enough for the comparison to mean something.
    assert got.first > 50 and got.returning > 20
    assert got.inside.answered >= 5 and got.outside.answered >= 5
    if period == YEAR:
        assert got.languages["ro"] == 3 and got.languages["pl"] == 5
        assert any(u.over_cap for u in got.pools) and len(got.pools) == 2


async def test_the_answer_times_are_the_same_read_a_few_cases_at_a_time(
    engine: AsyncEngine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At scale the cases are read in batches (storage.report.case_timings): here batches of 7, so that the year's
    cases come in many. (The anonymous cases' batches: test_anonymous_counts, whose CSV holds the answer times.)"""
    monkeypatch.setattr(report_queries, "TIMINGS_AT_ONCE", 7)
    want = expected(world, YEAR)
    start, end = YEAR.window(BERLIN)
    async with session_factory(engine)() as session:
        batches = [len(b) async for b in report_queries.case_timings(session, start, end)]
        inside, outside = await report.answer_times(session, start, end)
    assert len(batches) > 3 and max(batches) == 7
    for key, times in (("inside", inside), ("outside", outside)):
        assert (times.answered, times.unanswered, times.median_minutes, times.p90_minutes) == want.answers[key], key


def read_csv(content: bytes) -> dict[tuple[str, str, str], str]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for spreadsheets"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert all(len(r) == 7 for r in rows), "every row has section;title;period;key;label;value;unit"
    return {(r[0], r[2], r[3]): r[5] for r in rows[1:]}


async def test_the_csv_shows_the_figures_with_small_counts_suppressed(engine: AsyncEngine, world: World) -> None:
    want = expected(world, YEAR)
    built = report.build(await figures(engine, YEAR), tr(), CREATED)
    content = report.to_csv(built, tr())
    cells = read_csv(content)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / f"report-{_db(engine)}.csv").write_bytes(content)

    for month, first, returning in want.months:
        assert cells[("contacts_per_month", f"{month:%Y-%m}", "first")] == shown(first)
        assert cells[("contacts_per_month", f"{month:%Y-%m}", "returning")] == shown(returning)
    assert cells[("overview", "", "first")] == shown(want.first)
    assert cells[("overview", "", "reached")] == shown(want.first + want.returning)
    for section, counts in (
        ("age_band", want.ages),
        ("place", want.places),
        ("language", want.languages),
        ("source", want.sources),
        ("topic", want.topics),
        ("outcome", want.outcomes),
        ("appointments", want.appointments),
    ):
        for key, n in counts.items():
            assert cells[(section, "", key)] == shown(n), (section, key)
    # The suppression at its edges: 3 young people wrote in Romanian, 5 in Polish, nobody stayed 0.
    assert cells[("language", "", "ro")] == "<5"
    assert cells[("language", "", "pl")] == "5"
    assert "<5" in cells.values()
    for key, minutes in want.hours.items():
        assert cells[("hours_activity", "", key)] == german_hours(minutes)
    first_pool = "2026-01-01/2026-06-30"
    assert cells[("hours_pool", first_pool, "budget")] == "150"
    assert cells[("hours_pool", first_pool, "used")] == german_hours(want.pools[0][1])
    assert cells[("hours_pool", first_pool, "over_cap")] == shown(want.pools[0][3])
    inside_answered, _unanswered, median, _p90 = want.answers["inside"]
    assert cells[("answer_time", "", "inside_answered")] == shown(inside_answered)
    assert cells[("answer_time", "", "inside_median")] == str(median)
    assert cells[("bus", "", "announcements")] == shown(want.bus[0])
    assert cells[("bus", "", "deliveries")] == shown(want.bus[1])


def test_small_counts_become_less_than_five_and_zero_stays() -> None:
    assert [report.count_cell(n).text for n in range(7)] == ["0", "<5", "<5", "<5", "<5", "5", "6"]
    assert [report.count_cell(n).value for n in (0, 4, 5)] == [0.0, None, 5.0]
    few = report.AnswerTimes(answered=4, unanswered=0, median_minutes=12, p90_minutes=30)
    enough = report.AnswerTimes(answered=5, unanswered=1, median_minutes=12, p90_minutes=30)
    rows = {r.key: r.cell.text for r in report._answer_rows(tr(), _with_answers(few, enough), "cases", "minutes")}
    assert rows["inside_answered"] == "<5" and rows["inside_median"] == "–" and rows["inside_p90"] == "–"
    assert rows["outside_answered"] == "5" and rows["outside_median"] == "12" and rows["outside_p90"] == "30"
    assert rows["unanswered"] == "<5"


def _with_answers(inside_times: report.AnswerTimes, outside_times: report.AnswerTimes) -> report.Figures:
    empty: dict[str, int] = {}
    return report.Figures(
        YEAR, [], 0, 0, empty, empty, empty, empty, empty, empty, inside_times, outside_times,
        dict.fromkeys(report.APPOINTMENT_KEYS, 0), None, empty, [],
    )  # fmt: skip


async def test_the_same_figures_after_retention_cleared_message_contents(engine: AsyncEngine, world: World) -> None:
    before = report.to_csv(report.build(await figures(engine, YEAR), tr(), CREATED), tr())
    async with session_factory(engine)() as session, session.begin():
        await session.execute(update(CaseMessage).values(text_enc=None))
        await session.execute(update(Contact).values(nickname=None))
        await session.execute(delete(HourNote))
        await session.execute(delete(InboxUpdate))
        await session.execute(delete(OutboxMessage))
    after = report.to_csv(report.build(await figures(engine, YEAR), tr(), CREATED), tr())
    assert after == before


async def test_no_query_reads_a_content_column(engine: AsyncEngine, world: World) -> None:
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        await figures(engine, YEAR)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert len(statements) > 20
    # An announcement's kind (here, late, daynote …) is structural; a message's kind (photo, voice …) is not.
    statements = [s.replace("announcements.kind", "") for s in statements]
    for column in ("text_enc", "payload_enc", "nickname", "chat_id_enc", "user_key", "kind", "youth_message_id"):
        assert not [s for s in statements if column in s], column


def _db(engine: AsyncEngine) -> str:
    return engine.dialect.name


async def test_the_pdf_renders_its_charts_to_png(engine: AsyncEngine, world: World) -> None:
    """The PDF over the generated year, rendered to PNG with pdftoppm into test-artifacts/ (look at them)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is missing (Debian package poppler-utils): the PDF is not rendered to PNG")
    from bot import report_pdf

    built = report.build(await figures(engine, YEAR), tr(), CREATED)
    pdf = report_pdf.render(built, tr())
    assert pdf.startswith(b"%PDF-") and report_pdf.render(built, tr()) == pdf, "the same report, the same bytes"
    assert await report.render_pdf_apart(built, BERLIN, "de", "de") == pdf, "the bot draws it in a child process"
    pages, words = await asyncio.to_thread(to_png, pdf, f"report-{_db(engine)}")
    assert len(pages) == 6 and all(p.stat().st_size > 20_000 for p in pages), pages
    assert words is None or ("31. Dez. 2026" in words and "<5" in words and "Rumänisch" in words)


def to_png(pdf: bytes, name: str) -> tuple[list[Path], str | None]:
    """test-artifacts/NAME.pdf and NAME-1.png …; the PDF's text too, when pdftotext is there."""
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    for old in out.glob(f"{name}-*.png"):
        old.unlink()
    (out / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(out / f"{name}.pdf"), str(out / name)], check=True)
    text = None
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-layout", str(out / f"{name}.pdf"), "-"], capture_output=True, check=True)
        text = done.stdout.decode()
    return sorted(out.glob(f"{name}-*.png")), text


@pytest.mark.slow
def test_the_command_line_writes_csv_and_pdf(database_url: str, world: World, tmp_path: Path) -> None:
    """`anlaufstelle report` in its own process (it sets up logging for the whole process)."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "k" * 40, "VAR_DIR": str(tmp_path / "var")}
    env["PYTHONPATH"] = str(ROOT)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bot", "report", "--from", "2026-01-01", "--to", "2026-12-31", *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert cli("--format", "csv").returncode == 0
    written = read_csv((tmp_path / "anlaufstelle-2026-01-01-2026-12-31.csv").read_bytes())
    assert written[("language", "", "ro")] == "<5"
    assert written[("overview", "", "first")] == str(len(firsts(world, YEAR.first, YEAR.last)))
    assert cli("--format", "pdf", "--output", "committee.pdf").returncode == 0
    assert (tmp_path / "committee.pdf").read_bytes().startswith(b"%PDF-")
    wrong = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--from", "2026-12-31", "--to", "2026-01-01"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert wrong.returncode == 2 and "before --from" in wrong.stderr

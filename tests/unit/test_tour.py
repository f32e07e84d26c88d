"""The tour plan file: the example loads, every malformed plan gives one clear error naming the file and the line,
and `anlaufstelle tour import|show|cancel|extra` from the command line (a real subprocess)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from bot.cli_tour import plan_rows
from bot.tour import TourError, load_tour
from storage import tour
from storage.engine import create_engine, session_factory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tour.example.yaml"
SECRET = "test-secret-key-" + "x" * 32


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line on which a fragment occurs (the n-th time)."""
    seen = 0
    for number, content in enumerate(text.splitlines(), start=1):
        if fragment in content:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{fragment!r} not in the text")


def broken(tmp_path: Path, text: str) -> TourError:
    path = tmp_path / "tour.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TourError) as caught:
        load_tour(path)
    message = str(caught.value)
    assert "\n" not in message, "one line"
    assert message.startswith(f"{path} line "), message
    return caught.value


def test_the_example_plan_loads() -> None:
    plan = load_tour(EXAMPLE)
    assert plan.slot_minutes == 30
    ids = [stop.id for stop in plan.stops]
    assert ids[:2] == ["peine-markt", "edemissen-rathaus"] and len(ids) == len(set(ids)) == 7
    peine = plan.stops[0]
    assert (peine.capacity, peine.schedule[0].weekday_numbers(), peine.schedule[0].starts) == (2, [0, 3], time(14))
    assert plan.stops[1].capacity == 1  # the default
    wendeburg = plan.stops[-1]
    assert wendeburg.schedule[1].dates == [date(2026, 12, 12)]
    rows = {row.key: row for row in plan_rows(EXAMPLE)}
    assert (None, date(2026, 12, 12), time(11), time(14)) in rows["wendeburg-zentrum"].windows
    assert (0, None, time(14), time(18)) in rows["peine-markt"].windows


@pytest.mark.parametrize(
    ("change", "marker", "expected"),
    [
        pytest.param(('from: "14:00"', 'from: "25:00"'), 'from: "25:00"', "hour", id="bad-time"),
        pytest.param(('from: "14:00"', "from: 25:00"), "from: 25:00", "hour must be in 0..23", id="bad-time-unquoted"),
        pytest.param(('to: "18:00"', 'to: "6pm"'), 'to: "6pm"', 'a time like "14:00"', id="time-in-words"),
        pytest.param(("place: lengede", "place: hannover"), "place: hannover", "place must be one of", id="place"),
        pytest.param(("weekdays: [wed]", "weekdays: [wed, thrusday]"), "thrusday", "'thrusday'", id="weekday-typo"),
        pytest.param(("weekdays: [wed]", "weekdays: [mo]"), "[mo]", "unknown weekday 'mo'", id="weekday-short"),
        pytest.param(
            ('from: "15:00"\n        to: "18:00"', 'from: "18:00"\n        to: "15:00"'),
            'to: "15:00"',
            "'to' (15:00) must be after 'from' (18:00)",
            id="from-after-to",
        ),
        pytest.param(("capacity: 2", "capacity: 0"), "capacity: 0", "greater than or equal to 1", id="capacity"),
        pytest.param(("capacity: 2", "capcity: 2"), "capcity: 2", "Extra inputs are not permitted", id="unknown-key"),
        pytest.param(("lat: 52.3870", "lat: north"), "lat: north", "valid number", id="latitude"),
        pytest.param(('dates: ["2026-12-12"]', 'dates: ["2026-12-32"]'), "2026-12-32", "date", id="bad-date"),
    ],
)
def test_a_malformed_plan_names_file_and_line(
    tmp_path: Path, change: tuple[str, str], marker: str, expected: str
) -> None:
    text = example_text()
    assert change[0] in text
    text = text.replace(change[0], change[1], 1)
    error = broken(tmp_path, text)
    assert f" line {line_of(text, marker)}: " in str(error), str(error)
    assert expected in str(error), str(error)


def test_a_stop_without_schedule_points_at_the_stop(tmp_path: Path) -> None:
    text = example_text().replace(
        '    schedule:\n      - weekdays: [wed]\n        from: "16:00"\n        to: "19:00"\n', "", 1
    )
    assert "lengede-jugendtreff" in text and text.count("schedule:") == 6
    error = broken(tmp_path, text)
    assert f" line {line_of(text, 'id: lengede-jugendtreff')}: " in str(error)
    assert "stops.4.schedule: Field required" in str(error)


def test_a_duplicate_stop_id_points_at_the_second_one(tmp_path: Path) -> None:
    text = example_text().replace("id: vechelde-rathaus", "id: peine-markt")
    error = broken(tmp_path, text)
    second, first = line_of(text, "id: peine-markt", 2), line_of(text, "id: peine-markt")
    assert f" line {second}: stops.5.id: 'peine-markt' is used already (line {first})" in str(error)


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    text = example_text().replace("capacity: 2", "capacity: [2", 1)
    error = broken(tmp_path, text)
    assert f" line {line_of(text, 'capacity: [2') + 1}: not valid YAML" in str(error)  # where the parser noticed
    tabbed = example_text().replace("    capacity: 2", "\tcapacity: 2", 1)
    error = broken(tmp_path, tabbed)
    assert f" line {line_of(tabbed, chr(9) + 'capacity')}: not valid YAML" in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "the file is empty"), ("- a\n- b\n", "expected 'slot_minutes:' and 'stops:'"), ("stops: []\n", "stops")],
)
def test_a_plan_that_is_not_a_plan(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in str(broken(tmp_path, text))


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "tour.yaml"
    path.write_bytes(example_text().encode().replace(b"Ortsmitte", b"Ortsmitte \xe4", 1))  # a Latin-1 "ä"
    with pytest.raises(TourError) as caught:
        load_tour(path)
    assert str(caught.value) == f"{path} line {line_of(example_text(), 'Ortsmitte')}: not UTF-8 text"


def test_weekdays_may_be_written_out() -> None:
    from bot.tour import WindowPlan

    window = WindowPlan.model_validate({"weekdays": ["Monday", "THU"], "from": "14:00", "to": "15:30"})
    assert window.weekday_numbers() == [0, 3]
    assert window.ends == time(15, 30)


# -- the command line, as a real process ------------------------------------------------------------------------


def cli(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "VAR_DIR": str(tmp_path / "var"),
        "STAFF_CHAT_ID": "-1001234567890",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "tour", *args],
        cwd=tmp_path,  # no .env from the checkout
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def stored_stops(database_url: str) -> dict[str, tour.StopDTO]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return {stop.key: stop for stop in await tour.stops(session, active_only=False)}
    finally:
        await engine.dispose()


def test_import_prints_a_summary_and_updates_on_a_second_run(database_url: str, tmp_path: Path) -> None:
    done = cli(database_url, tmp_path, "import", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "tour plan imported: 7 new, 0 updated, 0 no longer in the plan" in done.stdout
    assert "Traceback" not in done.stderr
    stops = asyncio.run(stored_stops(database_url))
    assert stops["peine-markt"].capacity == 2 and stops["edemissen-rathaus"].capacity == 1

    smaller = tmp_path / "smaller.yaml"
    text = example_text()
    smaller.write_text(text[: text.index("  - id: wendeburg-zentrum")], encoding="utf-8")
    again = cli(database_url, tmp_path, "import", str(smaller))
    assert again.returncode == 0, again.stderr
    assert "0 new, 6 updated, 1 no longer in the plan" in again.stdout
    assert not asyncio.run(stored_stops(database_url))["wendeburg-zentrum"].active

    shown = cli(database_url, tmp_path, "show")
    assert shown.returncode == 0, shown.stderr
    assert "peine-markt: Peine, Marktplatz" in shown.stdout and "    mon 14:00–18:00" in shown.stdout
    assert "wendeburg-zentrum" in shown.stdout and "not in the plan any more" in shown.stdout


@pytest.mark.parametrize("kind", ["bad-place", "yaml", "missing-file"])
def test_import_of_a_bad_file_is_one_line_and_exit_2(database_url: str, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "tour.yaml"
    if kind == "bad-place":
        path.write_text(example_text().replace("place: lengede", "place: hannover"), encoding="utf-8")
    elif kind == "yaml":
        path.write_text(example_text().replace("capacity: 2", "capacity: [2"), encoding="utf-8")
    done = cli(database_url, tmp_path, "import", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"anlaufstelle: {path}")
    assert "Traceback" not in done.stderr
    if kind != "missing-file":
        assert " line " in lines[0]
    assert asyncio.run(stored_stops(database_url)) == {}, "nothing was imported"


def test_cancel_and_extra_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    assert cli(database_url, tmp_path, "import", str(EXAMPLE)).returncode == 0
    done = cli(database_url, tmp_path, "cancel", "peine-markt", "2026-11-23", "--reason", "Der Bus ist kaputt")
    assert done.returncode == 0, done.stderr
    assert "Peine, Marktplatz cancelled on 2026-11-23; 0 booked young people are told" in done.stdout
    extra = cli(database_url, tmp_path, "extra", "edemissen-rathaus", "2026-11-28", "10:00", "12:00")
    assert extra.returncode == 0, extra.stderr
    assert "extra date at Edemissen, Rathausplatz on 2026-11-28" in extra.stdout
    shown = cli(database_url, tmp_path, "show").stdout
    assert "    2026-11-28 10:00–12:00" in shown

    async def stored() -> tuple[dict[tuple[int, date], str | None], list[tour.WindowDTO]]:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            cancelled = await tour.cancellations(session, date(2026, 11, 1), date(2026, 12, 31))
            windows = await tour.windows(session)
        await engine.dispose()
        return cancelled, windows

    cancelled, windows = asyncio.run(stored())
    stops = asyncio.run(stored_stops(database_url))
    assert cancelled == {(stops["peine-markt"].id, date(2026, 11, 23)): "Der Bus ist kaputt"}
    assert [(w.on_date, w.starts, w.ends, w.source) for w in windows if w.on_date == date(2026, 11, 28)] == [
        (date(2026, 11, 28), time(10), time(12), "extra")
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("cancel", "nowhere", "2026-11-23"), "no stop 'nowhere' in the plan"),
        (("extra", "peine-markt", "2026-11-28", "12:00", "10:00"), "the end (10:00) must be after the start (12:00)"),
    ],
)
def test_cli_mistakes_are_one_line(database_url: str, tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    assert cli(database_url, tmp_path, "import", str(EXAMPLE)).returncode == 0
    done = cli(database_url, tmp_path, *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith(f"anlaufstelle: {expected}"), done.stderr
    assert "Traceback" not in done.stderr

"""The bus's rules without Telegram: where the bus is (the plan, the team's word, a delay), the nearest stops, the
day-before note's time across a change of the clocks, the texts in a right-to-left language, and the broadcasts'
own budget within the bot's overall limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import bus
from bot.bus_notes import due_at
from bot.delivery.limits import Pacer
from bot.delivery.outgoing import private_lane
from bot.i18n import Catalogs
from storage.announcements import AnnouncementDTO
from storage.tour import StopDTO, WindowDTO

BERLIN = ZoneInfo("Europe/Berlin")
MARKT = StopDTO(
    1, "peine-markt", "Peine, Marktplatz", "peine", "Marktplatz, 31224 Peine", 52.3203, 10.2336, 2, 30, True
)
RATHAUS = StopDTO(
    2, "vechelde-rathaus", "Vechelde, Rathaus", "vechelde", "Hildesheimer Straße", 52.26, 10.365, 1, 30, True
)
WINDOWS = [
    WindowDTO(1, 0, None, time(14, 0), time(18, 0)),  # Mondays
    WindowDTO(2, 3, None, time(15, 0), time(18, 0)),  # Thursdays
]
MONDAY = date(2026, 11, 23)


def plan(cancelled: set[tuple[int, date]] | None = None) -> list[bus.Visit]:
    return bus.visits([MARKT, RATHAUS], WINDOWS, cancelled or set(), MONDAY, 14, BERLIN)


def said(kind: str, stop: StopDTO, at: datetime, **values: object) -> AnnouncementDTO:
    fields: dict[str, object] = dict.fromkeys(AnnouncementDTO.__dataclass_fields__)
    fields.update(id=1, kind=kind, status="done", step="done", stop_id=stop.id, on_date=MONDAY, recipients=0, sent=0)
    fields.update(failed=0, created_at=at, published_at=at, **values)
    return AnnouncementDTO(**fields)  # type: ignore[arg-type]


def test_the_plan_says_where_the_bus_is_now_and_next() -> None:
    stops = {1: MARKT, 2: RATHAUS}
    morning = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    where = bus.whereabouts(plan(), [], stops, None, morning, BERLIN)
    assert where.here is None and where.upcoming[0].stop == MARKT
    assert [v.stop.name for v in where.upcoming[:3]] == ["Peine, Marktplatz", "Vechelde, Rathaus", "Peine, Marktplatz"]
    afternoon = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
    where = bus.whereabouts(plan(), [], stops, None, afternoon, BERLIN)
    assert where.here is not None and where.here.ends_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert where.upcoming[0].stop == RATHAUS
    cancelled = bus.whereabouts(plan({(1, MONDAY)}), [], stops, None, afternoon, BERLIN)
    assert cancelled.here is None and cancelled.upcoming[0].stop == RATHAUS


def test_the_teams_word_comes_before_the_plan_and_a_delay_is_shown_for_the_stop_it_concerns() -> None:
    stops = {1: MARKT, 2: RATHAUS}
    noon = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    here = said("here", RATHAUS, noon, until_at=noon + timedelta(hours=2))
    where = bus.whereabouts(plan(), [here], stops, None, noon + timedelta(minutes=5), BERLIN)
    assert where.here is not None and where.here.stop == RATHAUS
    assert where.upcoming[0].stop == MARKT, "the plan's visit after it is still next"
    over = bus.whereabouts(plan(), [here], stops, None, noon + timedelta(hours=3), BERLIN)
    assert over.here is not None and over.here.stop == MARKT, "after its time the plan counts again"

    late = said("late", MARKT, noon, minutes=20)
    where = bus.whereabouts(plan(), [late], stops, None, noon, BERLIN)
    assert where.late == (MARKT, 20)
    elsewhere = said("late", RATHAUS, noon, minutes=20)
    assert bus.whereabouts(plan(), [elsewhere], stops, None, noon, BERLIN).late is None, "Vechelde is on Thursday"


def test_the_nearest_stops_the_bus_still_comes_to() -> None:
    after_monday = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    ranked = bus.nearest(plan(), 52.26, 10.36, after_monday)
    assert [v.stop for _, v in ranked] == [RATHAUS, MARKT]
    assert ranked[1][1].starts_at.date() == date(2026, 11, 30), "Monday's visit is over: the next one"
    assert round(ranked[0][0], 1) == 0.3


def test_the_day_before_note_keeps_its_wall_clock_time_across_the_change_of_the_clocks() -> None:
    assert due_at(date(2026, 3, 30), "18:00", BERLIN) == datetime(2026, 3, 29, 16, 0, tzinfo=UTC)  # summer time
    assert due_at(date(2026, 3, 29), "18:00", BERLIN) == datetime(2026, 3, 28, 17, 0, tzinfo=UTC)
    assert due_at(date(2026, 10, 26), "18:00", BERLIN) == datetime(2026, 10, 25, 17, 0, tzinfo=UTC)


def test_texts_in_arabic_keep_times_and_names_isolated() -> None:
    ar = Catalogs(BERLIN, "de").translator("ar")
    visit = bus.Visit(MARKT, datetime(2026, 11, 23, 13, 0, tzinfo=UTC), datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    note = bus.day_note_text(ar, [visit])
    assert "\u2068Peine, Marktplatz\u2069" in note and ar.time(visit.starts_at) in note
    text = bus.announcement_text(ar, said("free", MARKT, visit.starts_at), MARKT, "Heute Grillen!", correction=True)
    assert text.split("\n")[2] == "Heute Grillen!", "free text as written, under the (translated) headers"


def test_broadcasts_have_their_own_budget_within_the_overall_one() -> None:
    now = [100.0]
    pacer = Pacer(1.0, 3, group_per_minute=20, global_per_second=30, broadcast_per_second=10, clock=lambda: now[0])
    for n in range(10):
        lane = private_lane(f"{n:03d}" + "k" * 61)
        assert pacer.wait_time(lane, broadcast=True) == 0
        pacer.take(lane, broadcast=True)
    other = private_lane("f" * 64)
    assert pacer.wait_time(other, broadcast=True) == 1.0, "the eleventh broadcast waits for the next second"
    assert pacer.wait_time(other) == 0, "an answer to a young person does not"
    for n in range(20):
        pacer.take(private_lane(f"{n + 100:03d}" + "k" * 61))
    assert pacer.wait_time(other) == 1.0, "and all of them keep to the overall limit"
    now[0] += 1.0
    assert pacer.wait_time(other, broadcast=True) == 0

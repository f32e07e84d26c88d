"""Where the bus is: the plan's visits, what the team announced today, the live position; and the texts of the
announcements, rendered for each subscriber in their own language.

All times are UTC in the database and local (TIMEZONE) in what anybody reads, as in bot.booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import booking
from bot.i18n import N_, Translator
from bot.profile import PLACES
from storage import tour
from storage.announcements import EVERYONE, AnnouncementDTO
from storage.bus import PositionDTO
from storage.tour import StopDTO

TOWNS = tuple(code for code in PLACES if code not in ("elsewhere", "na"))
KINDS: dict[str, str] = {
    "here": N_("📍 We are here until …"),
    "late": N_("⏱ Running late"),
    "cancelled": N_("❌ Cancelled today"),
    "free": N_("✏️ Free text"),
}
KIND_NAMES: dict[str, str] = {
    "here": N_("here until"),
    "late": N_("late"),
    "cancelled": N_("cancelled"),
    "free": N_("free text"),
    "daynote": N_("day-before note"),
}
LATE_MINUTES = (10, 15, 20, 30, 45, 60)
FREE_TEXT_MAX = 3500  # the rendered message, with the header and the footer, stays within Telegram's 4096
PLAN_DAYS = 14


@dataclass(frozen=True)
class Visit:
    """The bus at a stop, from a moment to a moment (UTC)."""

    stop: StopDTO
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Whereabouts:
    here: Visit | None  # where the bus is now (by the team's word, or by the plan)
    late: tuple[StopDTO, int] | None  # today's announced delay at the current or next stop
    upcoming: list[Visit]
    position: PositionDTO | None  # a coordinator's live location, while it is live


def visits(
    stops: list[StopDTO],
    windows: list[tour.WindowDTO],
    cancelled: set[tuple[int, date]],
    first: date,
    days: int,
    tz: ZoneInfo,
) -> list[Visit]:
    """Every visit of the plan from a day on, for some days, in time order (cancelled days left out)."""
    found = [
        Visit(stop, booking.local(day, w.starts, tz), booking.local(day, w.ends, tz))
        for day in (first + timedelta(days=n) for n in range(days))
        for stop in stops
        for w in booking.windows_on(stop, windows, day, cancelled)
    ]
    return sorted(found, key=lambda v: (v.starts_at, v.stop.name))


async def load_visits(session: AsyncSession, first: date, days: int, tz: ZoneInfo) -> list[Visit]:
    stops, windows = await tour.stops(session), await tour.windows(session)
    cancelled = set(await tour.cancellations(session, first, first + timedelta(days=days)))
    return visits(stops, windows, cancelled, first, days, tz)


def whereabouts(
    plan: list[Visit],
    said_today: list[AnnouncementDTO],
    stops: dict[int, StopDTO],
    position: PositionDTO | None,
    now: datetime,
    tz: ZoneInfo,
) -> Whereabouts:
    """The team's word first ("we are at … until …", newest first), then the plan."""
    here: Visit | None = None
    for said in reversed([a for a in said_today if a.kind == "here"]):
        if said.until_at is not None and said.until_at > now and said.stop_id in stops:
            here = Visit(stops[said.stop_id], said.published_at or now, said.until_at)
            break
    if here is None:
        here = next((v for v in plan if v.starts_at <= now < v.ends_at), None)
    upcoming = [v for v in plan if v.starts_at > now and (here is None or v.starts_at >= here.ends_at)]
    late = None
    today = now.astimezone(tz).date()
    candidates = [
        v.stop.id for v in ([here] if here else []) + upcoming[:1] if v.starts_at.astimezone(tz).date() <= today
    ]
    for said in reversed([a for a in said_today if a.kind == "late"]):
        if said.stop_id in candidates and said.minutes and said.stop_id in stops:
            late = (stops[said.stop_id], said.minutes)
            break
    return Whereabouts(here, late, upcoming, position)


def nearest(
    plan: list[Visit], latitude: float, longitude: float, now: datetime, limit: int = 3
) -> list[tuple[float, Visit]]:
    """The stops nearest to a point that the bus still comes to, each with its next visit (or the current one)."""
    first_visit: dict[int, Visit] = {}
    for visit in plan:
        if visit.ends_at > now:
            first_visit.setdefault(visit.stop.id, visit)
    ranked = [
        (booking.distance_km(latitude, longitude, v.stop.latitude, v.stop.longitude), v) for v in first_visit.values()
    ]
    return sorted(ranked, key=lambda item: item[0])[:limit]


# -- texts -----------------------------------------------------------------------------------------------------


def place_label(tr: Translator, code: str | None) -> str:
    if code == EVERYONE or code is None:
        return tr._("everyone subscribed")
    return tr._(PLACES[code]) if code in PLACES else code


def when(tr: Translator, visit: Visit) -> str:
    day = visit.starts_at.astimezone(tr.tz).date()
    return f"{tr.day(day)} · {tr.time(visit.starts_at)}–{tr.time(visit.ends_at)}"


def bus_text(tr: Translator, w: Whereabouts, now: datetime) -> str:
    lines: list[str] = []
    if w.here is not None:
        lines.append(
            tr._("🚌 The bus is at {stop} now, until {until}.", stop=w.here.stop.name, until=tr.time(w.here.ends_at))
        )
    elif w.upcoming:
        nxt = w.upcoming[0]
        lines.append(tr._("🚌 The bus is next at {stop}: {when}.", stop=nxt.stop.name, when=when(tr, nxt)))
    else:
        lines.append(tr._("No stops are planned right now."))
    if w.late is not None:
        stop, minutes = w.late
        lines.append(
            tr.ngettext(
                "⏱ Today it is running about {n} minute late at {stop}.",
                "⏱ Today it is running about {n} minutes late at {stop}.",
                minutes,
                stop=stop.name,
            )
        )
    if w.position is not None:
        lines.append(
            tr._("📍 The team shares the bus's live location (updated {time}).", time=tr.time(w.position.updated_at))
        )
    later = w.upcoming[1:6] if w.here is None else w.upcoming[:5]
    if later:
        lines += ["", tr._("Next stops:"), *(f"{when(tr, v)} · {v.stop.name}" for v in later)]
    lines += ["", tr._("/subscribe – we tell you when the bus comes to your place.")]
    return "\n".join(lines)


def nearest_text(tr: Translator, ranked: list[tuple[float, Visit]], now: datetime) -> str:
    if not ranked:
        return tr._("No stops are planned right now.")
    lines = [tr._("The stops nearest to you, and when the bus is there:")]
    for km, visit in ranked:
        if visit.starts_at <= now:
            time_text = tr._("now, until {until}", until=tr.time(visit.ends_at))
        else:
            time_text = when(tr, visit)
        lines.append(
            tr._("{stop} · {km} km · {when}", stop=visit.stop.name, km=tr.number(round(km, 1)), when=time_text)
        )
    return "\n".join(lines)


def announcement_text(
    tr: Translator, a: AnnouncementDTO, stop: StopDTO | None, free_text: str | None, correction: bool
) -> str:
    """What a subscriber reads, in their language; free text as the coordinator wrote it, marked as such."""
    stop_name = stop.name if stop else "?"
    if a.kind == "here" and a.until_at is not None:
        body = tr._("🚌 We are at {stop} now, until {until}.", stop=stop_name, until=tr.time(a.until_at))
    elif a.kind == "late":
        body = tr.ngettext(
            "⏱ The bus is running about {n} minute late today at {stop}.",
            "⏱ The bus is running about {n} minutes late today at {stop}.",
            a.minutes or 0,
            stop=stop_name,
        )
    elif a.kind == "cancelled" and a.on_date is not None:
        body = tr._(
            "❌ Today's stop in {place} is cancelled: the bus does not come to {stop} on {day}.",
            place=place_label(tr, stop.place if stop else None),
            stop=stop_name,
            day=tr.day(a.on_date),
        )
    else:
        body = tr._("📢 From the bus team, in their own words:") + "\n" + (free_text or "")
    head = tr._("✏️ Correction to our earlier message:") + "\n" if correction else ""
    return f"{head}{body}\n\n{footer(tr)}"


def day_note_text(tr: Translator, day_visits: list[Visit]) -> str:
    """'Tomorrow the bus is in <place> from <time>', one line per visit in the subscriber's places."""
    lines = [
        tr._(
            "🚌 Tomorrow the bus is in {place} from {time} to {end}: {stop}.",
            place=place_label(tr, v.stop.place),
            time=tr.time(v.starts_at),
            end=tr.time(v.ends_at),
            stop=v.stop.name,
        )
        for v in day_visits
    ]
    return "\n".join(lines) + "\n\n" + footer(tr)


def footer(tr: Translator) -> str:
    return tr._("/bus shows where the bus is. /unsubscribe stops these messages.")

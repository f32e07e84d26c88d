"""A seeded year of activity for the report tests: contacts, cases with outcomes and first answers, messages,
appointments with statuses, hours pools and hour entries (with corrections and deletions).

Written straight into the database through the models and ``storage.hours``; returned as plain records, so that
the tests can count what the report should say with plain Python, independently of the report's code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage import hours, staff
from storage.models import Announcement, Appointment, Case, CaseMessage, Contact, Stop

BERLIN = ZoneInfo("Europe/Berlin")
OUTCOMES = ("advice", "referred", "appointment", "resolved", "no_reply", "other")
TOPICS = ("school", "authorities", "money", "housing", "family", "health", "residence", "other", None)
ACTIVITIES = ("authority", "forms", "home_visit", "call", "other", None)
COMMON_LANGUAGES = ("de", "en", "ar", "fa", "uk", "ru", "tr", "kmr")
AGES = ("15-17", "18-21", "22-27", "na", None)
PLACES = ("peine", "edemissen", "hohenhameln", "ilsede", "lengede", "vechelde", "wendeburg", "elsewhere", "na", None)
SOURCES = ("stop_1", "stop_2", "poster_peine", "poster_ilsede", None)
STATUSES = ("attended", "no_show", "cancelled", "booked")

SPAN_START = datetime(2025, 10, 1, tzinfo=UTC)
SPAN_END = datetime(2027, 1, 15, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN).astimezone(UTC)


@dataclass
class ContactRec:
    id: int
    created_at: datetime
    language: str
    age_band: str | None
    place: str | None
    source: str | None


@dataclass
class CaseRec:
    id: int
    contact_id: int
    opened_at: datetime
    first_answer_at: datetime | None
    status: str
    outcome: str | None
    closed_at: datetime | None


@dataclass
class AppointmentRec:
    contact_id: int
    created_at: datetime
    starts_at: datetime
    topic: str | None
    status: str


@dataclass
class EntryRec:
    id: int
    case_id: int
    worked_on: date
    minutes: int
    activity: str | None
    deleted: bool = False


@dataclass
class PoolRec:
    starts_on: date
    ends_on: date
    budget_minutes: int
    cap_minutes: int | None


@dataclass
class AnnouncementRec:
    kind: str
    status: str
    published_at: datetime | None
    sent: int


@dataclass
class World:
    contacts: list[ContactRec] = field(default_factory=list)
    cases: list[CaseRec] = field(default_factory=list)
    youth_messages: list[tuple[int, datetime]] = field(default_factory=list)  # (contact id, when)
    appointments: list[AppointmentRec] = field(default_factory=list)
    entries: list[EntryRec] = field(default_factory=list)
    pools: list[PoolRec] = field(default_factory=list)
    announcements: list[AnnouncementRec] = field(default_factory=list)


def _between(rng: random.Random, first: datetime, last: datetime) -> datetime:
    seconds = int((last - first).total_seconds())
    return first + timedelta(seconds=rng.randrange(max(seconds, 1)))


# Moments that sit on the edges: local months versus UTC months, summer time, office hours, the period's ends.
EDGE_CONTACTS = [
    local(2026, 4, 1, 0, 30),  # April in Berlin, still 31 March in UTC
    local(2026, 3, 31, 23, 59),
    local(2026, 11, 1, 0, 15),  # November in Berlin, 31 October in UTC (winter time)
    local(2025, 12, 31, 23, 30),  # just before a 2026 period
    local(2027, 1, 1, 0, 10),  # just after it: 31 December 2026 in UTC
    local(2026, 1, 1, 0, 0),  # the first second of 2026
]
EDGE_OPENINGS = [
    local(2026, 6, 1, 9, 0, 0),  # Monday 09:00:00 – inside office hours
    local(2026, 6, 1, 16, 59, 59),  # Monday, inside
    local(2026, 6, 1, 17, 0, 0),  # Monday 17:00 – outside
    local(2026, 6, 6, 10, 0),  # Saturday – outside
    local(2026, 6, 5, 8, 59, 59),  # Friday before nine – outside
]
RARE_LANGUAGES = {"ro": 3, "pl": 5}  # reached exactly 3 and 5 times in 2026: shown as "<5" and "5"


async def generate(session: AsyncSession, seed: int = 9, contacts: int = 260) -> World:
    rng = random.Random(seed)
    world = World()
    team = [await staff.add(session, 900_000 + n, f"Worker {n}", "worker") for n in range(3)]
    stop = Stop(
        key="peine-markt",
        name="Peine, Marktplatz",
        place="peine",
        address="Marktplatz 1",
        latitude=52.32,
        longitude=10.23,
        capacity=2,
        slot_minutes=30,
        active=True,
    )
    session.add(stop)
    await session.flush()

    created = [_between(rng, SPAN_START, SPAN_END) for _ in range(contacts)] + EDGE_CONTACTS
    rare = [lang for lang, n in RARE_LANGUAGES.items() for _ in range(n)]
    for number, when in enumerate(created):
        language = rng.choice(COMMON_LANGUAGES)
        if rare and local(2026, 1, 1) <= when < local(2027, 1, 1):
            language = rare.pop()
        row = Contact(
            user_key=f"key-{number:05d}",
            chat_id_enc=b"encrypted chat id",
            language=language,
            nickname=rng.choice([None, "Sam", "Ali"]),
            age_band=rng.choice(AGES),
            place=rng.choice(PLACES),
            source="qr_bus" if number < 2 else rng.choice(SOURCES),
            status="active",
            consent_at=when,
            created_at=when,
            last_seen_at=when,
        )
        session.add(row)
        await session.flush()
        world.contacts.append(ContactRec(row.id, when, row.language, row.age_band, row.place, row.source))
    assert not rare

    edge_openings = list(EDGE_OPENINGS)
    for contact in world.contacts:
        if rng.random() < 0.85:
            await _case(session, rng, world, contact, team[rng.randrange(3)].id, edge_openings)
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            booked = _between(rng, contact.created_at, contact.created_at + timedelta(days=200))
            starts = booked + timedelta(hours=rng.randrange(1, 24 * 20))
            own = next((c for c in world.cases if c.contact_id == contact.id), None)
            status, topic = rng.choice(STATUSES), rng.choice(TOPICS)
            session.add(
                Appointment(
                    contact_id=contact.id,
                    case_id=own.id if own else None,
                    stop_id=stop.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=30),
                    topic=topic,
                    status=status,
                    created_at=booked,
                )
            )
            world.appointments.append(AppointmentRec(contact.id, booked, starts, topic, status))
    await session.flush()
    await _hours(session, rng, world, [m.id for m in team])
    _announcements(session, rng, world, stop)
    await session.flush()
    return world


def _announcements(session: AsyncSession, rng: random.Random, world: World, stop: Stop) -> None:
    """Coordinator's announcements and day-before notes through the year, and a few drafts that never went."""
    kinds = ["here", "late", "cancelled", "free", "daynote", "daynote", "daynote"]
    for _ in range(60):
        kind = rng.choice(kinds)
        status = rng.choice(["done", "done", "done", "sending", "draft", "discarded"])
        published = _between(rng, local(2026, 1, 1), local(2026, 12, 31, 23)) if status in ("done", "sending") else None
        sent = rng.randint(0, 40) if published else 0
        session.add(
            Announcement(
                kind=kind,
                status=status,
                stop_id=stop.id,
                place="peine",
                recipients=sent,
                sent=sent,
                published_at=published,
                step="done" if published else "kind",
            )
        )
        world.announcements.append(AnnouncementRec(kind, status, published, sent))


async def _case(
    session: AsyncSession,
    rng: random.Random,
    world: World,
    contact: ContactRec,
    worker: int,
    edge_openings: list[datetime],
) -> None:
    opened = contact.created_at + timedelta(seconds=rng.randrange(30, 2 * 86400))
    if edge_openings and local(2026, 1, 1) < contact.created_at < local(2026, 5, 31):
        opened = edge_openings.pop()
    first_answer = opened + timedelta(seconds=int(rng.expovariate(1 / 21600)) + 60) if rng.random() < 0.88 else None
    later = sorted(_between(rng, opened, opened + timedelta(days=400)) for _ in range(rng.choice((0, 1, 1, 2, 3, 6))))
    messages = [opened, *later]
    closes = sorted(_between(rng, opened, opened + timedelta(days=420)) for _ in range(rng.choice((0, 1, 1, 2))))
    status, outcome, closed_at, reopened = "open", None, None, 0
    for when, what in sorted([(m, "message") for m in messages] + [(c, "close") for c in closes]):
        if what == "message" and status == "closed":
            status, outcome, closed_at, reopened = "open", None, None, reopened + 1
        elif what == "close" and status == "open":
            status, outcome, closed_at = "closed", rng.choice(OUTCOMES), when
    row = Case(
        alias=f"K-{len(world.cases):04d}",
        contact_id=contact.id,
        status=status,
        topic_id=10_000 + len(world.cases),
        urgent=False,
        claimed_by=worker,
        outcome=outcome,
        waiting_since=None,
        first_answer_at=first_answer,
        opened_at=opened,
        closed_at=closed_at,
        reopened_count=reopened,
    )
    session.add(row)
    await session.flush()
    world.cases.append(CaseRec(row.id, contact.id, opened, first_answer, status, outcome, closed_at))
    for when in messages:
        session.add(CaseMessage(case_id=row.id, direction="in", kind="text", youth_message_id=1, created_at=when))
        world.youth_messages.append((contact.id, when))
    if first_answer is not None:  # the team's answers and notes: never counted, their contents never read
        session.add(CaseMessage(case_id=row.id, direction="out", kind="text", staff_id=worker, created_at=first_answer))
        session.add(
            CaseMessage(case_id=row.id, direction="note", kind="note", text_enc=b"secret", created_at=first_answer)
        )


async def _hours(session: AsyncSession, rng: random.Random, world: World, team: list[int]) -> None:
    now = datetime(2027, 1, 10, tzinfo=UTC)
    for first, last, budget, cap in (
        (date(2026, 1, 1), date(2026, 6, 30), 150 * 60, 6 * 60),
        (date(2026, 7, 1), date(2026, 12, 31), 120 * 60, None),
    ):
        await hours.set_pool(session, first, last, budget, cap, team[0], now)
        world.pools.append(PoolRec(first, last, budget, cap))
    accompanied = rng.sample(world.cases, 40)  # one-to-one accompaniment is for a few young people
    for _ in range(170):
        case = rng.choice(accompanied)
        day = max(case.opened_at.astimezone(BERLIN).date(), date(2025, 12, 20))
        day += timedelta(days=rng.randrange(0, 200))
        minutes, activity = rng.choice((30, 45, 60, 90, 120, 180)), rng.choice(ACTIVITIES)
        note = b"went along to the job centre" if rng.random() < 0.5 else None
        entry = await hours.log(
            session,
            case_id=case.id,
            staff_id=rng.choice(team),
            activity=activity,
            minutes=minutes,
            worked_on=day,
            now=now,
            note_enc=note,
        )
        world.entries.append(EntryRec(entry.id, case.id, day, minutes, activity))
    changed = rng.sample(world.entries, 30)
    for record in changed[:18]:
        entry = await hours.get(session, record.id)
        assert entry is not None
        record.minutes = rng.choice((15, 30, 60, 240))
        await hours.fix(session, entry, record.minutes, b"corrected" if rng.random() < 0.5 else None, team[1], now)
    for record in changed[18:]:
        entry = await hours.get(session, record.id)
        assert entry is not None
        await hours.remove(session, entry, team[2], now)
        record.deleted = True

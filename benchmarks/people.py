"""The people of a benchmark: young people who went through intake earlier (written straight into the database, as
intake leaves them, in a few bulk statements), subscribers, the team, and the tour plan."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from benchmarks.harness import ROOT, SECRET
from bot.cli_tour import plan_rows
from bot.privacy import Keyring
from sandbox import Emulator, GroupHandle, UserHandle
from storage import staff, tour
from storage.engine import create_engine, session_factory
from storage.models import Appointment, Contact, DayNote, Reminder, Stop, Subscription

KEYRING = Keyring.from_setting(SECRET)
LANGUAGES = ("de", "en", "ar", "fa", "uk", "ru", "tr", "kmr", "pl", "ro")
PLAN = ROOT / "tour.example.yaml"


async def add_young_people(
    emu: Emulator, database_url: str, count: int, prefix: str = "Young", subscribe_to: str | None = None
) -> list[UserHandle]:
    """`count` young people known to the bot (consent given), optionally subscribed to bus news for a place."""
    people = [emu.add_user(first_name=f"{prefix} {i}", language_code="en") for i in range(count)]
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for start in range(0, count, 5000):
                chunk = people[start : start + 5000]
                rows = [
                    {
                        "user_key": KEYRING.user_key(user.id),
                        "chat_id_enc": KEYRING.encrypt_int(user.chat_id),
                        "language": LANGUAGES[i % len(LANGUAGES)] if subscribe_to else "en",
                        "status": "active",
                        "consent_at": now,
                        "created_at": now,
                        "last_seen_at": now,
                    }
                    for i, user in enumerate(chunk, start)
                ]
                await session.execute(insert(Contact), rows)
            if subscribe_to is not None:
                keys = [KEYRING.user_key(user.id) for user in people]
                ids: dict[str, int] = {
                    key: ident for key, ident in await session.execute(select(Contact.user_key, Contact.id))
                }
                subscriptions = [{"contact_id": ids[key], "place": subscribe_to, "created_at": now} for key in keys]
                for start in range(0, len(subscriptions), 5000):
                    await session.execute(insert(Subscription), subscriptions[start : start + 5000])
    finally:
        await engine.dispose()
    return people


async def add_team_member(
    emu: Emulator, group: GroupHandle, database_url: str, name: str, role: str = "worker"
) -> UserHandle:
    user = emu.add_user(first_name=f"{name} (team)", language_code="de")
    group.add_member(user, status="member")
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await staff.add(session, user.id, name, role)
    finally:
        await engine.dispose()
    return user


async def import_plan(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await tour.import_plan(session, plan_rows(PLAN))
    finally:
        await engine.dispose()


async def add_reminders(database_url: str, people: list[UserHandle], due: list[datetime]) -> dict[int, int]:
    """An appointment in two hours for each person, with one reminder due at the given moment; returns
    {appointment id: user id}."""
    engine = create_engine(database_url)
    made: dict[int, int] = {}
    try:
        async with session_factory(engine)() as session, session.begin():
            [stop] = (await session.scalars(select(Stop.id).limit(1))).all()
            for user, at in zip(people, due, strict=True):
                contact = await session.scalar(select(Contact.id).where(Contact.user_key == KEYRING.user_key(user.id)))
                starts = at + timedelta(hours=2)
                appointment = await session.scalar(
                    insert(Appointment)
                    .values(
                        contact_id=contact,
                        stop_id=stop,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=30),
                        status="booked",
                        created_at=datetime.now(UTC),
                    )
                    .returning(Appointment.id)
                )
                assert appointment is not None
                await session.execute(
                    insert(Reminder).values(appointment_id=appointment, due_at=at, offset_label="1h", status="pending")
                )
                made[appointment] = user.id
    finally:
        await engine.dispose()
    return made


async def day_notes_sent(database_url: str, days: int = 9) -> None:
    """The day-before notes of the coming days as sent already (as a bot running for a while has them), so that
    a note coming due at start does not broadcast to every subscriber in the middle of a measurement."""
    tz = ZoneInfo("Europe/Berlin")
    today = datetime.now(tz).date()
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for n in range(-1, days):
                day = today + timedelta(days=n)
                due = datetime.combine(day - timedelta(days=1), time(18, 0), tzinfo=tz)
                await session.execute(insert(DayNote).values(on_date=day, due_at=due, status="sent"))
    finally:
        await engine.dispose()

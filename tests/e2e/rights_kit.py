"""Helpers for the tests of /delete, /mydata and retention: what is known about one young person, a generic search
of every table for anything that still points to them, the report's figures, and waiting for the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from helpers import eventually
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Connection

from bot import report
from bot.runtime import BotRuntime
from storage.models import Appointment, Case, Contact, OutboxMessage

CREATED = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@dataclass
class Traces:
    """Everything that identifies one young person in our tables."""

    user_id: int
    user_key: str
    contact_id: int
    nickname: str | None
    case_ids: set[int] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    topic_ids: set[int] = field(default_factory=set)
    appointment_ids: set[int] = field(default_factory=set)


async def traces_of(bot: BotRuntime, user_id: int) -> Traces:
    assert bot.services is not None
    user_key = bot.services.keyring.user_key(user_id)
    async with bot.services.sessions() as session:
        contact = await session.scalar(select(Contact).where(Contact.user_key == user_key))
        assert contact is not None
        found = Traces(user_id, user_key, contact.id, contact.nickname)
        for case in (await session.scalars(select(Case).where(Case.contact_id == contact.id))).all():
            found.case_ids.add(case.id)
            found.aliases.add(case.alias)
            if case.topic_id is not None:
                found.topic_ids.add(case.topic_id)
        appointments = await session.scalars(select(Appointment.id).where(Appointment.contact_id == contact.id))
        found.appointment_ids.update(appointments.all())
    return found


async def rows_pointing_to(bot: BotRuntime, who: Traces) -> list[str]:
    """Every table of the database (reflected, so tables added later are searched too), every row, every column:
    the pseudonym (and the part of it in a lane's name), the Telegram id, the aliases and the nickname in texts and
    in decrypted encrypted columns; the contact's, cases' and appointments' ids in columns that refer to them; the
    topics' thread ids. Returns "table.column" for each hit."""
    assert bot.services is not None
    keyring = bot.services.keyring
    words = [who.user_key, who.user_key[:32], str(who.user_id), *who.aliases, *([who.nickname] if who.nickname else [])]

    def reflect(sync: Connection) -> MetaData:
        meta = MetaData()
        meta.reflect(bind=sync)
        return meta

    def refers(column: Any, table: str) -> bool:
        return any(fk.column.table.name == table for fk in column.foreign_keys) or (
            column.name == "id" and column.table.name == table
        )

    hits: list[str] = []
    async with bot.services.engine.connect() as conn:
        meta = await conn.run_sync(reflect)
        for table in meta.sorted_tables:
            for row in (await conn.execute(select(table))).mappings().all():
                for column in table.columns:
                    value = row[column.name]
                    if isinstance(value, bytes | memoryview) and bytes(value):
                        try:
                            text = keyring.decrypt(bytes(value)).decode("utf-8", "replace")
                        except ValueError:
                            text = bytes(value).decode("latin-1")
                        found = any(w in text for w in words)
                    elif isinstance(value, str):
                        found = any(w in value for w in words)
                    elif isinstance(value, int) and not isinstance(value, bool):
                        found = (
                            value == who.user_id
                            or (refers(column, "contacts") and value == who.contact_id)
                            or (refers(column, "cases") and value in who.case_ids)
                            or (refers(column, "appointments") and value in who.appointment_ids)
                            or (column.name in ("topic_id", "message_thread_id") and value in who.topic_ids)
                        )
                    else:
                        found = False
                    if found:
                        hits.append(f"{table.name}.{column.name}")
    return hits


async def outbox_drained(bot: BotRuntime, timeout: float = 30.0) -> None:
    assert bot.services is not None
    services = bot.services

    async def nothing_pending() -> bool:
        async with services.sessions() as session:
            pending = await session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "pending").limit(1))
        return pending is None

    await eventually(nothing_pending, timeout=timeout)


def period_around(*days: date) -> report.Period:
    """A report period from the first of January of the earliest year to the end of the latest one."""
    return report.Period(date(min(d.year for d in days), 1, 1), date(max(d.year for d in days), 12, 31))


async def report_csv(bot: BotRuntime, period: report.Period) -> bytes:
    assert bot.services is not None
    tr = bot.services.catalogs.translator("en")
    async with bot.services.sessions() as session:
        figures = await report.collect(session, period, bot.settings.tz)
    return report.to_csv(report.build(figures, tr, CREATED), tr)

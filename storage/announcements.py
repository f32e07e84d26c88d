"""Bus announcements: a coordinator's draft, its broadcast, who it was written for, and its reach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import utcnow
from storage.models import Announcement, AnnouncementRecipient, Contact
from storage.subscriptions import Recipient

EVERYONE = "*"  # the place of an announcement to every subscriber


@dataclass(frozen=True)
class AnnouncementDTO:
    id: int
    kind: str | None
    status: str
    step: str
    place: str | None
    stop_id: int | None
    on_date: date | None
    until_at: datetime | None
    minutes: int | None
    text_enc: bytes | None
    corrects_id: int | None
    staff_id: int | None
    panel_chat_id: int | None
    panel_message_id: int | None
    panel_lane: str | None
    recipients: int
    sent: int
    failed: int
    created_at: datetime
    published_at: datetime | None
    progress_at: datetime | None
    finished_at: datetime | None


def _dto(row: Announcement) -> AnnouncementDTO:
    return AnnouncementDTO(
        row.id,
        row.kind,
        row.status,
        row.step,
        row.place,
        row.stop_id,
        row.on_date,
        row.until_at,
        row.minutes,
        row.text_enc,
        row.corrects_id,
        row.staff_id,
        row.panel_chat_id,
        row.panel_message_id,
        row.panel_lane,
        row.recipients,
        row.sent,
        row.failed,
        row.created_at,
        row.published_at,
        row.progress_at,
        row.finished_at,
    )


async def create_draft(
    session: AsyncSession,
    staff_id: int | None,
    panel_chat_id: int,
    panel_lane: str,
    corrects: AnnouncementDTO | None = None,
) -> AnnouncementDTO:
    """A new draft; a correction goes to the corrected announcement's people, so it takes over its place."""
    row = Announcement(
        status="draft",
        step="kind",
        staff_id=staff_id,
        panel_chat_id=panel_chat_id,
        panel_lane=panel_lane,
        corrects_id=corrects.id if corrects else None,
        place=corrects.place if corrects else None,
        recipients=0,
        sent=0,
        failed=0,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return _dto(row)


async def get(session: AsyncSession, announcement_id: int) -> AnnouncementDTO | None:
    row = await session.get(Announcement, announcement_id)
    return _dto(row) if row else None


async def edit_draft(session: AsyncSession, announcement_id: int, **values: Any) -> AnnouncementDTO | None:
    """Change a draft (kind, step, stop, time, …); None when it is not a draft any more."""
    result = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.status == "draft")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    row = await session.get(Announcement, announcement_id, populate_existing=True)
    return _dto(row) if row else None


async def start_sending(session: AsyncSession, announcement_id: int, **values: Any) -> bool:
    """Draft → sending, once: a second tap on "Send" (or a second coordinator) finds it sending already."""
    result = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.status == "draft")
        .values(status="sending", step="sending", published_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def discard(session: AsyncSession, announcement_id: int) -> bool:
    result = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.status == "draft")
        .values(status="discarded")
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def create_note(session: AsyncSession, on_date: date) -> AnnouncementDTO:
    """The day-before note as an announcement (for its reach), sending from the start."""
    now = utcnow()
    row = Announcement(
        kind="daynote",
        status="sending",
        step="sending",
        place=EVERYONE,
        on_date=on_date,
        recipients=0,
        sent=0,
        failed=0,
        created_at=now,
        published_at=now,
    )
    session.add(row)
    await session.flush()
    return _dto(row)


async def add_recipients(session: AsyncSession, announcement_id: int, contact_ids: list[int]) -> None:
    if contact_ids:
        await session.execute(
            insert(AnnouncementRecipient),
            [{"announcement_id": announcement_id, "contact_id": c} for c in contact_ids],
        )
    await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id)
        .values(recipients=len(contact_ids))
        .execution_options(synchronize_session=False)
    )


async def recipients_of(session: AsyncSession, announcement_id: int) -> list[Recipient]:
    """The people an announcement was written for, who can still be reached."""
    rows = await session.scalars(
        select(Contact)
        .join(AnnouncementRecipient, AnnouncementRecipient.contact_id == Contact.id)
        .where(AnnouncementRecipient.announcement_id == announcement_id, Contact.status == "active")
        .order_by(Contact.id)
    )
    return [Recipient(c.id, c.user_key, c.chat_id_enc, c.language) for c in rows]


async def record_progress(
    session: AsyncSession, announcement_id: int, sent: int, failed: int, done: bool, at: datetime
) -> None:
    values: dict[str, Any] = {"sent": sent, "failed": failed, "progress_at": at}
    if done:
        values.update(status="done", step="done", finished_at=at)
    await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def sending(session: AsyncSession) -> list[AnnouncementDTO]:
    rows = await session.scalars(select(Announcement).where(Announcement.status == "sending"))
    return [_dto(r) for r in rows]


async def published(session: AsyncSession, limit: int = 5) -> list[AnnouncementDTO]:
    """The newest announcements that went out (or are going out), newest first."""
    rows = await session.scalars(
        select(Announcement)
        .where(Announcement.status.in_(("sending", "done")))
        .order_by(Announcement.published_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return [_dto(r) for r in rows]


async def published_on(session: AsyncSession, day: date, kinds: tuple[str, ...]) -> list[AnnouncementDTO]:
    """The day's announcements of some kinds, oldest first (for /bus: where the team said it is)."""
    rows = await session.scalars(
        select(Announcement)
        .where(
            Announcement.status.in_(("sending", "done")),
            Announcement.on_date == day,
            Announcement.kind.in_(kinds),
        )
        .order_by(Announcement.published_at, Announcement.id)
    )
    return [_dto(r) for r in rows]


async def awaiting_text(session: AsyncSession, staff_id: int, chat_id: int) -> AnnouncementDTO | None:
    """A coordinator's newest draft that waits for a free text in this chat."""
    row = await session.scalar(
        select(Announcement)
        .where(
            Announcement.status == "draft",
            Announcement.step == "text",
            Announcement.staff_id == staff_id,
            Announcement.panel_chat_id == chat_id,
        )
        .order_by(Announcement.id.desc())
        .limit(1)
    )
    return _dto(row) if row else None

"""Broadcasting a bus announcement: one outbox row per subscriber, in their language, and the progress.

The outbox rows are the plan of a broadcast: they are written in one transaction with the announcement turning
from draft to sending and with the list of recipients, so a crash never loses a broadcast and never starts it
twice; each row is marked sent by the sender as it goes, so a restart carries on where it stopped (only the one
message in flight at a crash can go twice). The sender keeps broadcasts below everything else (Priority.BROADCAST)
and within BROADCAST_PER_SECOND. As messages go, the coordinator's panel is edited with sent / failed / left, at
most every few seconds, and once more at the end.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import bus
from bot.context import UnitOfWork
from bot.delivery.outgoing import STAFF_LANE, Keyboard, Outgoing, Priority, inline_keyboard, private_lane
from bot.i18n import Translator
from bot.services import Services
from storage import announcements, outbox, tour
from storage.announcements import AnnouncementDTO
from storage.base import utcnow
from storage.subscriptions import Recipient

PROGRESS_EVERY = timedelta(seconds=5)  # edits of the panel: a few a minute keep well within Telegram's limits


def queue(
    uow: UnitOfWork,
    announcement_id: int,
    recipients: list[Recipient],
    render: Callable[[Translator, Recipient], str],
) -> None:
    """One message per recipient, rendered in their language (once per language where the text is the same)."""
    catalogs, keyring = uow.services.catalogs, uow.services.keyring
    translators: dict[str, Translator] = {}
    for person in recipients:
        tr = translators.get(person.language) or translators.setdefault(
            person.language, catalogs.translator(person.language)
        )
        uow.send(
            Outgoing(
                "sendMessage",
                {"chat_id": keyring.decrypt_int(person.chat_id_enc), "text": render(tr, person)[:4096]},
                private_lane(person.user_key),
                Priority.BROADCAST,
                contact_id=person.contact_id,
                user_key=person.user_key,
                kind="broadcast",
                announcement_id=announcement_id,
            )
        )


async def publish(uow: UnitOfWork, a: AnnouncementDTO, recipients: list[Recipient]) -> None:
    """A coordinator's announcement goes out (the caller has turned it from draft to sending)."""
    session = uow.session
    stop = await tour.get(session, a.stop_id) if a.stop_id else None
    free_text = free_text_of(uow.services, a)
    cache: dict[str, str] = {}

    def render(tr: Translator, _person: Recipient) -> str:
        if tr.code not in cache:
            cache[tr.code] = bus.announcement_text(tr, a, stop, free_text, correction=a.corrects_id is not None)
        return cache[tr.code]

    if a.corrects_id is not None:  # what the mistaken one has not sent yet is not sent any more
        await outbox.drop_pending_of_announcement(session, a.corrects_id, "corrected")
        await after_delivery(uow.services, session, a.corrects_id)
    queue(uow, a.id, recipients, render)
    await announcements.add_recipients(session, a.id, [p.contact_id for p in recipients])


def free_text_of(services: Services, a: AnnouncementDTO) -> str | None:
    return services.keyring.decrypt(a.text_enc).decode() if a.text_enc else None


async def preview(services: Services, session: AsyncSession, a: AnnouncementDTO) -> str:
    """The announcement as the team reads it (in STAFF_LANGUAGE)."""
    tr = services.catalogs.translator(services.settings.staff_language)
    stop = await tour.get(session, a.stop_id) if a.stop_id else None
    return bus.announcement_text(tr, a, stop, free_text_of(services, a), correction=a.corrects_id is not None)


def progress_line(tr: Translator, sent: int, failed: int, left: int, done: bool) -> str:
    counts = tr._(
        "{sent} sent · {failed} failed · {left} left",
        sent=tr.number(sent),
        failed=tr.number(failed),
        left=tr.number(left),
    )
    return ("✅ " + tr._("Done:") if done else "📤 " + tr._("Sending:")) + " " + counts


def done_keyboard(tr: Translator, a: AnnouncementDTO) -> Keyboard:
    return [[(tr._("✏️ Send a correction"), f"an:{a.id}:fix")]]


async def panel_text(services: Services, session: AsyncSession, a: AnnouncementDTO, counts: dict[str, int]) -> str:
    tr = services.catalogs.translator(services.settings.staff_language)
    sent, failed, left = counts.get("sent", 0), counts.get("failed", 0), counts.get("pending", 0)
    head = tr._("Announcement {id} to {place}:", id=a.id, place=bus.place_label(tr, a.place))
    body = await preview(services, session, a)
    return f"{head}\n\n{body}\n\n{progress_line(tr, sent, failed, left, done=left == 0)}"[:4096]


class Progress:
    """The sender's bookkeeping for broadcasts, kept cheap: a settled message is only counted here, and the
    database is asked (and the panel edited) every PROGRESS_EVERY and when this count says it may be the last."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._left: dict[int, int] = {}  # announcement → its messages still waiting, as last counted
        self._next: dict[int, float] = {}  # announcement → when to count again (monotonic)

    async def settled(self, session: AsyncSession, announcement_id: int, recount: bool = False) -> None:
        """One of the announcement's messages was sent, refused or dropped (in the sender's transaction)."""
        left = self._left.get(announcement_id)
        if not recount and left is not None and left > 1 and time.monotonic() < self._next[announcement_id]:
            self._left[announcement_id] = left - 1
            return
        counted = await after_delivery(self._services, session, announcement_id)
        if counted:
            self._left[announcement_id] = counted
            self._next[announcement_id] = time.monotonic() + PROGRESS_EVERY.total_seconds()
        else:  # finished (or not being sent)
            self._left.pop(announcement_id, None)
            self._next.pop(announcement_id, None)


async def after_delivery(
    services: Services, session: AsyncSession, announcement_id: int, force: bool = False
) -> int | None:
    """Count the announcement's messages: every few seconds, and when none is left, the reach is recorded and the
    coordinator's panel shows it. Returns how many are still waiting (None: it is not being sent)."""
    a = await announcements.get(session, announcement_id)
    if a is None or a.status != "sending":
        return None
    now = utcnow()
    counts = await outbox.announcement_counts(session, announcement_id)
    left = counts.get("pending", 0)
    if left and not force and a.progress_at is not None and now - a.progress_at < PROGRESS_EVERY:
        return left
    await announcements.record_progress(session, a.id, counts.get("sent", 0), counts.get("failed", 0), not left, now)
    if a.panel_chat_id is None or a.panel_message_id is None or a.panel_lane is None:
        return left
    tr = services.catalogs.translator(services.settings.staff_language)
    params: dict[str, Any] = {
        "chat_id": a.panel_chat_id,
        "message_id": a.panel_message_id,
        "text": await panel_text(services, session, a, counts),
    }
    if not left:
        params["reply_markup"] = inline_keyboard(done_keyboard(tr, a))
    kind = f"pg:{a.id}"  # only the newest edit of a panel matters: one still waiting is replaced
    await outbox.drop_pending_kind(session, a.panel_lane, kind)
    await outbox.add(
        session,
        [
            outbox.NewOutboxRow(
                priority=int(Priority.INTERACTIVE),
                lane=a.panel_lane,
                method="editMessageText",
                payload_enc=services.keyring.encrypt(json.dumps(params, ensure_ascii=False).encode()),
                contact_id=None,
                user_key=None,
                kind=kind,
            )
        ],
    )
    return left


async def finish_stale(services: Services) -> int:
    """Announcements whose last messages were dropped without a send (a young person deleted everything, say) are
    finished here; run at start and now and then."""
    finished = 0
    async with services.sessions() as session, session.begin():
        for a in await announcements.sending(session):
            if not await outbox.announcement_pending(session, a.id):
                await after_delivery(services, session, a.id, force=True)
                finished += 1
    return finished


def panel_lane(uow: UnitOfWork, chat_id: int) -> str:
    """Where the coordinator's panel is: the staff group, or their private chat with the bot."""
    if chat_id == uow.services.settings.staff_chat_id:
        return STAFF_LANE
    assert uow.user_key is not None
    return private_lane(uow.user_key)

"""What the sender needs to know about the cases: where a case topic is, and what to record after a send."""

from __future__ import annotations

import json
import logging
from typing import Any

from bot import broadcast
from bot.delivery.outgoing import STAFF_LANE, Priority, private_lane
from bot.services import Services
from storage import cases, contacts, outbox, subscriptions

log = logging.getLogger(__name__)


class Recorder:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._topics: dict[int, int] = {}  # case id → message_thread_id, filled as topics are made or looked up
        self._progress = broadcast.Progress(services)  # of bus announcements

    async def resolve(self, row: outbox.OutboxRow, params: dict[str, Any]) -> bool:
        """Fill in the case topic of a message into the staff group; False while the topic does not exist yet."""
        if row.case_id is None or row.lane != STAFF_LANE or row.method == "createForumTopic":
            return True
        topic = self._topics.get(row.case_id)
        if topic is None:
            async with self._services.reads() as session:
                case = await cases.get(session, row.case_id)
            if case is None or case.topic_id is None:
                return False
            topic = self._topics[row.case_id] = case.topic_id
        params["message_thread_id"] = topic
        return True

    def forget_topic(self, case_id: int) -> None:
        self._topics.pop(case_id, None)

    async def sent(self, row: outbox.OutboxRow, result: Any) -> None:
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if _recorded_alone(row):
            # Most of what goes out: a young person's message copied into their topic, an answer, a reply. One
            # statement on PostgreSQL, without BEGIN and COMMIT (services.records); on SQLite, where a transaction
            # costs no round trip, the map and the mark in one. A crash before it sends the row again, and the new
            # copy is mapped.
            async with self._services.records() as session, session.begin():
                if message_id is not None and row.case_message_id is not None and row.kind.startswith("relay"):
                    column = "staff_message_id" if row.kind == "relay_in" else "youth_message_id"
                    await cases.sent_where(session, column, [(row.id, row.case_message_id, message_id)])
                else:
                    await outbox.mark_sent(session, row.id)
            return
        async with self._services.loops() as session, session.begin():
            await outbox.mark_sent(session, row.id)
            if row.kind == "topic" and row.case_id is not None and isinstance(result, dict):
                self._topics[row.case_id] = int(result["message_thread_id"])
                await cases.set_topic(session, row.case_id, self._topics[row.case_id])
                if await cases.get(session, row.case_id) is None:  # deleted while its topic was being made
                    await self._delete_topic(session, self._topics.pop(row.case_id))
            elif row.method == "deleteForumTopic":
                # A deleted case's id may come again (SQLite reuses the highest): it must not find the old topic.
                thread = json.loads(self._services.keyring.decrypt(row.payload_enc)).get("message_thread_id")
                self._topics = {case: topic for case, topic in self._topics.items() if topic != thread}
            elif row.kind in ("relay_in", "card") and message_id is not None:  # texts combined into one message
                delivered = await outbox.merged_case_messages(session, row.id)
                await cases.map_sent(session, [(case_message, message_id, None) for case_message in delivered])
            if row.announcement_id is not None:  # a bus announcement: its progress, now and then
                await self._progress.settled(session, row.announcement_id)

    async def copied(self, rows: list[outbox.OutboxRow], copies: list[int]) -> None:
        """A case's relayed texts went together (copyMessages): each copy's place in the topic, in their order. When
        Telegram copied fewer (a text deleted by the young person meanwhile), which one is missing is not known:
        none is mapped then (a reply to one of them reaches the young person without its quote)."""
        landed: list[tuple[int, int, int]] = []
        if len(copies) == len(rows):
            landed = [(r.id, r.case_message_id, c) for r, c in zip(rows, copies, strict=True) if r.case_message_id]
        else:
            log.warning("Telegram copied %d of %d texts; where they are is not kept", len(copies), len(rows))
        in_map = {row_id for row_id, _message, _copy in landed}
        async with self._services.records() as session, session.begin():  # (as in `sent`)
            await cases.sent_where(session, "staff_message_id", landed)
            await outbox.mark_sent(session, *(row.id for row in rows if row.id not in in_map))

    async def retry_later(self, row: outbox.OutboxRow, seconds: float, reason: str) -> None:
        async with self._services.loops() as session, session.begin():
            await outbox.retry_later(session, row.id, seconds, reason)

    async def refused(self, row: outbox.OutboxRow, description: str) -> None:
        async with self._services.loops() as session, session.begin():
            if row.kind == "topic" and row.case_id is not None:
                # Tried again and again (an admin can give the bot its rights back); the case's messages wait for
                # their topic meanwhile, and the team is told once.
                await outbox.retry_later(session, row.id, min(10.0 * 2.0 ** min(row.attempts, 6), 600.0), description)
                if row.attempts == 0:
                    await self._tell_staff(session, None, "topic_failed", description)
                return
            await outbox.mark_failed(session, row.id, description)
            if row.announcement_id is not None:
                await self._progress.settled(session, row.announcement_id)
            if row.kind == "relay_in" and row.case_id is not None:
                await self._tell_staff(session, row.case_id, "not_copied", description)
                await self._tell_youth_not_copied(session, row.contact_id)

    async def unreachable(self, row: outbox.OutboxRow) -> None:
        """403: the young person blocked the bot. Their case topic is told (once), nothing else is retried."""
        if row.lane == STAFF_LANE:
            log.error("Telegram refuses messages to the staff group: is the bot still a member and admin there?")
            await self.retry_later(row, 60.0, "403")
            return
        async with self._services.loops() as session, session.begin():
            await outbox.mark_failed(session, row.id, "403")
            if row.contact_id is None:
                return
            contact = await contacts.get(session, row.contact_id)
            await contacts.mark_unreachable(session, row.contact_id)
            announced = await outbox.announcements_pending_in_lane(session, row.lane)
            await outbox.drop_pending_in_lane(session, row.lane, "403")
            await subscriptions.remove_all(session, row.contact_id)  # no more bus news for someone who blocked us
            for announcement_id in announced | ({row.announcement_id} if row.announcement_id else set()):
                await self._progress.settled(session, announcement_id, recount=True)
            case = await cases.open_for_contact(session, row.contact_id)
            if contact is not None and contact.status != "unreachable" and case is not None:
                await self._tell_staff(session, case.id, "blocked", None)
        log.info("a young person blocked the bot; their contact is marked unreachable")

    async def _delete_topic(self, session: Any, thread: int) -> None:
        settings = self._services.settings
        payload = {"chat_id": settings.staff_chat_id, "message_thread_id": thread}
        await self._add(session, STAFF_LANE, payload, None, method="deleteForumTopic")

    async def _tell_youth_not_copied(self, session: Any, contact_id: int | None) -> None:
        contact = await contacts.get(session, contact_id) if contact_id is not None else None
        if contact is None:
            return
        tr = self._services.catalogs.translator(contact.language)
        text = tr._("Sorry, we could not pass on your last message. Please send it as text, a photo or a file.")
        chat_id = self._services.keyring.decrypt_int(contact.chat_id_enc)
        await self._add(
            session,
            private_lane(contact.user_key),
            {"chat_id": chat_id, "text": text},
            None,
            contact.id,
            contact.user_key,
        )

    async def _add(
        self,
        session: Any,
        lane: str,
        payload: dict[str, Any],
        case_id: int | None,
        contact_id: int | None = None,
        user_key: str | None = None,
        method: str = "sendMessage",
    ) -> None:
        await outbox.add(
            session,
            [
                outbox.NewOutboxRow(
                    priority=int(Priority.RELAY),
                    lane=lane,
                    method=method,
                    payload_enc=self._services.keyring.encrypt(json.dumps(payload, ensure_ascii=False).encode()),
                    contact_id=contact_id,
                    user_key=user_key,
                    case_id=case_id,
                    kind="notice",
                )
            ],
        )

    async def _tell_staff(self, session: Any, case_id: int | None, what: str, detail: str | None) -> None:
        settings = self._services.settings
        if settings.staff_chat_id is None:
            return
        tr = self._services.catalogs.translator(settings.staff_language)
        if what == "blocked":
            text = tr._("⚠️ The young person has blocked the bot. Messages to them cannot be delivered.")
        elif what == "not_copied":
            text = tr._(
                "⚠️ The young person sent something that cannot be shown here ({reason}). They were "
                "asked to send it differently.",
                reason=detail or "?",
            )
        else:
            text = tr._(
                "⚠️ The bot could not open a topic for a new case: {reason}. Check the bot's admin "
                "rights (manage topics).",
                reason=detail or "?",
            )
        await self._add(session, STAFF_LANE, {"chat_id": settings.staff_chat_id, "text": text}, case_id)


def _recorded_alone(row: outbox.OutboxRow) -> bool:
    """Whether all a sent row needs recorded is itself and its place in the case's map: no topic, no texts merged
    into it, no bus announcement's progress."""
    if row.announcement_id is not None:
        return False
    if row.kind == "relay_in":
        return row.method == "copyMessage" and row.case_message_id is not None
    return row.kind in ("relay_out", "reply", "notice")

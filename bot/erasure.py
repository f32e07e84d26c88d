"""Deleting everything about one young person: on their request (/delete) and by retention (inactive for long).

What goes: the contact, their cases with the message map and the team's notes, the notes on the hours spent on
them, their appointments (their places are given back) and reminders, subscriptions and anything else that hangs
off the contact (ON DELETE CASCADE), their conversation state, every outbox row to them or about their cases,
the updates from them still waiting in the inbox, and their cases' topics in the staff group (deleteForumTopic
through the outbox). What stays: the anonymous rows the statistics count (storage.anonymous), and the hours the
team spent (the pool's hours were spent), without the case.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from bot.context import UnitOfWork
from bot.delivery.outgoing import STAFF_LANE, Outgoing, Priority, private_lane
from storage import anonymous, cases, contacts, inbox, outbox
from storage.contacts import ContactDTO

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erased:
    aliases: list[str]  # of the deleted cases, for the one line the team is told
    topics: int  # topics asked to be deleted


def delete_topic(staff_chat_id: int, thread_id: int) -> Outgoing:
    """A case topic to delete: not tied to the case (the row must outlive it), the thread id given directly."""
    params = {"chat_id": staff_chat_id, "message_thread_id": thread_id}
    return Outgoing("deleteForumTopic", params, STAFF_LANE, Priority.RELAY)


def erased_lane() -> str:
    """A lane for the last words to someone deleted: not derived from their pseudonym, which must not stay."""
    return f"p:gone:{secrets.token_hex(8)}"


async def erase(uow: UnitOfWork, contact: ContactDTO | None, user_key: str, telegram_user_id: int | None) -> Erased:
    """Delete everything about one person in this unit of work (see the module's docstring). Anything to send
    goes through uow.send; the caller flushes (the intake does it for an update)."""
    session, settings = uow.session, uow.services.settings
    found = await cases.all_for_contact(session, contact.id) if contact is not None else []
    if contact is not None:
        await anonymous.keep_counts(session, contact.id, settings.tz)
    topics = [case.topic_id for case in found if case.topic_id is not None]
    if settings.staff_chat_id is not None:
        for thread in topics:
            uow.send(delete_topic(settings.staff_chat_id, thread))
    if telegram_user_id is not None:
        await _drop_waiting_updates(uow, telegram_user_id)
    await outbox.delete_lane(session, private_lane(user_key))
    await contacts.delete_everything(session, user_key)
    log.info("a young person's data was deleted (%d case(s), %d topic(s))", len(found), len(topics))
    return Erased([case.alias for case in found], len(topics))


async def _drop_waiting_updates(uow: UnitOfWork, telegram_user_id: int) -> None:
    """Updates from the person still waiting in the inbox (sent after they confirmed) are not handled any more:
    handling them would start storing them again. (Those claimed in the same batch as this one are not pending any
    more; the processor leaves them out: UnitOfWork.erased.)"""
    uow.erased.add(telegram_user_id)
    keyring, waiting = uow.services.keyring, await inbox.pending(uow.session, limit=1000)
    theirs = [
        row.update_id
        for row in waiting
        if row.update_id != uow.update_id and _sent_by(json.loads(keyring.decrypt(row.payload_enc)), telegram_user_id)
    ]
    await inbox.erase(uow.session, theirs)


def _sent_by(update: dict[str, Any], user_id: int) -> bool:
    """Whether a raw update comes from this user (its message, edit, button press or chat-member change)."""
    for value in update.values():
        if isinstance(value, dict):
            sender = value.get("from")
            if isinstance(sender, dict) and sender.get("id") == user_id:
                return True
    return False

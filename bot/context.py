"""One unit of work per update: its database session, who sent it, and what it will send.

The processor opens the unit of work, loads the sender's contact and conversation state (asynchronously, before
PTB's synchronous ``check_update`` runs), hands the update to ``Application.process_update`` and commits. Handlers
reach it through ``BotContext.uow``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.delivery.outgoing import COMBINABLE_KEY, Envelope, Outgoing, private_lane
from bot.i18n import Translator
from bot.languages import normalise_language_code
from bot.services import Services
from storage import contacts, conversations, outbox, rekey, senders, staff
from storage.appointments import ReminderDTO
from storage.base import utcnow
from storage.cases import CaseDTO
from storage.contacts import ContactDTO
from storage.conversations import ConversationDTO
from storage.guards import GuardDTO
from storage.staff import StaffDTO

_CURRENT: ContextVar[UnitOfWork] = ContextVar("anlaufstelle_unit_of_work")


@dataclass
class UnitOfWork:
    session: AsyncSession
    services: Services
    update_id: int
    user_key: str | None = None
    contact: ContactDTO | None = None
    conversation: ConversationDTO | None = None
    telegram_language: str | None = None
    private_chat_id: int | None = None
    staff: StaffDTO | None = None  # the sender, when the update comes from an allow-listed team member
    # A young person's flood guard and open case as they stood when the update was opened (storage.senders), for the
    # relay (handlers.relay); whatever changes them reads them again.
    guard: GuardDTO | None = None
    open_case: CaseDTO | None = None
    outgoing: list[Outgoing] = field(default_factory=list)
    error: BaseException | None = None
    new_reminders: list[ReminderDTO] = field(default_factory=list)  # scheduled once the update has committed
    # Long work (the committee report: seconds at scale) that must not hold the update's transaction, and with it
    # SQLite's write lock and the updates after it: run once the update has committed (bot.runtime.BotRuntime).
    afterwards: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # People whose data this update deleted (bot.erasure): their later updates in the same batch, claimed with it,
    # are not handled either (bot.delivery.intake).
    erased: set[int] = field(default_factory=set)

    @classmethod
    async def open(cls, session: AsyncSession, services: Services, update: Update) -> UnitOfWork:
        uow = cls(session=session, services=services, update_id=update.update_id)
        user, chat = update.effective_user, update.effective_chat
        if user is not None and not user.is_bot:
            uow.user_key = services.keyring.user_key(user.id)
            uow.telegram_language = normalise_language_code(user.language_code)
            # The team in their group, and in their private chat with the bot (coordinators publish from there too).
            if chat is not None and chat.type == chat.PRIVATE:
                uow.private_chat_id = chat.id
                found = await senders.find(session, uow.user_key, user.id)
                if found.contact is None and services.keyring.has_old_keys:  # a key rotation is under way
                    old = services.keyring.old_user_keys(user.id)
                    if await rekey.adopt(session, old, uow.user_key, private_lane):
                        found = await senders.find(session, uow.user_key, user.id)  # under the new key now
                uow.contact, uow.conversation, uow.staff = found.contact, found.conversation, found.staff
                uow.guard, uow.open_case = found.guard, found.open_case
            elif chat is not None and chat.id == services.settings.staff_chat_id:
                uow.staff = await staff.by_telegram_id(session, user.id)
        return uow

    @staticmethod
    async def read_ahead(session: AsyncSession, services: Services, updates: list[Update]) -> None:
        """Who sent the updates of a batch in their private chats, read with one statement for `open`."""
        people = []
        for update in updates:
            user, chat = update.effective_user, update.effective_chat
            if user is not None and not user.is_bot and chat is not None and chat.type == chat.PRIVATE:
                people.append((services.keyring.user_key(user.id), user.id))
        await senders.read_ahead(session, people)

    # -- who this update's person is, and how to talk to them ------------------------------------------------

    @property
    def language(self) -> str | None:
        """The stored choice first, then a choice made during intake, then what Telegram reports."""
        if self.contact is not None:
            return self.contact.language
        if self.conversation is not None and self.conversation.draft.get("language"):
            return str(self.conversation.draft["language"])
        if self.services.catalogs.has(self.telegram_language):
            return self.telegram_language
        return None

    @property
    def tr(self) -> Translator:
        return self.services.catalogs.translator(self.language)

    @property
    def staff_tr(self) -> Translator:
        """The team's language, for everything the bot says in the staff group."""
        return self.services.catalogs.translator(self.services.settings.staff_language)

    @property
    def me(self) -> Envelope:
        """The private chat of the person who sent this update."""
        if self.private_chat_id is None or self.user_key is None:
            raise RuntimeError("this update has no private chat to answer in")
        return Envelope(self.private_chat_id, self.user_key, self.contact.id if self.contact else None)

    def send(self, message: Outgoing) -> None:
        self.outgoing.append(message)

    # -- conversation state ----------------------------------------------------------------------------------

    def in_state(self, name: str, *states: str) -> bool:
        conv = self.conversation
        return conv is not None and conv.name == name and (not states or conv.state in states)

    async def set_conversation(self, name: str, state: str, draft: dict[str, Any]) -> None:
        assert self.user_key is not None
        self.conversation = ConversationDTO(name, state, draft)
        await conversations.save(self.session, self.user_key, self.conversation)

    async def end_conversation(self) -> None:
        assert self.user_key is not None
        self.conversation = None
        await conversations.clear(self.session, self.user_key)

    async def reload_contact(self) -> None:
        assert self.user_key is not None
        self.contact = await contacts.find_by_user_key(self.session, self.user_key)

    async def flush_outgoing(self) -> None:
        """Write what this update sends into the outbox, in the update's transaction."""
        keyring = self.services.keyring
        rows = [
            outbox.NewOutboxRow(
                priority=int(msg.priority),
                lane=msg.lane,
                method=msg.method,
                payload_enc=keyring.encrypt(json.dumps(_payload(msg), ensure_ascii=False).encode()),
                contact_id=msg.contact_id,
                user_key=msg.user_key,
                case_id=msg.case_id,
                case_message_id=msg.case_message_id,
                kind=msg.kind,
                announcement_id=msg.announcement_id,
                not_before=utcnow() + timedelta(seconds=msg.delay) if msg.delay > 0 else None,
            )
            for msg in self.outgoing
        ]
        self.outgoing.clear()
        await outbox.add(self.session, rows)


def _payload(msg: Outgoing) -> dict[str, Any]:
    """The parameters, plus the text of a combinable relay under a key the sender strips before sending."""
    if msg.combinable_text is None:
        return msg.params
    return {**msg.params, COMBINABLE_KEY: msg.combinable_text}


def current_uow() -> UnitOfWork:
    try:
        return _CURRENT.get()
    except LookupError as exc:
        raise RuntimeError("no update is being processed in this task") from exc


def bind_uow(uow: UnitOfWork) -> object:
    return _CURRENT.set(uow)


def unbind_uow(token: object) -> None:
    _CURRENT.reset(token)  # type: ignore[arg-type]


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context, plus this update's unit of work."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def uow(self) -> UnitOfWork:
        return current_uow()

    @property
    def tr(self) -> Translator:
        return current_uow().tr

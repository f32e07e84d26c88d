"""Filters that need our own state. PTB's check_update is synchronous, so they read what the processor loaded
into the unit of work before handing the update over."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler
from telegram.ext.filters import UpdateFilter

from bot.context import current_uow


class InConversation(UpdateFilter):
    """The sender is in the named conversation (optionally in one of the given states)."""

    def __init__(self, name: str, *states: str) -> None:
        super().__init__(name=f"InConversation({name})")
        self._conversation, self._states = name, states

    def filter(self, update: Update) -> bool:
        return current_uow().in_state(self._conversation, *self._states)


class KnownContact(UpdateFilter):
    """The sender has agreed to the privacy notice."""

    def filter(self, update: Update) -> bool:
        return current_uow().contact is not None


class TeamMember(UpdateFilter):
    """The sender is an active member of the team (and the update comes from the staff group)."""

    def filter(self, update: Update) -> bool:
        return current_uow().staff is not None


class StaffGroup(UpdateFilter):
    """The update comes from the configured staff group."""

    def filter(self, update: Update) -> bool:
        chat = update.effective_chat
        staff = current_uow().services.settings.staff_chat_id
        return chat is not None and staff is not None and chat.id == staff


class Coordinator(UpdateFilter):
    """The sender is an active coordinator or admin (in the staff group, or in a private chat with the bot)."""

    def filter(self, update: Update) -> bool:
        staff = current_uow().staff
        return staff is not None and staff.may("coordinator")


class PrivateButton(CallbackQueryHandler[Any, Any]):
    """A button of a young person's private chat. The same data pressed anywhere else (a modified client can send
    any data from any chat) does not match, and ends with the catch-all for stale buttons."""

    def check_update(self, update: object) -> bool | object | None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None or chat.type != chat.PRIVATE:
            return False
        return super().check_update(update)

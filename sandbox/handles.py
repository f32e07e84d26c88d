"""Test-facing handles for emulated users and groups (synchronous: they only enqueue and notify)."""

from __future__ import annotations

import copy
from typing import Any

from sandbox import actions
from sandbox.files import fake_bytes, media_content, new_file
from sandbox.models import ChatRecord, Member, Topic, UserRecord
from sandbox.state import GENERAL_TOPIC, State


def _visible(chat: ChatRecord, thread_id: int | None = None, *, include_service: bool = False) -> list[dict[str, Any]]:
    out = []
    for stored in chat.messages.values():
        if not stored.outgoing or (stored.service and not include_service):
            continue
        if thread_id is not None:
            wanted = None if thread_id == GENERAL_TOPIC else thread_id
            if stored.thread_id != wanted:
                continue
        out.append(copy.deepcopy(stored.data))
    return out


def _text_of(message: dict[str, Any]) -> str:
    return str(message.get("text", message.get("caption", "")))


class UserHandle:
    """An emulated Telegram user; actions return the created Message (or CallbackQuery) dict."""

    def __init__(self, state: State, record: UserRecord) -> None:
        self._state = state
        self.record = record

    def __repr__(self) -> str:
        return f"<UserHandle {self.record.first_name} id={self.id}>"

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def chat_id(self) -> int:
        return self.record.id

    @property
    def first_name(self) -> str:
        return self.record.first_name

    @property
    def language_code(self) -> str | None:
        return self.record.language_code

    def as_dict(self) -> dict[str, Any]:
        return self.record.as_dict()

    def _chat(self, chat: GroupHandle | None) -> ChatRecord:
        return chat.record if chat is not None else self._state.chats[self.id]

    def _post(self, content: dict[str, Any], chat: GroupHandle | None, thread_id: int | None) -> dict[str, Any]:
        return actions.post(self._state, self.record, self._chat(chat), content, thread_id=thread_id)

    # -- messages ----------------------------------------------------------------------------------
    def send_text(self, text: str, chat: GroupHandle | None = None, thread_id: int | None = None) -> dict[str, Any]:
        return self._post(actions.text_content(text), chat, thread_id)

    def send_command(
        self, command: str, args: str | None = None, chat: GroupHandle | None = None, thread_id: int | None = None
    ) -> dict[str, Any]:
        text = f"/{command.lstrip('/')}" + (f" {args}" if args else "")
        return self.send_text(text, chat=chat, thread_id=thread_id)

    def start(self, payload: str | None = None) -> dict[str, Any]:
        return self.send_command("start", payload)

    def reply_to(
        self, message_id: int, text: str, chat: GroupHandle | None = None, thread_id: int | None = None
    ) -> dict[str, Any]:
        content = actions.text_content(text)
        return actions.post(
            self._state, self.record, self._chat(chat), content, thread_id=thread_id, reply_to=message_id
        )

    def edit(self, message_id: int, text: str, chat: GroupHandle | None = None) -> dict[str, Any]:
        return actions.edit(self._state, self.record, self._chat(chat), message_id, text)

    def press(self, button: str, message_id: int | None = None, chat: GroupHandle | None = None) -> dict[str, Any]:
        return actions.press(self._state, self.record, self._chat(chat), button, message_id)

    def _media(
        self,
        kind: str,
        data: bytes | None,
        *,
        caption: str | None = None,
        chat: GroupHandle | None = None,
        thread_id: int | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        payload = data if data is not None else fake_bytes(self._state, kind)
        record = new_file(self._state, kind, payload, file_name=file_name, mime_type=mime_type)
        content = media_content(self._state, record)
        if caption:
            caption_part = actions.text_content(caption)
            content["caption"] = caption_part["text"]
            if "entities" in caption_part:
                content["caption_entities"] = caption_part["entities"]
        return self._post(content, chat, thread_id)

    def send_photo(
        self, content: bytes | None = None, caption: str | None = None, chat: GroupHandle | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        return self._media("photo", content, caption=caption, chat=chat, thread_id=thread_id)

    def send_document(
        self, filename: str = "document.pdf", content: bytes | None = None, mime_type: str = "application/pdf",
        caption: str | None = None, chat: GroupHandle | None = None, thread_id: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        return self._media(
            "document", content, caption=caption, chat=chat, thread_id=thread_id, file_name=filename,
            mime_type=mime_type,
        )  # fmt: skip

    def send_sticker(self, chat: GroupHandle | None = None, thread_id: int | None = None) -> dict[str, Any]:
        return self._media("sticker", None, chat=chat, thread_id=thread_id)

    def send_voice(
        self, content: bytes | None = None, caption: str | None = None, chat: GroupHandle | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        return self._media("voice", content, caption=caption, chat=chat, thread_id=thread_id)

    def send_video(
        self, content: bytes | None = None, caption: str | None = None, chat: GroupHandle | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        return self._media("video", content, caption=caption, chat=chat, thread_id=thread_id)

    def send_video_note(self, chat: GroupHandle | None = None, thread_id: int | None = None) -> dict[str, Any]:
        return self._media("video_note", None, chat=chat, thread_id=thread_id)

    def send_location(
        self,
        latitude: float,
        longitude: float,
        chat: GroupHandle | None = None,
        thread_id: int | None = None,
        live_period: int | None = None,
    ) -> dict[str, Any]:
        """A location; with ``live_period`` (seconds) a live location, moved with move_location()."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if live_period:
            location["live_period"] = live_period
        return self._post({"location": location}, chat, thread_id)

    def move_location(
        self, message_id: int, latitude: float, longitude: float, chat: GroupHandle | None = None
    ) -> dict[str, Any]:
        return actions.move_location(self._state, self.record, self._chat(chat), message_id, latitude, longitude, True)

    def stop_location(self, message_id: int, chat: GroupHandle | None = None) -> dict[str, Any]:
        """Stop sharing a live location (its last position stays)."""
        stored = self._chat(chat).messages[message_id].data["location"]
        return actions.move_location(
            self._state, self.record, self._chat(chat), message_id, stored["latitude"], stored["longitude"], False
        )

    def send_contact(
        self, phone_number: str, first_name: str, last_name: str | None = None, user_id: int | None = None,
        chat: GroupHandle | None = None, thread_id: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if user_id is not None:
            contact["user_id"] = user_id
        return self._post({"contact": contact}, chat, thread_id)

    # -- relationship with the bot -----------------------------------------------------------------
    def block(self) -> None:
        actions.set_blocked(self._state, self.record, True)

    def unblock(self) -> None:
        actions.set_blocked(self._state, self.record, False)

    @property
    def blocked(self) -> bool:
        return self._state.chats[self.id].blocked

    # -- what the bot sent -------------------------------------------------------------------------
    @property
    def messages(self) -> list[dict[str, Any]]:
        return _visible(self._state.chats[self.id])

    @property
    def last_message(self) -> dict[str, Any] | None:
        chat = self._state.chats[self.id]
        latest = next((m for m in reversed(chat.messages.values()) if m.outgoing and not m.service), None)
        return copy.deepcopy(latest.data) if latest else None

    def texts(self) -> list[str]:
        return [_text_of(m) for m in self.messages]

    @property
    def chat_history(self) -> list[dict[str, Any]]:
        """Every message of the private chat (the user's and the bot's), oldest first."""
        return [copy.deepcopy(m.data) for m in self._state.chats[self.id].messages.values()]


class GroupHandle:
    """An emulated group or (forum) supergroup."""

    def __init__(self, state: State, record: ChatRecord) -> None:
        self._state = state
        self.record = record

    def __repr__(self) -> str:
        return f"<GroupHandle {self.record.title!r} id={self.id}>"

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def chat_id(self) -> int:
        return self.record.id

    @property
    def title(self) -> str:
        return self.record.title or ""

    @property
    def is_forum(self) -> bool:
        return self.record.is_forum

    @property
    def bot_status(self) -> str:
        return self.record.bot_status

    def add_member(self, user: UserHandle, status: str = "member", rights: dict[str, bool] | None = None) -> None:
        if status not in ("member", "administrator", "creator", "restricted", "left", "kicked"):
            raise ValueError(f"unknown member status {status!r}")
        self.record.members[user.id] = Member(status, dict(rights or {}))
        self._state.emit("member", chat_id=self.id, user_id=user.id, status=status)

    def remove_member(self, user: UserHandle) -> None:
        self.add_member(user, "left")

    def set_bot_status(self, status: str, rights: dict[str, bool] | None = None, by: UserHandle | None = None) -> None:
        """Add/promote/demote/kick the bot ("member", "administrator", "left", "kicked")."""
        actor = by.record if by is not None else self._state.users[self.record.creator_id or self._state.bot.id]
        actions.set_bot_membership(self._state, self.record, actor, status, rights)

    @property
    def topics(self) -> dict[int, Topic]:
        return dict(self.record.topics)

    def topic_by_name(self, name: str) -> Topic | None:
        return next((t for t in self.record.topics.values() if t.name == name and not t.deleted), None)

    def create_topic(self, name: str, by: UserHandle, icon_color: int = 7322096) -> dict[str, Any]:
        return actions.create_topic(self._state, by.record, self.record, name, icon_color)

    def messages(self, thread_id: int | None = None, *, include_service: bool = False) -> list[dict[str, Any]]:
        """Messages the bot sent here (all, or one topic; thread_id=1 means the General topic)."""
        return _visible(self.record, thread_id, include_service=include_service)

    def texts(self, thread_id: int | None = None) -> list[str]:
        return [_text_of(m) for m in self.messages(thread_id)]

    @property
    def history(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(m.data) for m in self.record.messages.values()]

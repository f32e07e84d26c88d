"""In-memory records of the emulated Telegram world."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart/form-data request."""

    filename: str
    content_type: str
    data: bytes

    def describe(self) -> dict[str, Any]:
        return {"upload": self.filename, "size": len(self.data), "content_type": self.content_type}


@dataclass(frozen=True, slots=True)
class Call:
    """One request of the bot: method (canonical spelling), decoded params, HTTP status."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    at: float


@dataclass(slots=True)
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class Member:
    status: str  # creator | administrator | member | restricted | left | kicked
    rights: dict[str, bool] = field(default_factory=dict)


@dataclass(slots=True)
class Topic:
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    created_by: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass(slots=True)
class StoredMessage:
    data: dict[str, Any]
    sender_id: int
    outgoing: bool
    service: bool = False
    thread_id: int | None = None

    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])


@dataclass(slots=True)
class ChatRecord:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    user_id: int | None = None
    is_forum: bool = False
    bot_status: str = "member"
    bot_rights: dict[str, bool] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    started: bool = True
    pinned: list[int] = field(default_factory=list)
    creator_id: int | None = None
    # The ReplyKeyboardMarkup last sent here (Telegram keeps it out of the Message; the chat page shows it).
    reply_keyboard: dict[str, Any] | None = None

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def bot_can(self, right: str) -> bool:
        return self.bot_status == "creator" or (
            self.bot_status == "administrator" and self.bot_rights.get(right, False)
        )


@dataclass(slots=True)
class FileRecord:
    file_id: str
    file_unique_id: str
    kind: str  # photo | document | sticker | voice | video | video_note | audio | animation
    data: bytes
    file_path: str
    meta: dict[str, Any] = field(default_factory=dict)

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass(slots=True)
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float
    answered: bool = False
    answer: dict[str, Any] | None = None

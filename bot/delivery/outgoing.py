"""What handlers ask to send: Bot API calls described as data, to be written to the outbox.

Handlers never call the Bot API themselves for anything a person sees; they describe the call here, and it
commits with the rest of the update's changes. So a crash never leaves a reply for a change that was rolled
back, and never loses a reply for a change that was committed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from telegram import InputFile

from storage import later

Button = tuple[str, str]  # (label, callback_data)
Keyboard = list[list[Button]]

MESSAGE_CREATING = frozenset(
    {
        "sendMessage",
        "copyMessage",
        "copyMessages",  # the sender's, for texts of one case waiting together (bot.delivery.sender)
        "sendLocation",
        "sendVenue",
        "sendDocument",
        "sendPhoto",
        "sendContact",
    }
)
CALLBACK_LANE = "cb"
COMBINABLE_KEY = "__combinable_text"
UPLOAD_KEY = "__upload_base64"
STAFF_LANE = "g:staff"


class Priority(IntEnum):
    """Lower goes first: a young person waiting for an answer before reminders, reminders before broadcasts."""

    INTERACTIVE = 0
    RELAY = 10
    REMINDER = 20
    BROADCAST = 30


@dataclass(frozen=True)
class Outgoing:
    method: str
    params: dict[str, Any]
    lane: str
    priority: Priority = Priority.INTERACTIVE
    contact_id: int | None = None
    user_key: str | None = None
    case_id: int | None = None  # messages into a case topic get its message_thread_id when they are sent
    case_message_id: int | later.Key | None = None  # where the sender records the message id the copy got
    kind: str = "reply"  # how the sender records the result: reply | topic | relay_in | relay_out | notice
    combinable_text: str | None = None  # a text relay that may be merged with others when the group is busy
    announcement_id: int | None = None  # a bus announcement's message to one subscriber (kind "broadcast")
    delay: float = 0.0  # seconds to hold it back (a young person writing faster than the team can read, bot.flood)


def private_lane(user_key: str) -> str:
    return f"p:{user_key[:32]}"


def inline_keyboard(keyboard: Keyboard) -> dict[str, Any]:
    for row in keyboard:
        for _label, data in row:
            if len(data.encode()) > 64:
                raise ValueError("callback data over 64 bytes")
    return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in keyboard]}


@dataclass
class Envelope:
    """Who a private message goes to: the chat, and the pseudonym for pacing and deletion."""

    chat_id: int
    user_key: str
    contact_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def text_message(to: Envelope, text: str, keyboard: Keyboard | None = None) -> Outgoing:
    params: dict[str, Any] = {"chat_id": to.chat_id, "text": text, **to.extra}
    if keyboard:
        params["reply_markup"] = inline_keyboard(keyboard)
    return Outgoing("sendMessage", params, private_lane(to.user_key), contact_id=to.contact_id, user_key=to.user_key)


def edit_text(to: Envelope, message_id: int, text: str, keyboard: Keyboard | None = None) -> Outgoing:
    params: dict[str, Any] = {"chat_id": to.chat_id, "message_id": message_id, "text": text}
    if keyboard:
        params["reply_markup"] = inline_keyboard(keyboard)
    return Outgoing(
        "editMessageText", params, private_lane(to.user_key), contact_id=to.contact_id, user_key=to.user_key
    )


def remove_keyboard(to: Envelope, message_id: int) -> Outgoing:
    params = {"chat_id": to.chat_id, "message_id": message_id, "reply_markup": {"inline_keyboard": []}}
    return Outgoing(
        "editMessageReplyMarkup",
        params,
        private_lane(to.user_key),
        contact_id=to.contact_id,
        user_key=to.user_key,
    )


def to_case_topic(
    method: str,
    params: dict[str, Any],
    case_id: int,
    *,
    kind: str = "notice",
    case_message_id: int | later.Key | None = None,
    combinable_text: str | None = None,
    contact_id: int | None = None,
    priority: Priority = Priority.RELAY,
    delay: float = 0.0,
) -> Outgoing:
    """A call into a case's topic in the staff group; the sender fills in the topic's message_thread_id."""
    return Outgoing(
        method,
        params,
        STAFF_LANE,
        priority,
        contact_id=contact_id,
        case_id=case_id,
        kind=kind,
        case_message_id=case_message_id,
        combinable_text=combinable_text,
        delay=delay,
    )


def upload(filename: str, content: bytes) -> dict[str, str]:
    """A file to upload, as JSON for the outbox; the sender turns it into a multipart upload."""
    return {UPLOAD_KEY: base64.b64encode(content).decode(), "filename": filename}


def materialise(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters ready for Bot.do_api_request: uploads become InputFile objects."""
    return {
        key: InputFile(base64.b64decode(value[UPLOAD_KEY]), filename=value["filename"])
        if isinstance(value, dict) and UPLOAD_KEY in value
        else value
        for key, value in params.items()
    }


def answer_callback(callback_query_id: str, text: str | None = None, alert: bool = False) -> Outgoing:
    params: dict[str, Any] = {"callback_query_id": callback_query_id}
    if text:
        params["text"] = text[:200]
        params["show_alert"] = alert
    return Outgoing("answerCallbackQuery", params, CALLBACK_LANE)


TEXT_LIMIT = 4096


def fit_text(text: str, limit: int = TEXT_LIMIT) -> str:
    """At most `limit` characters as Telegram counts them (UTF-16 code units), cut after a whole line (so no
    direction isolate is cut in half) and ending in "…" when something was left out."""

    def size(lines: list[str]) -> int:
        return len("\n".join(lines).encode("utf-16-le")) // 2

    lines = text.split("\n")
    if size(lines) <= limit:
        return text
    kept: list[str] = []
    for line in lines:
        if size([*kept, line, "…"]) > limit:
            break
        kept.append(line)
    if kept:
        return "\n".join([*kept, "…"])
    return text.encode("utf-16-le")[: 2 * (limit - 1)].decode("utf-16-le", errors="ignore") + "…"

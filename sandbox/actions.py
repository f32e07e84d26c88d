"""What emulated users do: send, edit, reply, press buttons, block the bot, join groups.

Every action stores the message like Telegram would and queues the Update the bot would receive.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.entities import format_text
from sandbox.methods.forum import open_topic
from sandbox.models import CallbackQueryRecord, ChatRecord, Member, StoredMessage, UserRecord
from sandbox.shapes import chat_member_updated
from sandbox.state import GENERAL_TOPIC, State

ACTIVE = ("creator", "administrator", "member", "restricted")


def text_content(text: str) -> dict[str, Any]:
    formatted = format_text(text, None, None)
    content: dict[str, Any] = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    return content


def _check_can_post(state: State, user: UserRecord, chat: ChatRecord, thread_id: int | None) -> int | None:
    if chat.type == "private":
        if chat.user_id != user.id:
            raise ValueError(f"user {user.id} cannot write into the private chat of user {chat.user_id}")
        if chat.blocked:
            raise ValueError("the user has blocked the bot; call unblock() first")
        return None
    member = chat.members.get(user.id)
    if member is None or member.status not in ACTIVE:
        raise ValueError(f"user {user.id} is not a member of chat {chat.id}; use group.add_member() first")
    if thread_id is None or thread_id == GENERAL_TOPIC:
        return None
    topic = chat.topics.get(thread_id)
    if not chat.is_forum or topic is None or topic.deleted:
        raise LookupError(f"topic {thread_id} does not exist in chat {chat.id}")
    return thread_id


def _bot_sees(state: State, chat: ChatRecord, stored: StoredMessage) -> bool:
    if chat.type == "private":
        return True
    if chat.bot_status not in ("member", "administrator", "creator"):
        return False
    if not state.config.privacy_mode or chat.bot_status in ("administrator", "creator"):
        return True
    data = stored.data
    replied = data.get("reply_to_message") or {}
    text = data.get("text") or data.get("caption") or ""
    username = f"@{state.bot.username}".lower()
    return (
        text.startswith("/")
        or (replied.get("from", {}).get("id") == state.bot.id and "forum_topic_created" not in replied)
        or username in text.lower()
    )


def post(
    state: State,
    user: UserRecord,
    chat: ChatRecord,
    content: dict[str, Any],
    *,
    thread_id: int | None = None,
    reply_to: int | None = None,
) -> dict[str, Any]:
    """A user posts ``content``; returns the Message dict."""
    thread = _check_can_post(state, user, chat, thread_id)
    target = None
    if reply_to is not None:
        target = chat.messages.get(reply_to)
        if target is None:
            raise LookupError(f"message {reply_to} not found in chat {chat.id}")
        thread = thread if thread is not None else target.thread_id
    chat.started = True if chat.type == "private" else chat.started
    stored = state.create_message(chat, user, content, thread_id=thread, reply_to=target)
    if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
        chat.reply_keyboard = None
        state.emit("keyboard", chat_id=chat.id, keyboard=None)
    if _bot_sees(state, chat, stored):
        state.queue_update("message", stored.data)
    return copy.deepcopy(stored.data)


def edit(state: State, user: UserRecord, chat: ChatRecord, message_id: int, text: str) -> dict[str, Any]:
    stored = chat.messages.get(message_id)
    if stored is None or stored.sender_id != user.id:
        raise LookupError(f"user {user.id} has no message {message_id} in chat {chat.id}")
    if "text" not in stored.data:
        raise ValueError(f"message {message_id} has no text")
    stored.data.pop("entities", None)
    stored.data.update(text_content(text))
    stored.data["edit_date"] = state.now()
    state.emit("edit", chat_id=chat.id, outgoing=False, message=copy.deepcopy(stored.data))
    if _bot_sees(state, chat, stored):
        state.queue_update("edited_message", stored.data)
    return copy.deepcopy(stored.data)


def move_location(
    state: State, user: UserRecord, chat: ChatRecord, message_id: int, latitude: float, longitude: float, live: bool
) -> dict[str, Any]:
    """A live location moves (or, ``live=False``, stops being shared): an edited_message, like Telegram."""
    stored = chat.messages.get(message_id)
    if stored is None or stored.sender_id != user.id or "location" not in stored.data:
        raise LookupError(f"user {user.id} has no location message {message_id} in chat {chat.id}")
    period = stored.data["location"].get("live_period")
    if not period:
        raise ValueError(f"message {message_id} is not a live location")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if live:
        location["live_period"] = period
    stored.data["location"] = location
    stored.data["edit_date"] = state.now()
    state.emit("edit", chat_id=chat.id, outgoing=False, message=copy.deepcopy(stored.data))
    if _bot_sees(state, chat, stored):
        state.queue_update("edited_message", stored.data)
    return copy.deepcopy(stored.data)


def _find_button(chat: ChatRecord, label: str, message_id: int | None) -> tuple[StoredMessage, dict[str, Any]]:
    if message_id is not None:
        candidates = [chat.messages[message_id]] if message_id in chat.messages else []
    else:
        candidates = [m for m in reversed(chat.messages.values()) if m.outgoing]
    for stored in candidates:
        rows = (stored.data.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in (b for row in rows for b in row):
            if label in (button.get("text"), button.get("callback_data")):
                return stored, button
    where = f"message {message_id}" if message_id is not None else f"any bot message in chat {chat.id}"
    raise LookupError(f"no inline button {label!r} in {where}")


def press(
    state: State, user: UserRecord, chat: ChatRecord, label: str, message_id: int | None = None
) -> dict[str, Any]:
    """Press an inline button (matched by text or callback_data); queues a callback_query."""
    stored, button = _find_button(chat, label, message_id)
    if "callback_data" not in button:
        raise ValueError(f"button {label!r} has no callback_data (it is a {sorted(button)} button)")
    query_id = str(state.rng.randrange(10**18, 9 * 10**18))
    record = CallbackQueryRecord(query_id, user.id, chat.id, stored.message_id, button["callback_data"], state.clock())
    state.callback_queries[query_id] = record
    query = {
        "id": query_id,
        "from": user.as_dict(),
        "message": copy.deepcopy(stored.data),
        "chat_instance": str((chat.id * 2654435761) % 2**62),
        "data": button["callback_data"],
    }
    state.queue_update("callback_query", query)
    return query


def set_blocked(state: State, user: UserRecord, blocked: bool) -> None:
    chat = state.chats[user.id]
    if chat.blocked == blocked:
        return
    chat.blocked = blocked
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    update = chat_member_updated(state, chat, user, state.bot, Member(old), Member(new))
    state.queue_update("my_chat_member", update)
    state.emit("blocked" if blocked else "unblocked", chat_id=chat.id)


def set_bot_membership(
    state: State, chat: ChatRecord, actor: UserRecord, status: str, rights: dict[str, bool] | None = None
) -> None:
    """Add, promote, demote or remove the bot in a group; queues my_chat_member like Telegram."""
    old = Member(chat.bot_status, dict(chat.bot_rights))
    chat.bot_status = status
    chat.bot_rights = dict(rights or {}) if status == "administrator" else {}
    new = Member(chat.bot_status, dict(chat.bot_rights))
    state.queue_update("my_chat_member", chat_member_updated(state, chat, actor, state.bot, old, new))
    state.emit("bot_membership", chat_id=chat.id, status=status)


def create_topic(
    state: State, user: UserRecord, chat: ChatRecord, name: str, icon_color: int = 7322096
) -> dict[str, Any]:
    """A (human) member creates a forum topic; the bot receives the forum_topic_created message."""
    _check_can_post(state, user, chat, None)
    if not chat.is_forum:
        raise ValueError(f"chat {chat.id} is not a forum")
    topic = open_topic(state, chat, user, name, icon_color, None)
    stored = chat.messages[topic.message_thread_id]
    if _bot_sees(state, chat, stored) and chat.bot_status in ("administrator", "creator"):
        state.queue_update("message", stored.data)
    return copy.deepcopy(stored.data)

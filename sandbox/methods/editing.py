"""editMessageText/Caption/ReplyMarkup, deleteMessage(s)."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.errors import bad_request
from sandbox.files import content_kind
from sandbox.methods.common import check_markup, ensure_bot_member, format_checked, message_in
from sandbox.methods.registry import Ctx, method
from sandbox.models import ChatRecord, StoredMessage
from sandbox.state import State

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)


def _target(ctx: Ctx) -> tuple[ChatRecord, StoredMessage]:
    params = ctx.params
    if params.get("inline_message_id"):
        raise bad_request("message to edit not found")
    if params.get("chat_id") is None or params.get("message_id") is None:
        raise bad_request("message identifier is not specified")
    chat = ctx.state.get_chat(params["chat_id"])
    ensure_bot_member(chat)
    stored = message_in(chat, params["message_id"], "message to edit not found")
    if not stored.outgoing or stored.service:
        raise bad_request("message can't be edited")
    return chat, stored


def _apply(state: State, chat: ChatRecord, stored: StoredMessage, new: dict[str, Any]) -> dict[str, Any]:
    """Replace the given keys (None removes a key); refuse a no-op edit like Telegram."""
    current = {key: stored.data.get(key) for key in new}
    normalized = {key: (value or None) for key, value in new.items()}
    if {k: (v or None) for k, v in current.items()} == normalized:
        raise bad_request(NOT_MODIFIED)
    for key, value in normalized.items():
        if value is None:
            stored.data.pop(key, None)
        else:
            stored.data[key] = value
    stored.data["edit_date"] = state.now()
    state.emit("edit", chat_id=chat.id, outgoing=True, message=copy.deepcopy(stored.data))
    return stored.data


def _markup(ctx: Ctx, chat: ChatRecord) -> dict[str, Any] | None:
    return check_markup(chat, ctx.params.get("reply_markup"))


@method("editMessageText")
async def edit_message_text(ctx: Ctx) -> Any:
    chat, stored = _target(ctx)
    params = ctx.params
    formatted = format_checked(params.get("text", ""), params.get("parse_mode"), params.get("entities"), caption=False)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    new: dict[str, Any] = {"text": formatted.text, "entities": formatted.entities, "reply_markup": _markup(ctx, chat)}
    if params.get("link_preview_options"):
        stored.data["link_preview_options"] = params["link_preview_options"]
    return _apply(ctx.state, chat, stored, new)


@method("editMessageCaption")
async def edit_message_caption(ctx: Ctx) -> Any:
    chat, stored = _target(ctx)
    params = ctx.params
    if content_kind(stored.data) in (None, "sticker", "video_note"):
        raise bad_request("there is no caption in the message to edit")
    formatted = format_checked(
        params.get("caption", ""), params.get("parse_mode"), params.get("caption_entities"), caption=True
    )
    new = {
        "caption": formatted.text,
        "caption_entities": formatted.entities,
        "reply_markup": _markup(ctx, chat),
    }
    return _apply(ctx.state, chat, stored, new)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: Ctx) -> Any:
    chat, stored = _target(ctx)
    return _apply(ctx.state, chat, stored, {"reply_markup": _markup(ctx, chat)})


def _deletable(state: State, chat: ChatRecord, stored: StoredMessage) -> bool:
    if chat.type == "private":
        return True
    if stored.service and stored.thread_id is not None and stored.message_id == stored.thread_id:
        return False  # the root of a forum topic goes with deleteForumTopic only
    return stored.outgoing or chat.bot_can("can_delete_messages")


def delete_stored(state: State, chat: ChatRecord, message_id: int) -> None:
    del chat.messages[message_id]
    if message_id in chat.pinned:
        chat.pinned.remove(message_id)
    state.emit("delete", chat_id=chat.id, message_id=message_id)


@method("deleteMessage")
async def delete_message(ctx: Ctx) -> Any:
    chat = ctx.state.get_chat(ctx.params["chat_id"])
    ensure_bot_member(chat)
    stored = message_in(chat, ctx.params["message_id"], "message to delete not found")
    if not _deletable(ctx.state, chat, stored):
        raise bad_request("message can't be deleted")
    delete_stored(ctx.state, chat, stored.message_id)
    return True


@method("deleteMessages")
async def delete_messages(ctx: Ctx) -> Any:
    chat = ctx.state.get_chat(ctx.params["chat_id"])
    ensure_bot_member(chat)
    ids: list[int] = ctx.params["message_ids"]
    if not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a non-empty list of at most 100 identifiers")
    found = [chat.messages[i] for i in dict.fromkeys(ids) if i in chat.messages]
    if any(not _deletable(ctx.state, chat, stored) for stored in found):
        raise bad_request("message can't be deleted")
    for stored in found:
        delete_stored(ctx.state, chat, stored.message_id)
    return True

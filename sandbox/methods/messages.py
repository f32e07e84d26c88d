"""sendMessage, copyMessage(s).

Forwarding is deliberately not implemented: a forward shows the original sender, and Anlaufstelle only ever
copies. A forward request gets the emulator's 400 for unimplemented methods and stays in the call log, where the
tests' ``never_forwards`` check finds it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sandbox.errors import bad_request
from sandbox.methods.common import (
    caption_content,
    deliver,
    ensure_bot_member,
    message_in,
    rate_limit,
    sendable_chat,
    text_content,
)
from sandbox.methods.registry import Ctx, method
from sandbox.models import ChatRecord, StoredMessage
from sandbox.state import State

COPYABLE = (
    "text", "entities", "caption", "caption_entities", "show_caption_above_media", "has_media_spoiler",
    "photo", "document", "sticker", "voice", "video", "video_note", "audio", "animation", "location", "venue",
    "contact", "dice", "link_preview_options",
)  # fmt: skip
_CAPTIONED = ("photo", "document", "voice", "video", "audio", "animation")


@method("sendMessage")
async def send_message(ctx: Ctx) -> Any:
    params = ctx.params
    content = text_content(params)
    options = params.get("link_preview_options")
    if options:
        content["link_preview_options"] = options
    return deliver(ctx, lambda _chat: content).data


def _source(state: State, chat_id: Any) -> ChatRecord:
    chat = state.get_chat(chat_id)
    if chat.is_group:
        ensure_bot_member(chat)
    return chat


def _copyable(source: ChatRecord, message_id: int) -> StoredMessage:
    original = message_in(source, message_id, "message to copy not found")
    if original.service or not any(key in original.data for key in COPYABLE):
        raise bad_request("message can't be copied")
    return original


def copy_content(original: StoredMessage, params: dict[str, Any], *, remove_caption: bool = False) -> dict[str, Any]:
    content = {key: copy.deepcopy(original.data[key]) for key in COPYABLE if key in original.data}
    has_caption_slot = any(key in content for key in _CAPTIONED)
    if has_caption_slot and (remove_caption or "caption" in params):
        for key in ("caption", "caption_entities", "show_caption_above_media"):
            content.pop(key, None)
        if not remove_caption:
            content.update(caption_content(params))
    return content


@method("copyMessage")
async def copy_message(ctx: Ctx) -> Any:
    params = ctx.params
    source = _source(ctx.state, params["from_chat_id"])
    original = _copyable(source, params["message_id"])
    stored = deliver(ctx, lambda _chat: copy_content(original, params))
    return {"message_id": stored.message_id}


@method("copyMessages")
async def copy_messages(ctx: Ctx) -> Any:
    return [{"message_id": m.message_id} for m in _bulk(ctx)]


def _bulk(ctx: Ctx) -> list[StoredMessage]:
    params, state = ctx.params, ctx.state
    ids: list[int] = params["message_ids"]
    if not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a non-empty list of at most 100 identifiers")
    if ids != sorted(set(ids)):
        raise bad_request("message identifiers must be in a strictly increasing order")
    source = _source(state, params["from_chat_id"])
    originals = [m for m in (source.messages.get(i) for i in ids) if m is not None and not m.service]
    if not originals:
        raise bad_request("there are no messages to copy")
    rate_limit(state, sendable_chat(state, params["chat_id"]))
    remove = bool(params.get("remove_caption"))

    def build(original: StoredMessage) -> Callable[[ChatRecord], dict[str, Any]]:
        return lambda _chat: copy_content(original, {}, remove_caption=remove)

    return [deliver(ctx, build(original), limit=False) for original in originals]

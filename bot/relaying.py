"""How a message crosses between a young person's chat and a case topic: kinds, prefixes, entity offsets.

Plain functions over python-telegram-bot's Message; the handlers in handlers/relay.py use them.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, MessageEntity

TEXT_LIMIT = 4096  # Telegram's limit for a text, in UTF-16 code units (the safe reading)
CAPTIONED = ("photo", "video", "document", "audio", "animation", "voice")
KINDS = (
    "text",
    "photo",
    "video",
    "video_note",
    "voice",
    "audio",
    "document",
    "animation",
    "sticker",
    "venue",
    "location",
    "contact",
    "poll",
    "dice",
)


def message_kind(message: Message) -> str:
    """What the message carries, for the map and the statistics ("other" for what we cannot name)."""
    for kind in KINDS:
        if getattr(message, kind, None):
            return kind
    return "other"


def utf16_len(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def shifted(entities: tuple[MessageEntity, ...], by: int) -> list[dict[str, Any]]:
    moved = []
    for entity in entities:
        data = entity.to_dict()
        data["offset"] = entity.offset + by
        moved.append(data)
    return moved


def signed_text(name: str, message: Message) -> dict[str, Any]:
    """A worker's text for the young person: their display name first, formatting kept."""
    prefix = f"{name}:\n"
    params: dict[str, Any] = {"text": prefix + (message.text or "")}
    if message.entities:
        params["entities"] = shifted(message.entities, utf16_len(prefix))
    return params


def signed_caption(name: str, message: Message) -> dict[str, Any]:
    prefix = f"{name}: " if message.caption else name
    params: dict[str, Any] = {"caption": (prefix + (message.caption or ""))[:1024]}
    if message.caption_entities:
        params["caption_entities"] = shifted(message.caption_entities, utf16_len(prefix))
    return params


def reply_to(message_id: int | None) -> dict[str, Any]:
    if message_id is None:
        return {}
    return {"reply_parameters": {"message_id": message_id, "allow_sending_without_reply": True}}


def replied_message_id(message: Message) -> int | None:
    """The message this one answers, ignoring the implicit reply to a topic's first service message."""
    reply = message.reply_to_message
    if reply is None or reply.forum_topic_created is not None:
        return None
    if message.message_thread_id is not None and reply.message_id == message.message_thread_id:
        return None
    return reply.message_id

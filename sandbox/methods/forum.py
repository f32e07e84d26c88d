"""Forum topics: create, edit, close, reopen, delete, unpin all."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request
from sandbox.methods.common import ensure_bot_member
from sandbox.methods.editing import delete_stored
from sandbox.methods.registry import Ctx, method
from sandbox.models import ChatRecord, Topic, UserRecord
from sandbox.state import State

ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
NO_RIGHTS = "not enough rights to manage topics in the chat"


def forum_chat(state: State, chat_id: Any) -> ChatRecord:
    chat = state.get_chat(chat_id)
    if chat.type != "supergroup":
        raise bad_request("method is available only for supergroups")
    ensure_bot_member(chat)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _topic(chat: ChatRecord, thread_id: int, *, may_manage: bool) -> Topic:
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise bad_request("TOPIC_ID_INVALID")
    if not may_manage:
        raise bad_request(NO_RIGHTS)
    return topic


def open_topic(
    state: State, chat: ChatRecord, creator: UserRecord, name: str, icon_color: int, emoji: str | None
) -> Topic:
    """Create a topic with its forum_topic_created service message (shared with the emulator actions)."""
    service: dict[str, Any] = {"name": name, "icon_color": icon_color}
    if emoji:
        service["icon_custom_emoji_id"] = emoji
    thread_id = chat.next_message_id
    topic = Topic(thread_id, name, icon_color, emoji, created_by=creator.id)
    chat.topics[thread_id] = topic
    state.create_message(chat, creator, {"forum_topic_created": service}, thread_id=thread_id, service=True)
    state.emit("topic", chat_id=chat.id, topic=topic.as_dict(), action="created")
    return topic


def _check_name(name: str, *, allow_empty: bool) -> None:
    if len(name) > 128 or (not name.strip() and not allow_empty):
        raise bad_request("TOPIC_NAME_INVALID")


def _may_manage(state: State, chat: ChatRecord, topic_id: int | None = None) -> bool:
    if chat.bot_can("can_manage_topics"):
        return True
    topic = chat.topics.get(topic_id) if topic_id is not None else None
    return topic is not None and topic.created_by == state.bot.id


@method("createForumTopic")
async def create_forum_topic(ctx: Ctx) -> Any:
    state, params = ctx.state, ctx.params
    chat = forum_chat(state, params["chat_id"])
    if not chat.bot_can("can_manage_topics"):
        raise bad_request(NO_RIGHTS)
    _check_name(params["name"], allow_empty=False)
    color = params.get("icon_color", ICON_COLORS[0])
    if color not in ICON_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    return open_topic(state, chat, state.bot, params["name"], color, params.get("icon_custom_emoji_id")).as_dict()


def _service(state: State, chat: ChatRecord, topic: Topic, content: dict[str, Any], action: str) -> None:
    state.create_message(chat, state.bot, content, thread_id=topic.message_thread_id, service=True)
    state.emit("topic", chat_id=chat.id, topic=topic.as_dict(), action=action)


@method("editForumTopic")
async def edit_forum_topic(ctx: Ctx) -> Any:
    state, params = ctx.state, ctx.params
    chat = forum_chat(state, params["chat_id"])
    thread_id = params["message_thread_id"]
    topic = _topic(chat, thread_id, may_manage=_may_manage(state, chat, thread_id))
    name = params.get("name") or ""
    _check_name(name, allow_empty=True)
    changes: dict[str, Any] = {}
    if name and name != topic.name:
        changes["name"] = name
    emoji = params.get("icon_custom_emoji_id")
    if emoji is not None and emoji != (topic.icon_custom_emoji_id or ""):
        changes["icon_custom_emoji_id"] = emoji
    if not changes:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.name = changes.get("name", topic.name)
    if "icon_custom_emoji_id" in changes:
        topic.icon_custom_emoji_id = emoji or None
    _service(state, chat, topic, {"forum_topic_edited": changes}, "edited")
    return True


async def _set_closed(ctx: Ctx, closed: bool) -> Any:
    state, params = ctx.state, ctx.params
    chat = forum_chat(state, params["chat_id"])
    thread_id = params["message_thread_id"]
    topic = _topic(chat, thread_id, may_manage=_may_manage(state, chat, thread_id))
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    key = "forum_topic_closed" if closed else "forum_topic_reopened"
    _service(state, chat, topic, {key: {}}, "closed" if closed else "reopened")
    return True


@method("closeForumTopic")
async def close_forum_topic(ctx: Ctx) -> Any:
    return await _set_closed(ctx, True)


@method("reopenForumTopic")
async def reopen_forum_topic(ctx: Ctx) -> Any:
    return await _set_closed(ctx, False)


@method("deleteForumTopic")
async def delete_forum_topic(ctx: Ctx) -> Any:
    state, params = ctx.state, ctx.params
    chat = forum_chat(state, params["chat_id"])
    if not chat.bot_can("can_delete_messages"):
        raise bad_request(NO_RIGHTS)
    topic = _topic(chat, params["message_thread_id"], may_manage=True)
    for stored in [m for m in chat.messages.values() if m.thread_id == topic.message_thread_id]:
        delete_stored(state, chat, stored.message_id)
    topic.deleted = True
    state.emit("topic", chat_id=chat.id, topic=topic.as_dict(), action="deleted")
    return True


@method("unpinAllForumTopicMessages")
async def unpin_all_forum_topic_messages(ctx: Ctx) -> Any:
    state, params = ctx.state, ctx.params
    chat = forum_chat(state, params["chat_id"])
    if not chat.bot_can("can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    topic = _topic(chat, params["message_thread_id"], may_manage=True)
    chat.pinned = [i for i in chat.pinned if (m := chat.messages.get(i)) and m.thread_id != topic.message_thread_id]
    return True


@method("getForumTopicIconStickers")
async def get_forum_topic_icon_stickers(ctx: Ctx) -> Any:
    return []

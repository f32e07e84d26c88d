"""getChat, members, leaveChat, pinning, sendChatAction, getFile."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request
from sandbox.methods.common import ensure_bot_member, message_in, resolve_thread, sendable_chat
from sandbox.methods.registry import Ctx, method
from sandbox.models import ChatRecord, Member
from sandbox.shapes import chat_full_info, chat_member_updated, member_dict, member_of
from sandbox.state import State

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip


def _visible_chat(state: State, chat_id: Any) -> ChatRecord:
    chat = state.get_chat(chat_id)
    if chat.is_group and chat.bot_status in ("left", "kicked"):
        ensure_bot_member(chat)
    return chat


@method("getChat")
async def get_chat(ctx: Ctx) -> Any:
    chat = _visible_chat(ctx.state, ctx.params["chat_id"])
    return chat_full_info(ctx.state, chat)


@method("getChatMember")
async def get_chat_member(ctx: Ctx) -> Any:
    chat = _visible_chat(ctx.state, ctx.params["chat_id"])
    user_id = ctx.params["user_id"]
    if user_id not in ctx.state.users:
        raise bad_request("PARTICIPANT_ID_INVALID")
    return member_of(ctx.state, chat, user_id)


@method("getChatAdministrators")
async def get_chat_administrators(ctx: Ctx) -> Any:
    state = ctx.state
    chat = _visible_chat(state, ctx.params["chat_id"])
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [
        member_dict(state, chat, state.users[uid], member)
        for uid, member in chat.members.items()
        if member.status in ("creator", "administrator")
    ]
    if chat.bot_status == "administrator":
        admins.append(member_of(state, chat, state.bot.id))
    return admins


@method("getChatMemberCount")
async def get_chat_member_count(ctx: Ctx) -> Any:
    chat = _visible_chat(ctx.state, ctx.params["chat_id"])
    if chat.type == "private":
        return 2
    present = [m for m in chat.members.values() if m.status in ("creator", "administrator", "member", "restricted")]
    return len(present) + (1 if chat.bot_status in ("member", "administrator") else 0)


@method("leaveChat")
async def leave_chat(ctx: Ctx) -> Any:
    state = ctx.state
    chat = state.get_chat(ctx.params["chat_id"])
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    ensure_bot_member(chat)
    old = Member(chat.bot_status, dict(chat.bot_rights))
    chat.bot_status, chat.bot_rights = "left", {}
    state.queue_update("my_chat_member", chat_member_updated(state, chat, state.bot, state.bot, old, Member("left")))
    state.emit("bot_left", chat_id=chat.id)
    return True


def _pin_rights(chat: ChatRecord) -> None:
    if chat.is_group and not chat.bot_can("can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")


@method("pinChatMessage")
async def pin_chat_message(ctx: Ctx) -> Any:
    chat = sendable_chat(ctx.state, ctx.params["chat_id"])
    _pin_rights(chat)
    stored = message_in(chat, ctx.params["message_id"], "message to pin not found")
    if stored.service:
        raise bad_request("message can't be pinned")
    if stored.message_id in chat.pinned:
        chat.pinned.remove(stored.message_id)
    chat.pinned.append(stored.message_id)
    ctx.state.emit("pin", chat_id=chat.id, message_id=stored.message_id)
    return True


@method("unpinChatMessage")
async def unpin_chat_message(ctx: Ctx) -> Any:
    chat = sendable_chat(ctx.state, ctx.params["chat_id"])
    _pin_rights(chat)
    message_id = ctx.params.get("message_id") or (chat.pinned[-1] if chat.pinned else None)
    if message_id is None or message_id not in chat.pinned:
        raise bad_request("message to unpin not found")
    chat.pinned.remove(message_id)
    ctx.state.emit("unpin", chat_id=chat.id, message_id=message_id)
    return True


@method("unpinAllChatMessages")
async def unpin_all_chat_messages(ctx: Ctx) -> Any:
    chat = sendable_chat(ctx.state, ctx.params["chat_id"])
    _pin_rights(chat)
    chat.pinned.clear()
    ctx.state.emit("unpin", chat_id=chat.id, message_id=None)
    return True


@method("sendChatAction")
async def send_chat_action(ctx: Ctx) -> Any:
    chat = sendable_chat(ctx.state, ctx.params["chat_id"])
    resolve_thread(chat, ctx.params.get("message_thread_id"), can_manage=True)
    if ctx.params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    ctx.state.emit("chat_action", chat_id=chat.id, action=ctx.params["action"])
    return True


@method("getFile")
async def get_file(ctx: Ctx) -> Any:
    record = ctx.state.files.get(ctx.params["file_id"].strip())
    if record is None:
        raise bad_request("invalid file_id")
    if len(record.data) > 20 * 1024 * 1024:
        raise bad_request("file is too big")
    return record.as_file()

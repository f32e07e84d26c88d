"""More control endpoints under ``/_sandbox/``: everything in one snapshot, members, uploads, file bytes.

Registered by :func:`sandbox.control.setup`, so they exist headless too (the chat page needs them most):

* ``GET  /_sandbox/snapshot`` — bot, users, every chat with its messages (and, for groups, members and
  topics), the command menus and the page hints, plus ``seq`` to continue with the event stream;
* ``GET  /_sandbox/groups/{chat_id}/members`` — ``[{"user": User, "status": ...}]``;
* ``POST /_sandbox/users/{user_id}/upload`` — multipart ``file`` plus ``kind`` (photo, document, voice,
  video), optional ``caption``, ``chat_id``, ``thread_id``; returns the Message;
* ``GET  /_sandbox/files/{file_id}`` — the bytes of a stored file (``?download=1``: as an attachment).
  Unlike ``/file/bot<token>/...`` this is not a call of the bot and needs no token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from sandbox.models import ChatRecord, FileRecord
from sandbox.state import State

if TYPE_CHECKING:
    from sandbox.control import Route
    from sandbox.emulator import Emulator

UPLOAD_KINDS = ("photo", "document", "voice", "video")
_IMAGE_MAGIC = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "image/webp"}


def _scope(**scope: Any) -> str:
    return json.dumps(scope, sort_keys=True)


def commands_for(state: State, chat: ChatRecord, user_id: int) -> list[dict[str, Any]]:
    """The command menu ``user_id`` sees in ``chat``, by Telegram's documented order of scopes."""
    user = state.users.get(user_id)
    language = (user.language_code or "") if user else ""
    if chat.type == "private":
        scopes = [_scope(chat_id=chat.id, type="chat"), _scope(type="all_private_chats")]
    else:
        member = chat.members.get(user_id)
        admin = member is not None and member.status in ("creator", "administrator")
        scopes = [_scope(chat_id=chat.id, type="chat_member", user_id=user_id)]
        scopes += [_scope(chat_id=chat.id, type="chat_administrators")] if admin else []
        scopes += [_scope(chat_id=chat.id, type="chat")]
        scopes += [_scope(type="all_chat_administrators")] if admin else []
        scopes += [_scope(type="all_group_chats")]
    for key in [*scopes, "default"]:
        for lang in dict.fromkeys((language, "")):
            found = state.commands.get((key, lang))
            if found is not None:
                return found
    return []


def members_of(state: State, chat: ChatRecord) -> list[dict[str, Any]]:
    return [
        {"user": state.users[uid].as_dict(), "status": member.status}
        for uid, member in chat.members.items()
        if uid in state.users
    ]


def _chat_entry(state: State, chat: ChatRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": chat.id,
        "type": chat.type,
        "messages": [stored.data for stored in chat.messages.values()],
        "reply_keyboard": chat.reply_keyboard,
    }
    if chat.type == "private":
        assert chat.user_id is not None
        entry.update(user_id=chat.user_id, blocked=chat.blocked, started=chat.started)
        entry["commands"] = commands_for(state, chat, chat.user_id)
        return entry
    entry.update(title=chat.title or "", is_forum=chat.is_forum, bot_status=chat.bot_status)
    entry["members"] = members_of(state, chat)
    entry["topics"] = [
        {**topic.as_dict(), "closed": topic.closed} for topic in chat.topics.values() if not topic.deleted
    ]
    entry["commands"] = {str(uid): commands_for(state, chat, uid) for uid in chat.members}
    entry["pinned"] = list(chat.pinned)
    return entry


def snapshot(state: State, hints: dict[str, Any] | None = None) -> dict[str, Any]:
    last_call = state.calls[-1].at if state.calls else None
    return {
        "seq": state.seq,
        "bot": state.bot.as_dict(),
        "bot_seen_ago": None if last_call is None else max(0.0, state.clock() - last_call),
        "users": [user.as_dict() for user in state.users.values() if not user.is_bot],
        "chats": [_chat_entry(state, chat) for chat in state.chats.values()],
        "hints": dict(hints or {}),
    }


def file_response(record: FileRecord, download: bool) -> web.Response:
    """Serve stored bytes safely on the page's origin: only raster images inline, all else as attachment."""
    mime = str(record.meta.get("mime_type") or "")
    if record.kind in ("photo", "sticker") and not mime.startswith("image/"):
        mime = next((m for magic, m in _IMAGE_MAGIC.items() if record.data.startswith(magic)), "image/jpeg")
    mime = mime or "application/octet-stream"
    name = str(record.meta.get("file_name") or record.file_path.rsplit("/", 1)[-1])
    inline = not download and mime in _IMAGE_MAGIC.values()
    disposition = "inline" if inline else f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    headers = {
        "Content-Disposition": disposition,
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=3600",
    }
    return web.Response(body=record.data, content_type=mime if inline else "application/octet-stream", headers=headers)


def routes(emulator_of: Callable[[web.Request], Emulator]) -> list[tuple[str, str, Route]]:
    """(verb, path, handler) for :func:`sandbox.control.setup`; ``emulator_of(request)`` finds the emulator."""

    def ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result}, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def get_snapshot(request: web.Request) -> web.StreamResponse:
        emu = emulator_of(request)
        return ok(snapshot(emu.state, emu.page_hints))

    async def get_members(request: web.Request) -> web.StreamResponse:
        emu = emulator_of(request)
        chat = emu.state.chats.get(int(request.match_info["chat_id"]))
        if chat is None or not chat.is_group:
            raise LookupError("group not found")
        return ok(members_of(emu.state, chat))

    async def upload(request: web.Request) -> web.StreamResponse:
        emu = emulator_of(request)
        user = emu.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise LookupError("user not found")
        form = await request.post()
        part, kind = form.get("file"), str(form.get("kind", "document"))
        if not isinstance(part, web.FileField):
            raise ValueError("multipart field 'file' expected")
        if kind not in UPLOAD_KINDS:
            raise ValueError(f"kind must be one of {', '.join(UPLOAD_KINDS)}")
        data = part.file.read()
        if not data:
            raise ValueError("the file is empty")
        caption = str(form["caption"]) if form.get("caption") else None
        chat = emu.groups[int(str(form["chat_id"]))] if form.get("chat_id") else None
        thread = int(str(form["thread_id"])) if form.get("thread_id") else None
        if kind == "document":
            mime = part.content_type or "application/octet-stream"
            sent = user.send_document(part.filename or "file", data, mime, caption, chat=chat, thread_id=thread)
        elif kind == "photo":
            sent = user.send_photo(data, caption, chat=chat, thread_id=thread)
        elif kind == "voice":
            sent = user.send_voice(data, caption, chat=chat, thread_id=thread)
        else:
            sent = user.send_video(data, caption, chat=chat, thread_id=thread)
        return ok(sent)

    async def get_file(request: web.Request) -> web.StreamResponse:
        emu = emulator_of(request)
        record = emu.state.files.get(request.match_info["file_id"])
        if record is None:
            raise LookupError("file not found")
        return file_response(record, request.query.get("download") == "1")

    return [
        ("GET", "/_sandbox/snapshot", get_snapshot),
        ("GET", "/_sandbox/groups/{chat_id}/members", get_members),
        ("POST", "/_sandbox/users/{user_id}/upload", upload),
        ("GET", "/_sandbox/files/{file_id}", get_file),
    ]

"""Control API under ``/_sandbox/`` (JSON): drive emulated users and watch the state.

Meant for a web chat page and for bots/tests in other processes. Responses: ``{"ok": true, "result": ...}``
or ``{"ok": false, "error": "..."}``. Events: ``GET /_sandbox/events?since=SEQ&timeout=S`` (long poll)
or ``GET /_sandbox/events/stream`` (server-sent events).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox import overview
from sandbox.handles import GroupHandle, UserHandle
from sandbox.shapes import chat_dict

if TYPE_CHECKING:
    from sandbox.emulator import Emulator

EMULATOR_KEY: web.AppKey[Any] = web.AppKey("emulator", object)
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result}, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _emu(request: web.Request) -> Emulator:
    emulator: Emulator = request.app[EMULATOR_KEY]
    return emulator


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("JSON object expected")
    return body


def _guarded(route: Route) -> Route:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await route(request)
        except (LookupError, KeyError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=404)
        except (ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)

    return wrapper


def _user(request: web.Request) -> UserHandle:
    user_id = int(request.match_info["user_id"])
    if user_id not in _emu(request).users:
        raise LookupError(f"user {user_id} not found")
    return _emu(request).users[user_id]


def _group(emu: Emulator, chat_id: Any) -> GroupHandle | None:
    if chat_id is None:
        return None
    if int(chat_id) not in emu.groups:
        raise LookupError(f"group {chat_id} not found")
    return emu.groups[int(chat_id)]


async def info(request: web.Request) -> web.StreamResponse:
    emu = _emu(request)
    state = emu.state
    return _ok(
        {
            "bot": state.bot.as_dict(),
            "api_version": state.spec.version,
            "users": [u.as_dict() for u in emu.users.values()],
            "chats": [chat_dict(state, c) for c in state.chats.values()],
            "pending_updates": len(state.updates),
            "seq": state.seq,
            "limits": dataclasses.asdict(state.limits),
        }
    )


async def add_user(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    user = _emu(request).add_user(
        str(body["first_name"]),
        last_name=body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code"),
        started=bool(body.get("started", True)),
    )
    return _ok(user.as_dict())


async def user_action(request: web.Request) -> web.StreamResponse:
    user, body, action = _user(request), await _body(request), request.match_info["action"]
    emu = _emu(request)
    chat, thread = _group(emu, body.get("chat_id")), body.get("thread_id")
    if action in ("block", "unblock"):
        user.block() if action == "block" else user.unblock()
        return _ok(True)
    if action == "text":
        return _ok(user.send_text(str(body["text"]), chat=chat, thread_id=thread))
    if action == "command":
        return _ok(user.send_command(str(body["command"]), body.get("args"), chat=chat, thread_id=thread))
    if action == "press":
        return _ok(user.press(str(body["button"]), body.get("message_id"), chat=chat))
    if action == "location":
        latitude, longitude, period = float(body["latitude"]), float(body["longitude"]), body.get("live_period")
        live = int(period) if period else None
        return _ok(user.send_location(latitude, longitude, chat=chat, thread_id=thread, live_period=live))
    if action == "move_location":
        message_id, latitude, longitude = int(body["message_id"]), float(body["latitude"]), float(body["longitude"])
        return _ok(user.move_location(message_id, latitude, longitude, chat=chat))
    if action == "stop_location":
        return _ok(user.stop_location(int(body["message_id"]), chat=chat))
    if action == "edit":
        return _ok(user.edit(int(body["message_id"]), str(body["text"]), chat=chat))
    if action == "reply":
        return _ok(user.reply_to(int(body["message_id"]), str(body["text"]), chat=chat, thread_id=thread))
    if action == "contact":
        return _ok(user.send_contact(str(body["phone_number"]), str(body["first_name"]), chat=chat, thread_id=thread))
    content = base64.b64decode(body["content_base64"]) if body.get("content_base64") else None
    if action == "document":
        name = str(body.get("filename", "document.pdf"))
        mime = str(body.get("mime_type", "application/octet-stream"))
        return _ok(user.send_document(name, content, mime, body.get("caption"), chat=chat, thread_id=thread))
    if action == "photo":
        return _ok(user.send_photo(content, body.get("caption"), chat=chat, thread_id=thread))
    if action == "voice":
        return _ok(user.send_voice(content, body.get("caption"), chat=chat, thread_id=thread))
    if action == "sticker":
        return _ok(user.send_sticker(chat=chat, thread_id=thread))
    raise LookupError(f"unknown action {action!r}")


async def chat_messages(request: web.Request) -> web.StreamResponse:
    state = _emu(request).state
    chat = state.chats.get(int(request.match_info["chat_id"]))
    if chat is None:
        raise LookupError("chat not found")
    thread = request.query.get("thread_id")
    messages = [m.data for m in chat.messages.values() if thread is None or m.thread_id == (int(thread) or None)]
    return _ok(messages)


async def add_group(request: web.Request) -> web.StreamResponse:
    body, emu = await _body(request), _emu(request)
    creator = emu.users.get(int(body["creator_id"])) if body.get("creator_id") else None
    if body.get("forum", True):
        group = emu.add_forum_group(
            str(body.get("title", "Team")),
            bool(body.get("bot_is_admin", True)),
            body.get("bot_rights"),
            creator=creator,
        )
    else:
        group = emu.add_group(
            str(body.get("title", "Group")), bot_is_admin=bool(body.get("bot_is_admin")), creator=creator
        )
    return _ok(chat_dict(emu.state, group.record))


async def group_members(request: web.Request) -> web.StreamResponse:
    emu, body = _emu(request), await _body(request)
    group = _group(emu, request.match_info["chat_id"])
    assert group is not None
    group.add_member(emu.users[int(body["user_id"])], str(body.get("status", "member")))
    return _ok(True)


async def group_topics(request: web.Request) -> web.StreamResponse:
    emu = _emu(request)
    group = _group(emu, request.match_info["chat_id"])
    assert group is not None
    if request.method == "POST":
        body = await _body(request)
        return _ok(group.create_topic(str(body["name"]), emu.users[int(body["user_id"])]))
    return _ok([dataclasses.asdict(t) for t in group.topics.values()])


async def group_messages(request: web.Request) -> web.StreamResponse:
    group = _group(_emu(request), request.match_info["chat_id"])
    assert group is not None
    thread = request.query.get("thread_id")
    return _ok(group.messages(int(thread) if thread else None))


async def calls(request: web.Request) -> web.StreamResponse:
    since = int(request.query.get("since", "0"))
    return _ok([dataclasses.asdict(c) for c in _emu(request).calls[since:]])


async def limits(request: web.Request) -> web.StreamResponse:
    state = _emu(request).state
    if request.method == "POST":
        for key, value in (await _body(request)).items():
            if not hasattr(state.limits, key):
                raise ValueError(f"unknown limit {key!r}")
            setattr(state.limits, key, type(getattr(state.limits, key))(value))
    return _ok(dataclasses.asdict(state.limits))


async def events(request: web.Request) -> web.StreamResponse:
    state = _emu(request).state
    since = int(request.query.get("since", "0"))
    timeout = min(float(request.query.get("timeout", "25")), 60.0)
    if state.seq <= since and not state.closing:
        await state.wait_change(timeout)
    return _ok({"seq": state.seq, "events": [e for e in state.events if e["seq"] > since]})


async def event_stream(request: web.Request) -> web.StreamResponse:
    state = _emu(request).state
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    # EventSource resends the last id it saw when it reconnects: continue from there.
    since = int(request.headers.get("Last-Event-ID") or request.query.get("since", str(state.seq)))
    try:
        while not state.closing:
            for event in [e for e in state.events if e["seq"] > since]:
                data = json.dumps(event, ensure_ascii=False)
                await response.write(f"id: {event['seq']}\ndata: {data}\n\n".encode())
                since = event["seq"]
            if not await state.wait_change(15.0):
                await response.write(b": keep-alive\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


def setup(app: web.Application, emulator: Emulator) -> None:
    app[EMULATOR_KEY] = emulator
    routes: list[tuple[str, str, Route]] = [
        *overview.routes(_emu),  # first: users/{id}/upload must win over users/{id}/{action}
        ("GET", "/_sandbox/", info),
        ("POST", "/_sandbox/users", add_user),
        ("POST", "/_sandbox/users/{user_id}/{action}", user_action),
        ("GET", "/_sandbox/chats/{chat_id}/messages", chat_messages),
        ("POST", "/_sandbox/groups", add_group),
        ("POST", "/_sandbox/groups/{chat_id}/members", group_members),
        ("*", "/_sandbox/groups/{chat_id}/topics", group_topics),
        ("GET", "/_sandbox/groups/{chat_id}/messages", group_messages),
        ("GET", "/_sandbox/calls", calls),
        ("*", "/_sandbox/limits", limits),
        ("GET", "/_sandbox/events", events),
        ("GET", "/_sandbox/events/stream", event_stream),
    ]
    for verb, path, route in routes:
        app.router.add_route(verb, path, _guarded(route))

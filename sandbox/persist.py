"""The emulated world on disk: users, chats, messages, topics, files and the update queue, as one JSON file.

For the local demo, so that a restart finds everything where it was and the bot's database still agrees
with it. What is not kept: the log of calls and events (the event sequence number goes on from where it was),
the flood-limit counters, callback queries already answered, and webhooks.

    persist.save(emu, path, extra={...})   # atomically; ``extra`` is the caller's own bookkeeping
    data = persist.read(path)              # StateError if it is unreadable or from another format/bot
    persist.restore(emu, data)             # into an emulator that has not been started; returns ``extra``
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox.handles import GroupHandle, UserHandle
from sandbox.models import CallbackQueryRecord, ChatRecord, FileRecord, Member, StoredMessage, Topic, UserRecord

if TYPE_CHECKING:
    from sandbox.emulator import Emulator

FORMAT = 1


class StateError(Exception):
    """The saved world cannot be used (missing, damaged, another format, or another bot's)."""


def _chat(chat: ChatRecord) -> dict[str, Any]:
    data = dataclasses.asdict(chat)
    data["members"] = [[uid, dataclasses.asdict(m)] for uid, m in chat.members.items()]
    data["messages"] = [dataclasses.asdict(m) for m in chat.messages.values()]
    data["topics"] = [dataclasses.asdict(t) for t in chat.topics.values()]
    return data


def _file(record: FileRecord) -> dict[str, Any]:
    data = dataclasses.asdict(record)
    data["data"] = base64.b64encode(record.data).decode("ascii")
    return data


def dump(emu: Emulator, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    state = emu.state
    return {
        "format": FORMAT,
        "bot_id": state.bot.id,
        "seq": state.seq,
        "next_update_id": state.next_update_id,
        "allowed_updates": sorted(state.allowed_updates),
        "users": [dataclasses.asdict(u) for u in state.users.values() if not u.is_bot],
        "chats": [_chat(c) for c in state.chats.values()],
        "files": [_file(f) for f in state.files.values()],
        "updates": [list(u) for u in state.updates],
        "callback_queries": [dataclasses.asdict(q) for q in state.callback_queries.values() if not q.answered],
        "commands": [[scope, lang, cmds] for (scope, lang), cmds in state.commands.items()],
        "bot_texts": [[kind, lang, text] for (kind, lang), text in state.bot_texts.items()],
        "menu_buttons": [[chat_id, button] for chat_id, button in state.menu_buttons.items()],
        "extra": copy.deepcopy(extra or {}),
    }


def save(emu: Emulator, path: Path, extra: dict[str, Any] | None = None) -> None:
    """Write the world to ``path`` atomically (a temporary file, then renamed), readable only by its owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(dump(emu, extra), handle, ensure_ascii=False)
    os.replace(temporary, path)


def read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateError(f"{path} cannot be read ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateError(f"{path} is not a saved sandbox of format {FORMAT}")
    return data


def _chat_record(data: dict[str, Any]) -> ChatRecord:
    members = {int(uid): Member(**m) for uid, m in data.pop("members")}
    messages = [StoredMessage(**m) for m in data.pop("messages")]
    topics = [Topic(**t) for t in data.pop("topics")]
    chat = ChatRecord(**data)
    chat.members = members
    chat.messages = {m.message_id: m for m in messages}
    chat.topics = {t.message_thread_id: t for t in topics}
    return chat


def restore(emu: Emulator, data: dict[str, Any]) -> dict[str, Any]:
    """Replace the (not yet started) emulator's world by the saved one; returns the saved ``extra``.

    Everything is built first and assigned at the end: a StateError leaves the emulator as it was.
    """
    state = emu.state
    if data.get("bot_id") != state.bot.id:
        raise StateError("the saved sandbox belongs to another bot token")
    try:
        users = {u.id: u for u in (UserRecord(**raw) for raw in data["users"])}
        chats = {c.id: c for c in (_chat_record(dict(raw)) for raw in data["chats"])}
        files = [FileRecord(**{**raw, "data": base64.b64decode(raw["data"])}) for raw in data["files"]]
        updates = [(int(uid), str(kind), dict(update)) for uid, kind, update in data["updates"]]
        queries = [CallbackQueryRecord(**raw) for raw in data["callback_queries"]]
        commands = {(str(scope), str(lang)): list(cmds) for scope, lang, cmds in data["commands"]}
        texts = {(str(kind), str(lang)): str(text) for kind, lang, text in data["bot_texts"]}
        buttons = {chat_id: dict(button) for chat_id, button in data["menu_buttons"]}
        seq, next_update_id = int(data["seq"]), int(data["next_update_id"])
        allowed = frozenset(str(kind) for kind in data["allowed_updates"])
        extra = dict(data.get("extra") or {})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"the saved sandbox is damaged ({type(exc).__name__}: {exc})") from None
    if any(uid not in users for chat in chats.values() for uid in chat.members if uid != state.bot.id):
        raise StateError("the saved sandbox is damaged (a member who is not a user)")
    state.users = {state.bot.id: state.bot, **users}
    state.chats = chats
    state.files = {f.file_id: f for f in files}
    state.files_by_path = {f.file_path: f for f in files}
    state.updates = updates
    state.callback_queries = {q.id: q for q in queries}
    state.commands, state.bot_texts, state.menu_buttons = commands, texts, buttons
    state.seq, state.next_update_id, state.allowed_updates = seq, next_update_id, allowed
    emu.users = {uid: UserHandle(state, user) for uid, user in users.items()}
    emu.groups = {cid: GroupHandle(state, chat) for cid, chat in chats.items() if chat.is_group}
    return extra

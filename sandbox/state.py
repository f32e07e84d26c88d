"""The emulated Telegram world: users, chats, messages, files, the update queue and the event log."""

from __future__ import annotations

import asyncio
import copy
import random
import time
from collections import deque
from typing import Any

from sandbox.config import EmulatorConfig
from sandbox.errors import bad_request
from sandbox.limits import Limits, RateLimiter
from sandbox.models import Call, CallbackQueryRecord, ChatRecord, FileRecord, Member, StoredMessage, UserRecord
from sandbox.shapes import chat_dict
from sandbox.spec import Spec, load_spec

GENERAL_TOPIC = 1
DEFAULT_UPDATES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
        "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
        "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost",
        "removed_chat_boost", "guest_message", "managed_bot",
    }
)  # fmt: skip


class State:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.spec: Spec = load_spec()
        self.rng = random.Random(config.seed)
        self.limits: Limits = config.limits
        self.limiter = RateLimiter(lambda: self.limits)
        self.clock = time.time
        prefix = config.token.split(":", 1)[0]
        bot_id = int(prefix) if prefix.isdigit() else self.rng.randrange(10**9, 8 * 10**9)
        self.bot = UserRecord(bot_id, config.bot_first_name, username=config.bot_username, is_bot=True)
        self.users: dict[int, UserRecord] = {bot_id: self.bot}
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self.updates: list[tuple[int, str, dict[str, Any]]] = []
        self.next_update_id = self.rng.randrange(10**8, 9 * 10**8)
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.calls: list[Call] = []
        self.events: deque[dict[str, Any]] = deque(maxlen=5000)
        self.seq = 0
        self._pulse = asyncio.Event()
        self.poll_generation = 0
        self.get_updates_hangs = 0  # a fault for tests: the next n getUpdates never answer (Emulator.hang_get_updates)
        self.webhook: dict[str, Any] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.closing = False

    # -- time, ids, events -------------------------------------------------------------------------
    def now(self) -> int:
        return int(self.clock())

    def new_user_id(self) -> int:
        while (uid := self.rng.randrange(10**8, 8 * 10**9)) in self.users:
            pass
        return uid

    def new_group_id(self, supergroup: bool) -> int:
        while True:
            gid = -(10**12 + self.rng.randrange(10**9, 10**10)) if supergroup else -self.rng.randrange(10**8, 10**9)
            if gid not in self.chats:
                return gid

    def token(self, nbytes: int = 24) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(self.rng.choice(alphabet) for _ in range(nbytes))

    def emit(self, kind: str, **data: Any) -> None:
        """Record a state change and wake everybody waiting for one."""
        self.seq += 1
        self.events.append({"seq": self.seq, "kind": kind, **data})
        pulse, self._pulse = self._pulse, asyncio.Event()
        pulse.set()

    async def wait_change(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until the next :meth:`emit` (True) or ``timeout`` (False)."""
        pulse = self._pulse
        try:
            await asyncio.wait_for(pulse.wait(), max(timeout, 0.0))
        except TimeoutError:
            return False
        return True

    def record_call(self, call: Call) -> None:
        self.calls.append(call)
        self.emit("call", method=call.method, status=call.status, description=call.description)

    # -- users and chats ---------------------------------------------------------------------------
    def add_user(self, first_name: str, **kwargs: Any) -> UserRecord:
        user = UserRecord(self.new_user_id(), first_name, **kwargs)
        self.users[user.id] = user
        # Private chat message ids are per account in Telegram: start somewhere, never rely on 1.
        self.chats[user.id] = ChatRecord(
            user.id, "private", user_id=user.id, next_message_id=self.rng.randrange(2, 400)
        )
        self.emit("user", user=user.as_dict())
        return user

    def add_group(self, title: str, *, supergroup: bool, forum: bool, creator: UserRecord) -> ChatRecord:
        chat = ChatRecord(self.new_group_id(supergroup), "supergroup" if supergroup else "group", title=title)
        chat.is_forum = forum
        chat.bot_status = "left"
        chat.creator_id = creator.id
        chat.members[creator.id] = Member("creator")
        self.chats[chat.id] = chat
        created = "supergroup_chat_created" if supergroup else "group_chat_created"
        # Message 1 is the creation service message (and the General topic's id in forums).
        self.create_message(chat, creator, {created: True}, service=True)
        self.emit("chat", chat=chat_dict(self, chat))
        return chat

    def get_chat(self, chat_id: int | str) -> ChatRecord:
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def user_of(self, user_id: int) -> UserRecord:
        user = self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return user

    # -- messages ----------------------------------------------------------------------------------
    def create_message(
        self,
        chat: ChatRecord,
        sender: UserRecord,
        content: dict[str, Any],
        *,
        thread_id: int | None = None,
        reply_to: StoredMessage | None = None,
        service: bool = False,
    ) -> StoredMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: dict[str, Any] = {"message_id": message_id}
        if thread_id is not None and thread_id != GENERAL_TOPIC:
            data["message_thread_id"] = thread_id
        data.update({"from": sender.as_dict(), "chat": chat_dict(self, chat), "date": self.now()})
        if thread_id is not None and thread_id != GENERAL_TOPIC and chat.is_forum:
            data["is_topic_message"] = True
            if reply_to is None and not service:
                reply_to = chat.messages.get(thread_id)
        if reply_to is not None:
            snapshot = copy.deepcopy(reply_to.data)
            snapshot.pop("reply_to_message", None)
            data["reply_to_message"] = snapshot
        data.update(content)
        thread = thread_id if thread_id != GENERAL_TOPIC else None
        stored = StoredMessage(data, sender.id, sender.id == self.bot.id, service, thread)
        chat.messages[message_id] = stored
        self.emit("message", chat_id=chat.id, outgoing=stored.outgoing, message=copy.deepcopy(data))
        return stored

    def find_message(self, chat: ChatRecord, message_id: int) -> StoredMessage | None:
        return chat.messages.get(message_id)

    # -- updates -----------------------------------------------------------------------------------
    def queue_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        if kind not in self.allowed_updates:
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append((update_id, kind, {"update_id": update_id, kind: copy.deepcopy(payload)}))
        self.emit("update", update_id=update_id, type=kind)
        return update_id

    def confirm_updates(self, offset: int) -> None:
        """Forget updates below ``offset`` (negative: keep only the last ``-offset`` ones)."""
        before = len(self.updates)
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u[0] >= offset]
        if len(self.updates) != before:
            self.emit("updates_confirmed", pending=len(self.updates))

    def member_status(self, chat: ChatRecord, user_id: int) -> str:
        if user_id == self.bot.id:
            return chat.bot_status
        member = chat.members.get(user_id)
        return member.status if member else "left"

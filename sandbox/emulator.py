"""The :class:`Emulator`: owns the state, the aiohttp server and the test-facing API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from sandbox import actions, control
from sandbox.config import EmulatorConfig
from sandbox.handles import GroupHandle, UserHandle
from sandbox.limits import Limits
from sandbox.models import Call, CallbackQueryRecord
from sandbox.server import build_app
from sandbox.state import State
from sandbox.web import attach as attach_page
from sandbox.webhook import deliver_forever

T = TypeVar("T")
log = logging.getLogger("sandbox")


class Emulator:
    """A local Telegram Bot API. Everything runs in the caller's event loop."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.state = State(self.config)
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.users: dict[int, UserHandle] = {}
        self.groups: dict[int, GroupHandle] = {}
        # For the chat page (sandbox.web): {"staff_chat_id": ..., "coordinator_id": ...}; set any time.
        self.page_hints: dict[str, Any] = {}

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        self.state.closing = False
        app = build_app(self.state)
        control.setup(app, self)
        if self.config.web:
            attach_page(app, self)
        # handler_cancellation: a long poll whose client went away (bot stopped or killed) ends silently
        # instead of later answering a dead connection (and showing up as a 409 in ``calls``).
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])
        self._webhook_task = asyncio.create_task(deliver_forever(self.state), name="sandbox-webhook")
        log.info("Telegram Bot API emulator listening on %s", self.api_url)

    async def stop(self) -> None:
        self.state.closing = True
        self.state.emit("closing")
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(base_url=...)``."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_url}/file/bot"

    # -- the world ---------------------------------------------------------------------------------
    @property
    def bot_user(self) -> dict[str, Any]:
        return self.state.bot.as_dict()

    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        *,
        started: bool = True,
    ) -> UserHandle:
        """A user; ``started=False``: never opened the bot, so sending to them is 403."""
        record = self.state.add_user(first_name, last_name=last_name, username=username, language_code=language_code)
        self.state.chats[record.id].started = started
        handle = UserHandle(self.state, record)
        self.users[record.id] = handle
        return handle

    def user(self, user_id: int) -> UserHandle:
        return self.users[user_id]

    def _group(
        self,
        title: str,
        *,
        forum: bool,
        supergroup: bool,
        bot_status: str | None,
        bot_rights: dict[str, bool] | None,
        creator: UserHandle | None,
    ) -> GroupHandle:
        owner = creator or self.add_user(f"{title} owner", started=False)
        chat = self.state.add_group(title, supergroup=supergroup, forum=forum, creator=owner.record)
        handle = GroupHandle(self.state, chat)
        self.groups[chat.id] = handle
        if bot_status is not None:
            actions.set_bot_membership(self.state, chat, owner.record, bot_status, bot_rights)
        return handle

    def add_forum_group(
        self,
        title: str = "Team",
        bot_is_admin: bool = True,
        bot_rights: dict[str, bool] | None = None,
        *,
        creator: UserHandle | None = None,
        add_bot: bool = True,
    ) -> GroupHandle:
        """A supergroup with topics; the bot is added (queues my_chat_member) unless add_bot=False."""
        rights = {"can_manage_topics": True, "can_delete_messages": True} if bot_rights is None else bot_rights
        status = ("administrator" if bot_is_admin else "member") if add_bot else None
        return self._group(title, forum=True, supergroup=True, bot_status=status, bot_rights=rights, creator=creator)

    def add_group(
        self,
        title: str = "Group",
        *,
        supergroup: bool = False,
        bot_is_admin: bool = False,
        bot_rights: dict[str, bool] | None = None,
        creator: UserHandle | None = None,
        add_bot: bool = True,
    ) -> GroupHandle:
        """A plain (non-forum) group; by default the bot is added as a member (queues my_chat_member)."""
        status = ("administrator" if bot_is_admin else "member") if add_bot else None
        return self._group(
            title, forum=False, supergroup=supergroup, bot_status=status, bot_rights=bot_rights, creator=creator
        )

    # -- observing ---------------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        return self.state.calls

    def errors(self) -> list[Call]:
        return [call for call in self.state.calls if call.status >= 400]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.state.calls if call.method.lower() == method.lower()]

    def updates_pending(self) -> int:
        return len(self.state.updates)

    def hang_get_updates(self, times: int = 1) -> None:
        """A fault: the next ``times`` getUpdates calls never answer (until the client gives up or the emulator
        stops), as when a connection silently dies."""
        self.state.get_updates_hangs += times

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        record: CallbackQueryRecord | None = self.state.callback_queries.get(query_id)
        return record.answer if record else None

    @property
    def limits(self) -> Limits:
        return self.state.limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        self.state.limits = value

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """setMyCommands results keyed by (scope JSON or "default", language_code or "")."""
        return self.state.commands

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:  # noqa: ASYNC109
        """Re-evaluate ``predicate`` after every state change until it is truthy; return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._timeout_message(predicate, timeout))
            await self.state.wait_change(remaining)

    def _timeout_message(self, predicate: Callable[[], Any], timeout: float) -> str:
        name = getattr(predicate, "__qualname__", repr(predicate))
        code = getattr(predicate, "__code__", None)
        where = f" ({code.co_filename}:{code.co_firstlineno})" if code else ""
        recent = "; ".join(
            f"{c.method}->{c.status}{' ' + c.description if c.description else ''}"
            for c in self.state.calls[-8:]
            if c.method != "getUpdates" or c.status != 200
        )
        errors = self.errors()[-3:]
        return (
            f"condition {name}{where} not met within {timeout}s; pending updates: {self.updates_pending()}; "
            f"calls so far: {len(self.state.calls)}; recent calls: [{recent}]; "
            f"recent errors: {[f'{e.method}: {e.description}' for e in errors]}"
        )

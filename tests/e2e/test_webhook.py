"""Webhook mode, end to end: the emulator delivers updates to the bot's webhook server (as Telegram does), which
stores each in the inbox and answers 200 only once it is committed; a request without Telegram's secret-token
header is answered 403 and stored nowhere."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from handoff_helpers import STAFF_NAME, open_case, wait_in_chat
from pydantic import SecretStr
from sqlalchemy import func, select
from test_intake import wait_text

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage import inbox
from storage.models import InboxUpdate

HOOK_SECRET = "test-hook-secret_0123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_port": free_port(), "webhook_secret_token": SecretStr(HOOK_SECRET)})


def hook_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.webhook_port}/telegram/hook"


@pytest.fixture
async def hook_bot(hook_settings: Settings, emulator: Emulator) -> AsyncIterator[BotRuntime]:
    async with BotRuntime(hook_settings, webhook_url=hook_url(hook_settings)) as runtime:
        yield runtime
    refused = [(c.method, c.description) for c in emulator.errors() if c.status == 400]
    assert not refused, refused


async def inbox_rows(runtime: BotRuntime) -> int:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxUpdate)) or 0)


async def test_intake_and_relay_both_ways_by_webhook(
    hook_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    [hook] = [c for c in emulator.calls_to("setWebhook") if c.status == 200]
    assert hook.params["url"] == hook_url(hook_bot.settings)
    assert hook.params["secret_token"] == HOOK_SECRET and hook.params["max_connections"] == 1
    user = emulator.add_user(first_name="Nia", language_code="en")
    thread = await open_case(emulator, user, staff_group, "hello from the webhook")
    worker.send_text("Hi Nia, how can we help?", chat=staff_group, thread_id=thread)
    await wait_in_chat(emulator, user, lambda m: m.get("text") == f"{STAFF_NAME}:\nHi Nia, how can we help?")
    assert emulator.calls_to("getUpdates") == []  # nothing polled
    assert hook_bot.webhook is not None and hook_bot.webhook.refused == 0
    assert emulator.updates_pending() == 0


async def test_a_request_without_the_secret_token_is_refused_and_not_stored(
    hook_bot: BotRuntime, emulator: Emulator
) -> None:
    url = hook_url(hook_bot.settings)
    update: dict[str, Any] = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}},
    }
    await emulator.wait_for(lambda: emulator.updates_pending() == 0)  # the bot joining the staff group, delivered
    before = await inbox_rows(hook_bot)
    async with httpx.AsyncClient() as client:
        missing = await client.post(url, json=update)
        wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guessed"})
        garbage = await client.post(url, content=b"{", headers={"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET})
    assert (missing.status_code, wrong.status_code, garbage.status_code) == (403, 403, 400)
    assert await inbox_rows(hook_bot) == before
    assert hook_bot.webhook is not None and hook_bot.webhook.refused == 2


async def test_an_update_that_could_not_be_stored_is_not_acknowledged_and_comes_again(
    hook_bot: BotRuntime, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_store, failures = inbox.store, []

    async def store_fails_once(session: Any, updates: Any) -> None:
        if not failures:
            failures.append(1)
            raise OSError("the disk is full")
        await real_store(session, updates)

    monkeypatch.setattr(inbox, "store", store_fails_once)
    user = emulator.add_user(first_name="Ole", language_code="en")
    user.send_command("start")
    await wait_text(emulator, user, "Anlaufstelle")
    info = emulator.state.webhook
    assert "500" in str(info.get("last_error_message")), info  # the first delivery was answered 500
    assert sum("Anlaufstelle" in (m.get("text") or "") for m in user.messages) == 1  # handled once
    await emulator.wait_for(lambda: emulator.updates_pending() == 0)  # all acknowledged in the end


async def test_polling_again_removes_the_webhook(hook_settings: Settings, emulator: Emulator) -> None:
    async with BotRuntime(hook_settings, webhook_url=hook_url(hook_settings)):
        assert emulator.state.webhook.get("url")
    async with BotRuntime(hook_settings):
        user = emulator.add_user(first_name="Pia", language_code="en")
        user.send_command("start")
        await wait_text(emulator, user, "Anlaufstelle")
    assert not emulator.state.webhook.get("url")
    assert any(c.status == 200 for c in emulator.calls_to("getUpdates"))

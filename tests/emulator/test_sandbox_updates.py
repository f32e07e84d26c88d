"""getUpdates: offsets, long polling, conflicts, allowed_updates; webhooks."""

from __future__ import annotations

import asyncio
import time

import pytest
import telegram
from aiohttp import web
from sandbox_testkit import Raw

from sandbox import Emulator
from tests.helpers import http_server


async def test_updates_are_confirmed_by_offset(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Amira", language_code="ar")
    user.send_text("one")
    user.send_text("two")
    assert emu.updates_pending() == 2
    first = await bot.get_updates()
    assert [u.message.text for u in first] == ["one", "two"]
    assert first[1].update_id == first[0].update_id + 1
    again = await bot.get_updates()
    assert [u.update_id for u in again] == [u.update_id for u in first], "not confirmed yet"
    rest = await bot.get_updates(offset=first[0].update_id + 1)
    assert [u.message.text for u in rest] == ["two"]
    assert emu.updates_pending() == 1
    assert await bot.get_updates(offset=first[1].update_id + 1) == ()
    assert emu.updates_pending() == 0


async def test_limit_and_negative_offset(emu: Emulator, raw: Raw) -> None:
    user = emu.add_user("Bo")
    for i in range(5):
        user.send_text(f"m{i}")
    assert len(await raw.ok("getUpdates", limit=2)) == 2
    assert len(await raw.ok("getUpdates", limit=0)) == 1  # clamped to 1..100
    last_two = await raw.ok("getUpdates", offset=-2)
    assert [u["message"]["text"] for u in last_two] == ["m3", "m4"]
    assert emu.updates_pending() == 2, "older updates are forgotten"


async def test_long_poll_returns_when_an_update_arrives(emu: Emulator, bot: telegram.Bot) -> None:
    user = emu.add_user("Chen")
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, user.send_text, "late")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates] == ["late"]
    assert 0.15 < time.monotonic() - started < 2


async def test_long_poll_times_out_empty(emu: Emulator, raw: Raw) -> None:
    started = time.monotonic()
    assert await raw.ok("getUpdates", timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_second_poller_terminates_the_first(emu: Emulator, raw: Raw) -> None:
    first = asyncio.create_task(raw.call("getUpdates", timeout=5))
    await emu.wait_for(lambda: emu.state.poll_generation == 1)
    second = asyncio.create_task(raw.call("getUpdates", timeout=1))
    response = await first
    assert response.status_code == 409
    assert response.json()["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )
    assert (await second).status_code == 200
    assert [c.status for c in emu.calls_to("getUpdates")] == [409, 200]


async def test_conflict_surfaces_in_ptb(emu: Emulator, bot: telegram.Bot, raw: Raw) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_for(lambda: emu.state.poll_generation == 1)
    await raw.ok("getUpdates")
    with pytest.raises(telegram.error.Conflict, match="terminated by other getUpdates request"):
        await waiting


async def test_allowed_updates_filters_new_updates(emu: Emulator, raw: Raw) -> None:
    user = emu.add_user("Dana")
    await raw.ok("getUpdates", allowed_updates=["callback_query"])
    user.send_text("ignored")
    assert emu.updates_pending() == 0
    await raw.ok("getUpdates", allowed_updates=[])
    user.send_text("seen")
    assert emu.updates_pending() == 1


async def test_webhook_blocks_polling_and_delivers(emu: Emulator, raw: Raw) -> None:
    received: list[tuple[dict[str, object], str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(text="ok")

    async with http_server("/hook", hook) as port:
        description = await raw.error("setWebhook", url="ftp://example.org/hook")
        assert description == "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
        assert await raw.ok("setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t") is True
        description = await raw.error("getUpdates", status=409)
        assert description.startswith("Conflict: can't use getUpdates method while webhook is active")
        user = emu.add_user("Eli")
        user.send_text("via webhook")
        await emu.wait_for(lambda: received and emu.updates_pending() == 0, timeout=5)
        update, secret = received[0]
        assert update["message"]["text"] == "via webhook"  # type: ignore[index]
        assert secret == "s3cr3t"
        info = await raw.ok("getWebhookInfo")
        assert info["url"].endswith("/hook") and info["pending_update_count"] == 0
        assert await raw.ok("deleteWebhook") is True
        assert await raw.ok("getUpdates") == []


async def test_vanished_poller_is_forgotten_and_updates_are_redelivered(emu: Emulator, raw: Raw) -> None:
    user = emu.add_user("Fynn")
    user.send_text("before the crash")
    delivered = await raw.ok("getUpdates")
    assert len(delivered) == 1
    dying = asyncio.create_task(raw.call("getUpdates", offset=delivered[0]["update_id"], timeout=30))
    await emu.wait_for(lambda: emu.state.poll_generation == 2)
    dying.cancel()  # the bot process dies mid long poll: the connection just closes
    await asyncio.sleep(0.1)
    again = await raw.ok("getUpdates", timeout=0)
    assert [u["update_id"] for u in again] == [delivered[0]["update_id"]], "unconfirmed updates come again"
    assert not emu.errors()

"""Flood limits: 429 with retry_after, recovery after waiting, runtime switch."""

from __future__ import annotations

import asyncio

import pytest
import telegram
from sandbox_testkit import Raw

from sandbox import Emulator, Limits
from sandbox.limits import RateLimiter


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_private_chat_burst_then_429_then_recovers(emu: Emulator, raw: Raw, bot: telegram.Bot) -> None:
    emu.limits = Limits(enabled=True, per_chat_per_second=2.0, per_chat_burst=2)
    user = emu.add_user("Amira")
    await raw.ok("sendMessage", chat_id=user.id, text="1")
    await raw.ok("sendMessage", chat_id=user.id, text="2")
    response = await raw.call("sendMessage", chat_id=user.id, text="3")
    assert response.status_code == 429
    assert response.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert emu.errors()[-1].status == 429 and emu.errors()[-1].method == "sendMessage"
    with pytest.raises(telegram.error.RetryAfter):
        await bot.send_message(user.id, "3")
    assert await raw.error("sendMessage", chat_id=user.id, text="") == "Bad Request: message text is empty"
    other = emu.add_user("Bo")
    await raw.ok("sendMessage", chat_id=other.id, text="other chats have their own bucket")
    await asyncio.sleep(0.55)
    await raw.ok("sendMessage", chat_id=user.id, text="3")
    assert user.texts() == ["1", "2", "3"]


async def test_group_limit_and_runtime_switch(emu: Emulator, raw: Raw) -> None:
    emu.limits.enabled = True
    emu.limits.group_per_minute = 3
    group = emu.add_forum_group("Team")
    for i in range(3):
        await raw.ok("sendMessage", chat_id=group.id, text=f"g{i}")
    response = await raw.call("sendMessage", chat_id=group.id, text="too many")
    assert response.status_code == 429
    assert 58 <= response.json()["parameters"]["retry_after"] <= 60
    copied = await raw.call("copyMessage", chat_id=group.id, from_chat_id=group.id, message_id=2)
    assert copied.status_code == 429, "copies count like sends"
    emu.limits.enabled = False
    await raw.ok("sendMessage", chat_id=group.id, text="limits off")
    assert await raw.ok("editMessageText", chat_id=group.id, message_id=2, text="edits are not counted")


async def test_global_limit(emu: Emulator, raw: Raw) -> None:
    emu.limits = Limits(enabled=True, per_chat_burst=5, global_per_second=3)
    users = [emu.add_user(f"U{i}") for i in range(4)]
    for user in users[:3]:
        await raw.ok("sendMessage", chat_id=user.id, text="hi")
    description = await raw.error("sendMessage", 429, chat_id=users[3].id, text="hi")
    assert description == "Too Many Requests: retry after 1"


def test_token_bucket_arithmetic() -> None:
    now = [100.0]
    limits = Limits(per_chat_per_second=1.0, per_chat_burst=3, group_per_minute=2, global_per_second=1000)
    limiter = RateLimiter(lambda: limits, clock=lambda: now[0])
    assert [limiter.acquire(1, False) for _ in range(4)] == [None, None, None, 1]
    now[0] += 0.5
    assert limiter.acquire(1, False) == 1
    now[0] += 0.5
    assert limiter.acquire(1, False) is None
    assert [limiter.acquire(-5, True) for _ in range(3)] == [None, None, 60]
    now[0] += 30
    assert limiter.acquire(-5, True) == 30
    now[0] += 30.01
    assert limiter.acquire(-5, True) is None
    limits.enabled = False
    assert all(limiter.acquire(1, False) is None for _ in range(10))

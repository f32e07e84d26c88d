"""The bot's HTTP backend for python-telegram-bot (bot.delivery.connections): answers, uploads and failures reach
PTB the way its own backend reports them, so that the sender and the poll loop see the same errors."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.delivery.connections import bot_api_request
from sandbox import Emulator
from tests.conftest import TOKEN
from tests.helpers import http_server


async def _bot_without_get_me(base_url: str, read_timeout: float = 5.0) -> Bot:
    """A Bot whose connections are ready (Bot.initialize would ask getMe first)."""
    request = bot_api_request(pool_size=1, read_timeout=read_timeout)
    await request.initialize()
    return Bot(TOKEN, base_url=base_url, request=request)


@pytest.fixture
async def bot_on_emulator(emulator: Emulator) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, base_url=f"{emulator.api_url}/bot", request=bot_api_request(pool_size=4))
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


async def test_a_text_and_an_upload_arrive(bot_on_emulator: Bot, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Ada", language_code="en")
    user.send_text("hi")
    await bot_on_emulator.send_message(user.id, "Grüße ‏مرحبا & <b>")
    await bot_on_emulator.send_document(user.id, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", filename="termin.ics")
    first, second = user.messages
    assert first["text"] == "Grüße ‏مرحبا & <b>"
    assert second["document"]["file_name"] == "termin.ics"


async def test_telegram_refusing_a_request_is_a_bad_request(bot_on_emulator: Bot, emulator: Emulator) -> None:
    user = emulator.add_user(first_name="Ada", language_code="en")
    user.send_text("hi")
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await bot_on_emulator.send_message(user.id, "")


async def test_no_answer_in_time_is_timed_out() -> None:
    answer = asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        await answer.wait()
        return web.json_response({"ok": True, "result": True})

    async with http_server("/bot{token}/{method}", slow) as port:
        bot = await _bot_without_get_me(f"http://127.0.0.1:{port}/bot", read_timeout=0.3)
        try:
            with pytest.raises(TimedOut):
                await bot.do_api_request("getMe")
        finally:
            answer.set()
            await bot.shutdown()


async def test_nothing_listening_is_a_network_error_that_does_not_show_the_token() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = await _bot_without_get_me(f"http://127.0.0.1:{port}/bot")
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.do_api_request("getMe")
        assert not isinstance(caught.value, TimedOut)
        assert caught.value.message.startswith("aiohttp.ClientConnector"), "named by our backend, not PTB's fallback"
        assert TOKEN not in str(caught.value) and TOKEN.split(":")[1] not in str(caught.value)
    finally:
        await bot.shutdown()

"""Fixtures for the emulator's own tests: an emulator, a real python-telegram-bot Bot, raw HTTP."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import telegram

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the project root, also when pytest is started as a script
    sys.path.insert(0, str(ROOT))

from sandbox_testkit import TOKEN, Raw  # noqa: E402

from sandbox import Emulator, EmulatorConfig, Limits  # noqa: E402


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with the flood limits switched off (the limit tests switch them on)."""
    emulator = Emulator(EmulatorConfig(token=TOKEN, limits=Limits(enabled=False), seed=7))
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[telegram.Bot]:
    client = telegram.Bot(TOKEN, base_url=f"{emu.api_url}/bot", base_file_url=f"{emu.api_url}/file/bot")
    async with client:
        yield client


@pytest.fixture
async def raw(emu: Emulator) -> AsyncIterator[Raw]:
    async with httpx.AsyncClient(base_url=emu.api_url, timeout=10) as client:
        yield Raw(client)

"""`anlaufstelle check` against the emulator: what is fine is said in a line, what is not says what to fix, one line
each, and the exit status says whether anything needs fixing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

from bot import cli_check
from bot.settings import Settings
from sandbox import Emulator

ROOT = Path(__file__).resolve().parents[2]
ALL_RIGHTS = {"can_manage_topics": True, "can_delete_messages": True, "can_pin_messages": True}


async def check(settings: Settings, **changes: object) -> tuple[int, list[str]]:
    lines: list[str] = []
    status = await cli_check.run(settings.model_copy(update=changes), "", say=lines.append)
    return status, lines


def fixes(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FIX")]


async def test_everything_in_place(settings: Settings, emulator: Emulator, worker) -> None:  # type: ignore[no-untyped-def]
    group = emulator.add_forum_group(title="Team", bot_rights=ALL_RIGHTS)
    status, lines = await check(settings, staff_chat_id=group.id)
    assert status == 0, lines
    assert fixes(lines) == []
    assert any("the token works: the bot is @anlaufstelle_test_bot" in line for line in lines)
    assert any("is a forum supergroup" in line for line in lines)
    assert any("with the rights it needs" in line for line in lines)


async def test_a_refused_token_is_one_line(settings: Settings) -> None:
    wrong = "123456789:" + "W" * 30
    status, lines = await check(settings, telegram_bot_token=SecretStr(wrong))
    assert status == 1
    assert fixes(lines)[0] == (
        "FIX   Telegram refuses TELEGRAM_BOT_TOKEN: copy the token again from @BotFather (/mybots → API Token)"
    )
    assert not any("staff group" in line for line in lines)  # nothing more can be asked without a token


async def test_missing_rights_each_get_a_line(settings: Settings, emulator: Emulator, worker) -> None:  # type: ignore[no-untyped-def]
    group = emulator.add_forum_group(title="Team", bot_rights={"can_manage_topics": True})
    status, lines = await check(settings, staff_chat_id=group.id)
    assert status == 1
    assert [line.split("“")[1].split("”")[0] for line in fixes(lines)] == ["Delete messages", "Pin messages"]


async def test_a_group_without_topics_and_a_bot_that_is_no_admin(settings: Settings, emulator: Emulator) -> None:
    plain = emulator.add_group(title="Old team group", supergroup=True, bot_is_admin=False)
    status, lines = await check(settings, staff_chat_id=plain.id)
    assert status == 1
    found = fixes(lines)
    assert any("has no topics: turn on Topics" in line for line in found), found
    assert any("not an administrator of the staff group" in line for line in found), found
    assert any("nobody is in the team yet" in line for line in found), found
    basic = emulator.add_group(title="Basic", supergroup=False)
    _status, lines = await check(settings, staff_chat_id=basic.id)
    assert any("is not a supergroup" in line for line in fixes(lines)), lines


async def test_no_staff_group_or_an_unknown_one(settings: Settings) -> None:
    _status, lines = await check(settings, staff_chat_id=None)
    assert any("STAFF_CHAT_ID is not set" in line for line in fixes(lines)), lines
    _status, lines = await check(settings, staff_chat_id=-1009999999999)
    assert any("the staff group STAFF_CHAT_ID is not found" in line for line in fixes(lines)), lines


async def test_the_command_exits_non_zero_with_the_lines(bot_env: dict[str, str], tmp_path: Path) -> None:
    token = bot_env["TELEGRAM_BOT_TOKEN"]
    env = {**bot_env, "PYTHONPATH": str(ROOT), "STAFF_CHAT_ID": "-1009999999999"}
    command = [sys.executable, "-m", "bot", "check"]
    result = await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1, result.stderr
    assert "FIX   the staff group STAFF_CHAT_ID is not found" in result.stdout
    assert token not in result.stdout + result.stderr

"""The demo of `make run` without a token: its data under VAR_DIR/sandbox/, kept over a restart, cleared by
--reset, reset (and said so) when the saved world and the database do not agree; the command itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path

import httpx
import pytest
from helpers import eventually
from sqlalchemy import func, select

from bot.demo import Demo
from bot.settings import ConfigError, Settings
from sandbox import Emulator
from storage.models import Contact, StaffMember, Stop

TEAM = ["Alex", "Kim", "Sam"]
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "STAFF_", "DATABASE_", "SECRET_"))}


def demo_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, var_dir=tmp_path / "var")


async def count(demo: Demo, model: type) -> int:
    assert demo.runtime is not None and demo.runtime.services is not None
    async with demo.runtime.services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def begin_intake(emu: Emulator) -> int:
    """Nora starts, chooses English and agrees: a contact in the database, the nickname question on her phone."""
    nora = emu.add_user("Nora", language_code="de")
    nora.send_command("start")
    await emu.wait_for(lambda: "in:lang:en" in str(nora.last_message))
    nora.press("in:lang:en")
    await emu.wait_for(lambda: "in:yes" in str(nora.last_message))
    nora.press("in:yes")
    await emu.wait_for(lambda: "in:anon" in str(nora.last_message))
    return nora.id


def unfinished(database: Path) -> int:
    """Updates not handled yet and messages not sent yet, read without a lock."""
    with contextlib.closing(sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)) as db:
        found = db.execute(
            "SELECT (SELECT count(*) FROM inbox WHERE status = 'pending') "
            "+ (SELECT count(*) FROM outbox WHERE status = 'pending')"
        ).fetchone()
    return int(found[0])


async def settled(demo: Demo) -> None:
    """Before stopping: the bot has done what it was given (a stop in the middle of its start-up work is the
    runtime's business, tested elsewhere; here it would only make the test slow)."""

    async def idle() -> bool:
        assert demo.emulator is not None
        return demo.emulator.updates_pending() == 0 and unfinished(demo.paths.database) == 0

    await eventually(idle)


def people(emu: Emulator) -> list[str]:
    return sorted(user.first_name for user in emu.users.values())


async def test_a_restart_keeps_both_sides_and_reset_starts_fresh(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path)
    async with Demo(settings, port=0) as demo:
        assert demo.emulator is not None and demo.notes == []
        assert people(demo.emulator) == sorted([*TEAM, "Lena"])
        assert (await count(demo, StaffMember), await count(demo, Stop)) == (3, 7)
        nora_id = await begin_intake(demo.emulator)
        history = demo.emulator.users[nora_id].chat_history
        await settled(demo)
    world = tmp_path / "var" / "sandbox" / "emulator.json"
    assert world.exists() and (tmp_path / "var" / "sandbox" / "anlaufstelle.db").exists()
    assert not (tmp_path / "var" / "anlaufstelle.db").exists()  # never the deployment's database

    async with Demo(settings, port=0) as demo:
        assert demo.emulator is not None and demo.notes == []
        assert not world.exists()  # taken at start: after a crash it cannot pass for the current state
        nora = demo.emulator.users[nora_id]
        assert nora.chat_history == history
        nora.press("in:anon")  # the intake goes on where it stopped: same messages, same offsets
        await demo.emulator.wait_for(lambda: "in:age:18-21" in str(nora.last_message))
        assert await count(demo, Contact) == 1
        group = demo.emulator.groups[demo.staff_chat_id]
        assert group.title == "Team Anlaufstelle" and demo.emulator.page_hints["writer_id"] == demo.writer_id
        await settled(demo)

    async with Demo(settings, port=0, reset=True) as demo:
        assert demo.emulator is not None and demo.notes == []
        assert nora_id not in demo.emulator.users and people(demo.emulator) == sorted([*TEAM, "Lena"])
        assert (await count(demo, Contact), await count(demo, StaffMember)) == (0, 3)
        await settled(demo)


@pytest.mark.parametrize("damage", ["world missing (a crash)", "from another run"])
async def test_a_world_that_does_not_match_the_database_resets_both_and_says_so(tmp_path: Path, damage: str) -> None:
    settings = demo_settings(tmp_path)
    async with Demo(settings, port=0) as demo:
        assert demo.emulator is not None
        nora_id = await begin_intake(demo.emulator)
        await settled(demo)
    world = tmp_path / "var" / "sandbox" / "emulator.json"
    if damage.startswith("world missing"):
        world.unlink()
    else:
        saved = json.loads(world.read_text(encoding="utf-8"))
        saved["extra"]["bot_offset"] -= 1  # the database went on after this world was saved
        world.write_text(json.dumps(saved), encoding="utf-8")

    async with Demo(settings, port=0) as demo:
        assert demo.emulator is not None
        assert len(demo.notes) == 1 and "could not be restored consistently" in demo.notes[0], demo.notes
        assert nora_id not in demo.emulator.users and people(demo.emulator) == sorted([*TEAM, "Lena"])
        assert (await count(demo, Contact), await count(demo, StaffMember)) == (0, 3)
        await settled(demo)


async def test_the_command_starts_the_demo_says_where_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**CLEAN_ENV, "VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/real.db"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--port", "0", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    try:
        lines = [(await asyncio.wait_for(process.stdout.readline(), 30)).decode() for _ in range(3)]
        assert "ignores DATABASE_URL" in lines[0], lines
        url = lines[1].split("open ", 1)[1].split(" ", 1)[0]
        assert url.startswith("http://127.0.0.1:") and "Sam" in lines[1] and "Ctrl-C" in lines[2], lines
        async with httpx.AsyncClient(timeout=10) as client:
            page = await client.get(url)
            snapshot = (await client.get(url + "_sandbox/snapshot")).json()["result"]
        assert page.status_code == 200 and "Anlaufstelle" in page.text
        assert {u["first_name"] for u in snapshot["users"]} >= {"Sam", "Alex", "Kim"}

        async def idle() -> bool:
            info = (await client.get(url + "_sandbox/")).json()["result"]
            return info["pending_updates"] == 0 and unfinished(tmp_path / "var" / "sandbox" / "anlaufstelle.db") == 0

        async with httpx.AsyncClient(timeout=10) as client:
            await eventually(idle)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert "Demo stopped" in out.decode() and not err.decode().strip(), err.decode()
    assert (tmp_path / "var" / "sandbox" / "emulator.json").exists()
    assert not (tmp_path / "real.db").exists()


async def test_a_busy_port_stops_the_start_before_anything_is_touched(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"port {port}"):
            await Demo(demo_settings(tmp_path), port=port).start()
    assert not (tmp_path / "var").exists()

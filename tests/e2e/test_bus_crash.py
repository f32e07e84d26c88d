"""A broadcast under SIGKILL: the bot runs as a process of its own, the coordinator sends an announcement to a few
hundred subscribers, and the process is killed twice in the middle of it and started again. The outbox rows are
the broadcast's plan: in the end everyone has it, and nobody has it twice apart from the one message in flight at
each kill."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from booking_kit import import_plan, text_of, wait_in_group
from bus_kit import add_subscribers, announce
from test_handoff_crash import start_bot

from bot.i18n import Catalogs
from bot.privacy import Keyring
from sandbox import Emulator

SUBSCRIBERS = 250
RATE = 100
KILL_AT = (50, 130)  # after this many of the announcement's messages arrived


@pytest.mark.slow
async def test_sigkill_mid_broadcast_resumes_without_sending_anyone_twice(
    emulator: Emulator, staff_group, team_member, database_url: str, bot_env: dict[str, str], tmp_path: Path
) -> None:
    await import_plan(database_url)
    people = await add_subscribers(
        emulator, database_url, Keyring(bot_env["SECRET_KEY"]), SUBSCRIBERS, lambda i: ["peine"], ("en",)
    )
    cora = await team_member("Cora Coordinator", "Cora", "coordinator")
    emulator.limits.global_per_second = RATE
    env = {**bot_env, "RATE_GLOBAL_PER_SECOND": str(RATE), "BROADCAST_PER_SECOND": str(RATE)}
    catalogs = Catalogs(ZoneInfo("Europe/Berlin"), "de")
    tr, en = catalogs.translator("de"), catalogs.translator("en")  # STAFF_LANGUAGE, and the subscribers'
    late = en.ngettext(
        "⏱ The bus is running about {n} minute late today at {stop}.",
        "⏱ The bus is running about {n} minutes late today at {stop}.",
        10,
        stop="Peine, Marktplatz",
    )
    chats = {user.chat_id for user, _ in people}

    def arrived() -> int:
        return sum(
            1
            for c in emulator.calls
            if c.method == "sendMessage" and c.status == 200 and c.params.get("chat_id") in chats
        )

    process = await start_bot(env, tmp_path)
    try:
        await announce(
            emulator,
            cora,
            tr,
            [
                (tr._("⏱ Running late"), tr._("Which stop?")),
                ("Peine, Marktplatz", tr._("How late is the bus at {stop}?", stop="Peine, Marktplatz")),
                (
                    tr.ngettext("{n} minute", "{n} minutes", 10),
                    tr._("Preview – each subscriber reads it in their own language:"),
                ),
            ],
            chat=staff_group,
        )
        for target in KILL_AT:
            await emulator.wait_for(lambda t=target: arrived() >= t, timeout=60)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            assert arrived() < SUBSCRIBERS, "killed in the middle of the broadcast"
            process = await start_bot(env, tmp_path)
        done = tr._("{sent} sent · {failed} failed · {left} left", sent=tr.number(SUBSCRIBERS), failed=0, left=0)
        await wait_in_group(emulator, staff_group, done)
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()

    got = Counter({user.id: sum(1 for m in user.messages if text_of(m).startswith(late)) for user, _ in people})
    assert min(got.values()) == 1, "everyone has it"
    twice = sum(n - 1 for n in got.values())
    assert twice <= len(KILL_AT), f"{twice} people got it twice"
    assert [c for c in emulator.calls if c.status == 429] == []

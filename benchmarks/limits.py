"""2. Inside Telegram's limits (the emulator keeps them, answering 429 like Telegram): a burst of young people writing
at once, and a bus announcement to many subscribers.

The staff group takes at most 20 messages in any minute, so a burst of first messages from N young people needs at
least N messages there (one per case: its card and texts combined): the last can go no earlier than
60 s × ⌊(N − 1) / 20⌋ after the first. A broadcast may go at 30 messages a second (BROADCAST_PER_SECOND).
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.databases import Databases
from benchmarks.harness import VAR, World, bot_env, start_bot, until_ready, wait_until, world
from benchmarks.people import add_team_member, add_young_people
from sandbox import Emulator, GroupHandle, UserHandle

GROUP_PER_MINUTE = 20
ALLOWED_BROADCAST_RATE = 30.0


@dataclass(frozen=True)
class LimitsScale:
    people: int  # young people writing at once
    texts: int  # each
    within: float  # seconds over which they write
    subscribers: int  # for the broadcast


async def burst(dbs: Databases, kind: str, scale: LimitsScale) -> dict[str, Any]:
    async with world(limits=True) as w:
        url = await dbs.fresh(kind, f"burst_{kind}")
        people = await add_young_people(w.emu, url, scale.people)
        await add_team_member(w.emu, w.group, url, "Sam")
        process = await start_bot(bot_env(w.emu, url, w.group.id, dbs.run_dir / "burst"), VAR / "logs" / "burst.log")
        try:
            await until_ready(w.tap, process)
            rng = random.Random(10)
            plan = sorted(
                (rng.uniform(0, scale.within), person, n) for person in range(scale.people) for n in range(scale.texts)
            )
            texts = [f"person {person:03d} writes {n}" for _at, person, n in plan]
            pending = w.tap.expect(texts)
            started = time.perf_counter()
            for (at, person, _n), text in zip(plan, texts, strict=True):
                delay = started + at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                people[person].send_text(text)
            budget = 60.0 * ((scale.people - 1) // GROUP_PER_MINUTE)
            await wait_until(lambda: not pending, w.emu, timeout=budget * 2 + 120)
            seen = [t for t in (w.tap.first(text) for text in texts) if t is not None]
            took = max(seen) - started if seen else None
            minimum = max(budget, scale.within)
            in_group = [c for c in w.emu.calls if c.status == 200 and str(c.params.get("chat_id")) == str(w.group.id)]
            return {
                "people": scale.people,
                "texts": len(texts),
                "written_within_s": scale.within,
                "seen_by_staff": len(seen),
                "seconds_until_all_seen": round(took, 1) if took is not None else None,
                "minimum_seconds": minimum,
                "ratio_to_minimum": round(took / minimum, 2) if took is not None and minimum else None,
                "group_messages": len([c for c in in_group if c.method in ("sendMessage", "copyMessage")]),
                "too_many_requests": len([c for c in w.emu.calls if c.status == 429]),
                "refused": len([c for c in w.emu.calls if c.status == 400]),
            }
        finally:
            await process.stop()


def _buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(b.get("callback_data", "")) for row in rows for b in row]


async def press(emu: Emulator, user: UserHandle, group: GroupHandle, pattern: str, timeout: float = 30.0) -> str:  # noqa: ASYNC109
    """Wait for the bot's newest message in the group with a button whose data matches, and press it."""
    wanted = re.compile(pattern)

    def found() -> tuple[int, str] | None:
        for message in reversed(group.messages()):
            data = next((d for d in _buttons(message) if wanted.fullmatch(d)), None)
            if data is not None:
                return int(message["message_id"]), data
        return None

    pressed = await emu.wait_for(found, timeout=timeout)
    assert pressed is not None
    message_id, data = pressed
    user.press(data, message_id=message_id, chat=group)
    return data


async def announce_to_everyone(w: World, coordinator: UserHandle, text: str) -> float:
    """Through the coordinator's panel in the staff group, as a coordinator does it; returns when "Send" was pressed."""
    coordinator.send_command("announce", chat=w.group)
    data = await press(w.emu, coordinator, w.group, r"an:\d+:k:free")
    ident = data.split(":")[1]
    await press(w.emu, coordinator, w.group, rf"an:{ident}:p:\*")
    await asyncio.sleep(0.5)  # the panel asks for the text
    coordinator.send_text(text, chat=w.group)
    await press(w.emu, coordinator, w.group, rf"an:{ident}:ok")
    return time.time()


async def broadcast(dbs: Databases, kind: str, scale: LimitsScale) -> dict[str, Any]:
    async with world(limits=True) as w:
        url = await dbs.fresh(kind, f"broadcast_{kind}")
        subscribers = await add_young_people(w.emu, url, scale.subscribers, prefix="Sub", subscribe_to="peine")
        coordinator = await add_team_member(w.emu, w.group, url, "Kim", role="coordinator")
        process = await start_bot(bot_env(w.emu, url, w.group.id, dbs.run_dir / "bc"), VAR / "logs" / "broadcast.log")
        try:
            await until_ready(w.tap, process)
            chats = {str(user.chat_id) for user in subscribers}

            def delivered() -> list[float]:
                return [
                    c.at
                    for c in w.emu.calls
                    if c.method == "sendMessage" and c.status == 200 and str(c.params.get("chat_id")) in chats
                ]

            pressed = await announce_to_everyone(w, coordinator, "The bus comes an hour later today.")
            allowed = scale.subscribers / ALLOWED_BROADCAST_RATE
            await wait_until(lambda: len(delivered()) >= len(chats), w.emu, timeout=allowed * 3 + 60)
            times = sorted(delivered())
            span = times[-1] - times[0] if len(times) > 1 else None
            rate = (len(times) - 1) / span if span else None
            return {
                "subscribers": scale.subscribers,
                "delivered": len(times),
                "seconds_from_send_button": round(times[-1] - pressed, 1) if times else None,
                "seconds_first_to_last": round(span, 1) if span else None,
                "per_second": round(rate, 2) if rate else None,
                "allowed_per_second": ALLOWED_BROADCAST_RATE,
                "share_of_allowed": round(rate / ALLOWED_BROADCAST_RATE, 3) if rate else None,
                "too_many_requests": len([c for c in w.emu.calls if c.status == 429]),
                "refused": len([c for c in w.emu.calls if c.status == 400]),
            }
        finally:
            await process.stop()

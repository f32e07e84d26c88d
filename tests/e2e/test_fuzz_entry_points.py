"""Fuzzing every entry point of the running bot against the emulator (hypothesis): arbitrary texts (up to and past
4096 characters, markup characters, right-to-left script, zero-width and bidi controls, emoji), captions, edits,
commands with arguments, deep-link payloads, and callback data (forged, as a modified client could send them), from
a stranger, a young person with a case, and a worker in the staff group.

After every example: no update made a handler raise (the error handler saw nothing: no inbox row has a failed
attempt), and the emulator refused no request with 400. One bot serves all examples; Telegram's limits are lifted
in the emulator and the sender so that the examples do not wait for the staff group's 20 messages a minute.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from handoff_helpers import open_case
from helpers import eventually
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from sandbox.limits import Limits
from sandbox.models import CallbackQueryRecord
from storage.models import InboxUpdate, OutboxMessage

YOUTH_COMMANDS = ["start", "help", "privacy", "language", "delete", "mydata", "appointment", "appointments", "tour"]
TEAM_COMMANDS = [
    "queue", "claim", "handover", "note", "close", "card", "staff", "today", "week", "appointments", "hours", "pool",
    "report", "duty", "urgent", "block", "unblock",
]  # fmt: skip
CALLBACK_PREFIXES = [
    "", "in:", "in:lang:", "in:age:", "in:place:", "lang:", "ap:", "ap:yes:", "ap:move:", "bk:", "bk:day:",
    "bk:slot:", "sa:", "hr:", "hr:act:", "close:", "close:1:", "sos", "del:no", "block:", "rt:", "mydata:",
]  # fmt: skip

# Markup of every parse mode, right-to-left letters and marks, zero-width and bidi controls, emoji (astral, with
# joiners and variation selectors), combining accents, line breaks, and words the crisis matcher knows.
SPECIAL = (
    "*_[]()~`>#+-=|{}.!<>&\\/@:;,'\"\n\t "
    "\u200b\u200c\u200d\u200e\u200f\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\ufeff\u00ad"
    "אבגשלוםابتثمرحبامیخوامбукваşğıüöäß\u0301\u0308"
    "🙂👩‍👩‍👧🏳️‍🌈\ufe0f🆘"
)
WORDS = ["kill myself", "ich will nicht mehr leben", "/start", "@anlaufstelle_test_bot", "https://t.me/x", "#tag"]

pieces = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
    st.text(alphabet=SPECIAL, max_size=30),
    st.sampled_from(WORDS),
)
short_texts = st.lists(pieces, min_size=1, max_size=6).map("".join)
long_texts = st.tuples(short_texts, st.integers(min_value=4000, max_value=4200)).map(
    lambda pair: ((pair[0] or "x") * (pair[1] // max(len(pair[0]), 1) + 1))[: pair[1]]
)
texts = st.one_of(short_texts, short_texts, long_texts).filter(lambda t: t.strip() != "")
payloads = st.one_of(st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True), short_texts)
callback_data = st.tuples(st.sampled_from(CALLBACK_PREFIXES), short_texts).map(
    lambda pair: (pair[0] + pair[1]).encode()[:64].decode("utf-8", "ignore") or "x"
)

actions = st.one_of(
    st.tuples(st.just("stranger_text"), texts),
    st.tuples(st.just("youth_text"), texts),
    st.tuples(st.just("youth_caption"), texts.map(lambda t: t[:1024])),
    st.tuples(st.just("youth_edit"), texts),
    st.tuples(st.just("youth_command"), st.tuples(st.sampled_from([*YOUTH_COMMANDS, *TEAM_COMMANDS, "nope"]), texts)),
    st.tuples(st.just("deep_link"), payloads),
    st.tuples(st.just("youth_press"), callback_data),
    st.tuples(st.just("stranger_press"), callback_data),
    st.tuples(st.just("staff_text"), texts),
    st.tuples(st.just("staff_command"), st.tuples(st.sampled_from(TEAM_COMMANDS), texts, st.booleans())),
    st.tuples(st.just("staff_press"), callback_data),
)


@dataclass
class Scene:
    emu: Emulator
    bot: BotRuntime
    group: Any
    stranger: Any
    youth: Any
    worker: Any
    thread: int


@pytest.fixture
async def fuzz_bot(settings: Settings, emulator: Emulator) -> AsyncIterator[BotRuntime]:
    emulator.limits = Limits(enabled=False)
    fast = settings.model_copy(
        update={
            "rate_per_chat_per_second": 10_000.0,
            "rate_per_chat_burst": 10_000,
            "rate_group_per_minute": 100_000,
            "rate_global_per_second": 100_000,
            "flood_burst": 1000,  # a young person's pace (bot.abuse) is not what is tested here
            "flood_per_minute": 600.0,
        }
    )
    async with BotRuntime(fast) as runtime:
        yield runtime


@pytest.fixture
async def scene(fuzz_bot: BotRuntime, emulator: Emulator, staff_group, worker) -> Scene:  # type: ignore[no-untyped-def]
    stranger = emulator.add_user(first_name="Stranger", language_code="ar")
    youth = emulator.add_user(first_name="Youth", last_name="Person", username="youth_p", language_code="fa")
    thread = await open_case(emulator, youth, staff_group, "hello")
    return Scene(emulator, fuzz_bot, staff_group, stranger, youth, worker, thread)


def forge_press(emu: Emulator, user, chat_id: int, data: str) -> None:  # type: ignore[no-untyped-def]
    """A callback query with any data, on the bot's newest message in the chat (as a modified client may send)."""
    state = emu.state
    chat = state.chats[chat_id]
    stored = next((m for m in reversed(chat.messages.values()) if m.outgoing), None)
    if stored is None:
        return
    query_id = str(state.rng.randrange(10**18, 9 * 10**18))
    state.callback_queries[query_id] = CallbackQueryRecord(
        query_id, user.id, chat.id, stored.message_id, data, state.clock()
    )
    query = {
        "id": query_id,
        "from": user.as_dict(),
        "message": copy.deepcopy(stored.data),
        "chat_instance": str((chat.id * 2654435761) % 2**62),
        "data": data,
    }
    state.queue_update("callback_query", query)


def act(scene: Scene, action: tuple[str, Any]) -> None:
    kind, value = action
    emu, youth, group = scene.emu, scene.youth, scene.group
    if kind == "stranger_text":
        scene.stranger.send_text(value)
    elif kind == "youth_text":
        youth.send_text(value)
    elif kind == "youth_caption":
        youth.send_photo(caption=value)
    elif kind == "youth_edit":
        own = [m for m in youth.chat_history if m.get("from", {}).get("id") == youth.id and "text" in m]
        youth.edit(own[-1]["message_id"], value)
    elif kind == "youth_command":
        command, args = value
        youth.send_command(command, args)
    elif kind == "deep_link":
        (scene.stranger if len(value) % 2 else youth).send_command("start", value)
    elif kind == "youth_press":
        forge_press(emu, youth, youth.chat_id, value)
    elif kind == "stranger_press":
        forge_press(emu, scene.stranger, scene.stranger.chat_id, value)
    elif kind == "staff_text":
        scene.worker.send_text(value, chat=group, thread_id=scene.thread)
    elif kind == "staff_command":
        command, args, in_topic = value
        scene.worker.send_command(command, args, chat=group, thread_id=scene.thread if in_topic else None)
    elif kind == "staff_press":
        forge_press(emu, scene.worker, group.id, value)


async def settled(scene: Scene) -> None:
    """Every update handled and every message sent (or refused)."""
    assert scene.bot.services is not None

    async def quiet() -> bool:
        if scene.emu.updates_pending():
            return False
        assert scene.bot.services is not None
        async with scene.bot.services.sessions() as session:
            waiting = await session.scalar(
                select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status == "pending")
            )
            sending = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
        return not waiting and not sending

    await eventually(quiet, timeout=30)


async def failed_updates(scene: Scene, after: int) -> list[tuple[int, str | None]]:
    assert scene.bot.services is not None
    async with scene.bot.services.sessions() as session:
        rows = await session.execute(
            select(InboxUpdate.update_id, InboxUpdate.error).where(
                InboxUpdate.attempts > 0, InboxUpdate.update_id > after
            )
        )
        return [(uid, error) for uid, error in rows.all()]


async def last_update_id(scene: Scene) -> int:
    assert scene.bot.services is not None
    async with scene.bot.services.sessions() as session:
        return int(await session.scalar(select(func.max(InboxUpdate.update_id))) or 0)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(actions, min_size=1, max_size=3))
async def test_no_entry_point_crashes_or_makes_a_request_telegram_refuses(
    scene: Scene, steps: list[tuple[str, Any]]
) -> None:
    # Only this example's updates and requests count: an earlier failing example must not fail the next ones
    # (hypothesis shrinks by running smaller examples on the same bot).
    before, calls = await last_update_id(scene), len(scene.emu.calls)
    for step in steps:
        act(scene, step)
    await settled(scene)
    failed = await failed_updates(scene, before)
    assert failed == [], (steps, failed)
    refused = [(c.method, c.description) for c in scene.emu.calls[calls:] if c.status == 400]
    assert refused == [], (steps, refused)

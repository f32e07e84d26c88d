"""A bus announcement to 2,000 subscribers across the places, with the emulator's rate limits on: each gets it
once, in their own language, with no 429 at all; those who blocked the bot are told once (403), unsubscribed and
not tried again; a young person's message to the team overtakes the broadcast; the coordinator's panel shows the
progress, edited every few seconds only.

To keep the test short, the overall limit is raised to 300 messages a second on both sides (the emulator's
limit, and the bot's RATE_GLOBAL_PER_SECOND and BROADCAST_PER_SECOND): what is checked is that the bot keeps to
whatever limit is configured."""

from __future__ import annotations

from collections import Counter

import pytest
from booking_kit import import_plan, rows, text_of, wait_in_group
from bus_kit import TOWNS, add_subscribers, announce
from handoff_helpers import open_case
from sqlalchemy import func, select

from bot.broadcast import PROGRESS_EVERY
from bot.i18n import Translator
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage.models import Contact, OutboxMessage, Subscription

PEOPLE = 2000
BLOCKED = 25
RATE = 300


def late_text(tr: Translator) -> str:
    body = tr.ngettext(
        "⏱ The bus is running about {n} minute late today at {stop}.",
        "⏱ The bus is running about {n} minutes late today at {stop}.",
        20,
        stop="Peine, Marktplatz",
    )
    return body + "\n\n" + tr._("/bus shows where the bus is. /unsubscribe stops these messages.")


@pytest.mark.slow
async def test_two_thousand_subscribers_once_each_in_their_language_within_the_limits(
    settings: Settings, emulator: Emulator, database_url: str, staff_group, team_member, worker
) -> None:
    emulator.limits.global_per_second = RATE
    fast = settings.model_copy(update={"rate_global_per_second": RATE, "broadcast_per_second": RATE})
    await import_plan(database_url)
    async with BotRuntime(fast) as bot:
        assert bot.services is not None
        catalogs = bot.services.catalogs
        tr = catalogs.translator(bot.settings.staff_language)
        people = await add_subscribers(  # everyone in Peine, every other one in a second place as well
            emulator, database_url, bot.services.keyring, PEOPLE, lambda i: ["peine", *([TOWNS[1 + i % 6]] * (i % 2))]
        )
        blocked = [user for user, _ in people[:: PEOPLE // BLOCKED]][:BLOCKED]
        for user in blocked:  # blocked while the bot did not notice (no my_chat_member came through)
            emulator.state.chats[user.id].blocked = True
        young = emulator.add_user(first_name="Wren", language_code="en")
        thread = await open_case(emulator, young, staff_group, "hello team")
        cora = await team_member("Cora Coordinator", "Cora", "coordinator")

        await announce(
            emulator,
            cora,
            tr,
            [
                (tr._("⏱ Running late"), tr._("Which stop?")),
                ("Peine, Marktplatz", tr._("How late is the bus at {stop}?", stop="Peine, Marktplatz")),
                (
                    tr.ngettext("{n} minute", "{n} minutes", 20),
                    tr._("Preview – each subscriber reads it in their own language:"),
                ),
            ],
            chat=staff_group,
        )
        # A young person writes while the broadcast is going: their message goes first.
        await emulator.wait_for(lambda: sum(1 for u, _ in people[:200] if u.messages) >= 20, timeout=30)
        young.send_text("are you at the market today?")
        await emulator.wait_for(
            lambda: "are you at the market today?" in staff_group.texts(thread_id=thread), timeout=10
        )
        async with bot.services.sessions() as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.announcement_id.is_not(None), OutboxMessage.status == "pending")
            )
        assert waiting and waiting > 100, "the message to the team overtook the broadcast"

        done = tr._("{sent} sent · {failed} failed · {left} left", sent=tr.number(PEOPLE - BLOCKED),
                    failed=tr.number(BLOCKED), left=0)  # fmt: skip
        await wait_in_group(emulator, staff_group, done)
        contacts = {c.id: c for c in await rows(bot, Contact)}
        subscribed = {s.contact_id for s in await rows(bot, Subscription)}

    assert [c for c in emulator.calls if c.status == 429] == [], "not one 429"
    texts = {language: late_text(catalogs.translator(language)) for _, language in people}
    assert len(set(texts.values())) >= 2, "the right-to-left languages at least read differently"
    got = Counter({user.id: sum(1 for m in user.messages if text_of(m) == texts[lang]) for user, lang in people})
    blocked_ids = {user.id for user in blocked}
    assert {n for uid, n in got.items() if uid not in blocked_ids} == {1}, "everyone once, in their language"
    assert all(got[uid] == 0 for uid in blocked_ids)
    tries = Counter(c.params["chat_id"] for c in emulator.calls if c.method == "sendMessage" and c.status == 403)
    assert {int(k) for k in tries} == blocked_ids and set(tries.values()) == {1}, "blocked: tried once, not again"
    unreachable = {c.id for c in contacts.values() if c.status == "unreachable"}
    assert len(unreachable) == BLOCKED and not unreachable & subscribed, "who blocked the bot is unsubscribed"

    sends = sorted(c.at for c in emulator.calls if c.method == "sendMessage" and c.status == 200)
    busiest = max(sum(1 for t in sends[i : i + RATE + 1] if t - sends[i] < 1.0) for i in range(len(sends)))
    assert busiest <= RATE, "never more than the configured rate in any second"
    sending = tr._("Sending:")
    edits = [c.at for c in emulator.calls if c.method == "editMessageText" and sending in c.params.get("text", "")]
    took = sends[-1] - edits[0]  # from "Send" to the last message
    assert 2 <= len(edits) <= took / PROGRESS_EVERY.total_seconds() + 3, "the panel is edited every few seconds"

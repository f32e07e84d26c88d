"""A property of the handoff: whatever a young person's Telegram profile says (names in any script, emoji, phone
numbers and long numbers in the names, any username and language), nothing the bot sends into the staff group
(texts, captions, entities, buttons, topic names) contains their first name, last name, username or user id.

One bot serves all examples; each example is a new young person who goes through intake (anonymous, or with a
nickname that has nothing to do with the profile) and writes a message that contains none of the profile's
values. The group's budget is lifted here, so that no example's texts are combined with another's."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_intake import go_through_intake

from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator

pytestmark = pytest.mark.usefixtures("never_forwards")

LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüßéñçłş"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯіїєґ"
OTHER = "0123456789 -'._+()😀🌟🔥💬🇩🇪"
ALPHABET = st.sampled_from(LATIN + ARABIC + CYRILLIC + OTHER)
TELEGRAM_LANGUAGES = (None, "en", "de", "de-AT", "ar", "ru", "uk", "fa", "tr", "pt-br", "zz")
NICKNAMES = ("Sunny", "Kiwi", "Nova", "Ray", "Mo", "Pixel")
CHECKED_KEYS = ("text", "caption", "name", "entities", "caption_entities", "reply_markup")  # of the requests
NO_CONTENT = frozenset({"offset", "length", "date", "edit_date", "message_id", "message_thread_id", "chat"})


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    first = draw(st.text(ALPHABET, min_size=1, max_size=40).filter(lambda s: s.strip()))
    last = draw(st.none() | st.text(ALPHABET, min_size=1, max_size=40).filter(lambda s: s.strip()))
    phone = draw(st.none() | st.from_regex(r"\+?[1-9][0-9]{7,13}", fullmatch=True))
    number = draw(st.none() | st.integers(min_value=10**5, max_value=10**12).map(str))
    if phone:  # a phone number in a name, as people do to be reachable
        first = f"{first} {phone}" if draw(st.booleans()) else first
        last = f"{last or ''} {phone}".strip() if phone not in first else last
    if number:
        last = f"{last or ''}{number}"
    return {
        "first_name": first[:64],
        "last_name": last[:64] if last else None,
        "username": draw(st.none() | st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True)),
        "language_code": draw(st.sampled_from(TELEGRAM_LANGUAGES)),
        "phone": phone,
        "number": number,
        "nickname": draw(st.none() | st.sampled_from(NICKNAMES)),
        "language": draw(st.sampled_from(["English", "Deutsch"])),
        "message": draw(st.text(ALPHABET, min_size=1, max_size=120)),
    }


@pytest.fixture
def settings_without_group_budget(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_group_per_minute": 10_000})


@pytest.fixture
async def one_bot(settings_without_group_budget: Settings, emulator: Emulator):  # type: ignore[no-untyped-def]
    emulator.limits.group_per_minute = 10_000
    async with BotRuntime(settings_without_group_budget) as runtime:
        yield runtime
    refused = [(c.method, c.description) for c in emulator.errors() if c.status == 400]
    assert not refused, f"the bot made requests Telegram would refuse: {refused}"


def leaves(value: Any) -> list[str]:
    """The strings and numbers inside a JSON value, leaving out numbers that are no content (offsets, ids of
    messages and topics, dates) and the group's own chat object."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() if key not in NO_CONTENT for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [str(value)]


def mark(emu: Emulator, group) -> tuple[int, int, set[int]]:  # type: ignore[no-untyped-def]
    """Where the world stands: calls so far, the group's next message id, its topics."""
    return len(emu.calls), group.record.next_message_id, set(group.topics)


def shown_to_the_team(emu: Emulator, group, since: tuple[int, int, set[int]]) -> list[str]:  # type: ignore[no-untyped-def]
    """Everything the bot put in front of the team since the mark (in its requests to the group, and as stored),
    with the case aliases masked (they are random, so they could by chance contain a short name)."""
    since_call, since_message, topics_before = since
    shown = []
    for call in emu.calls[since_call:]:
        if str(call.params.get("chat_id")) == str(group.id):
            shown += [leaf for k in CHECKED_KEYS if k in call.params for leaf in leaves(call.params[k])]
    for message in group.history:
        if message["message_id"] >= since_message and message.get("from", {}).get("id") == emu.bot_user["id"]:
            shown += leaves(message)  # all of it: a forward's origin, a reply's snapshot, a contact, …
    shown += [topic.name for thread, topic in group.topics.items() if thread not in topics_before]
    return [ALIAS.sub("K-####", text) for text in shown]


@pytest.fixture
async def vocabulary(one_bot: BotRuntime, emulator: Emulator, staff_group, worker) -> str:  # type: ignore[no-untyped-def]
    """What the bot writes in the group for anybody: a profile value found in here (a place, a word of the card,
    the date) cannot tell whether it leaked, so it is not checked."""
    since = mark(emulator, staff_group)
    for language, nickname in (("English", None), ("Deutsch", "Sunny")):
        user = emulator.add_user(first_name="Reference", language_code="en")
        await go_through_intake(emulator, user, language=language, nickname=nickname)
        sent = user.send_text("Hi #0: reference")
        await emulator.wait_for(lambda t=sent["text"]: any(m.get("text") == t for m in staff_group.messages()))
    return "\n".join(shown_to_the_team(emulator, staff_group, since))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=profiles())
async def test_the_staff_group_never_sees_a_young_persons_profile(
    one_bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
    vocabulary: str,
    profile: dict[str, Any],
) -> None:
    values = [profile["first_name"], profile["last_name"], profile["username"], profile["phone"], profile["number"]]
    values = [v.strip() for v in values if v and v.strip()]
    nickname, text = profile["nickname"], f"Hi #{next(EXAMPLE)}: {profile['message']}"
    assume(not any(v in text or v in text.strip() for v in values))
    assume(nickname is None or not any(nickname.lower() in v.lower() or v.lower() in nickname.lower() for v in values))

    user = emulator.add_user(
        first_name=profile["first_name"],
        last_name=profile["last_name"],
        username=profile["username"],
        language_code=profile["language_code"],
    )
    checked = [v for v in values if len(v) >= 3 and v not in vocabulary] + [str(user.id)]
    since = mark(emulator, staff_group)
    await go_through_intake(emulator, user, language=profile["language"], nickname=nickname)
    sent = user.send_text(text)
    await emulator.wait_for(lambda: any(m.get("text") == sent["text"] for m in staff_group.messages()), timeout=15)

    shown = shown_to_the_team(emulator, staff_group, since)
    assert any(sent["text"] in s for s in shown), "the check looks at what the team sees"
    assert any(ALIAS.sub("K-####", t.name) in shown for t in staff_group.topics.values()), "and the topic's name"
    leaks = [(v, s) for v in checked for s in shown if v in s]
    assert not leaks, leaks
    copy = next(m for m in staff_group.messages() if m.get("text") == sent["text"])
    assert "forward_origin" not in copy and copy["from"]["id"] == emulator.bot_user["id"]


EXAMPLE = itertools.count(1)
ALIAS = re.compile(r"K-[2-9A-Z]{4}")

"""Helpers for the bus tests (tests/e2e/test_bus_*.py): many subscribers at once (written straight into the
database, as intake would have left them), the coordinator pressing through the announcement panel, and what
arrived."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from booking_kit import buttons, press_and_wait, text_of
from sqlalchemy import insert, select

from bot.i18n import Translator
from bot.privacy import Keyring
from sandbox import Emulator
from storage.engine import create_engine, session_factory
from storage.models import Contact, Subscription

LANGUAGES = ("de", "en", "ar", "fa", "uk", "ru", "tr", "kmr", "pl", "ro")
TOWNS = ("peine", "edemissen", "hohenhameln", "ilsede", "lengede", "vechelde", "wendeburg")


async def add_subscribers(  # type: ignore[no-untyped-def]
    emu: Emulator,
    database_url: str,
    keyring: Keyring,
    count: int,
    places: Callable[[int], list[str]],
    languages: tuple[str, ...] = LANGUAGES,
) -> list[tuple[Any, str]]:
    """`count` young people who went through intake earlier, each subscribed to `places(i)`; returns (user,
    language) pairs. Written in two statements, so thousands take a moment, not minutes."""
    people = [(emu.add_user(first_name=f"Sub {i}"), languages[i % len(languages)]) for i in range(count)]
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            rows = [
                {
                    "user_key": keyring.user_key(user.id),
                    "chat_id_enc": keyring.encrypt_int(user.chat_id),
                    "language": language,
                    "status": "active",
                    "consent_at": now,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for user, language in people
            ]
            await session.execute(insert(Contact), rows)
            ids = dict((await session.execute(select(Contact.user_key, Contact.id))).all())
            subscriptions = [
                {"contact_id": ids[keyring.user_key(user.id)], "place": place, "created_at": now}
                for i, (user, _) in enumerate(people)
                for place in places(i)
            ]
            await session.execute(insert(Subscription), subscriptions)
    finally:
        await engine.dispose()
    return people


async def announce(  # type: ignore[no-untyped-def]
    emu: Emulator, coordinator, tr: Translator, steps: list[tuple[str, str]], chat=None, send: bool = True
) -> dict[str, Any]:
    """/announce, then press each (button label, text expected after it) in turn, then "Send"; returns the panel
    (once it shows the progress). In the staff group (chat) or in the coordinator's private chat."""
    coordinator.send_command("announce", chat=chat)
    await emu.wait_for(lambda: _panel(coordinator, chat, steps[0][0]))
    panel: dict[str, Any] = {}
    for label, expect in steps:
        panel = await press_and_wait(emu, coordinator, label, expect, chat=chat)
    if send:
        panel = await press_and_wait(emu, coordinator, tr._("✅ Send"), tr._("Sending:"), chat=chat)
    return panel


def _panel(user, chat, label: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    messages = chat.messages() if chat is not None else user.messages
    return next((m for m in reversed(messages) if any(label in t for t, _ in buttons(m))), None)


def received(user, fragment: str) -> int:  # type: ignore[no-untyped-def]
    """How many messages with the fragment the user got."""
    return sum(1 for m in user.messages if fragment in text_of(m))


def copies(people: list[tuple[Any, str]], texts: dict[str, str]) -> Counter[int]:
    """How many times each person got the text rendered in their language."""
    return Counter({user.id: sum(1 for m in user.messages if text_of(m) == texts[lang]) for user, lang in people})

"""Helpers shared by the handoff tests (tests/e2e/test_handoff_*.py): the database as the bot sees it, the texts
the bot writes (through its own catalogs, so the tests do not depend on the wording of a translation), and
waiting for what arrives in a case topic or a young person's chat."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from test_intake import go_through_intake

from bot.i18n import Translator
from bot.runtime import BotRuntime
from sandbox import Emulator
from storage.models import Case, CaseMessage, Contact, OutboxMessage

STAFF_NAME = "Sam"  # the display name of the `worker` fixture (tests/conftest.py)


async def open_case(emu: Emulator, user, group, text: str = "Hello, I need help with a letter") -> int:  # type: ignore[no-untyped-def]
    """Intake, then a first message; returns the case topic's thread id once the copy is there (as in
    test_handoff.py, which is not imported here: it imports names from `conftest`)."""
    before = {t for t, topic in group.topics.items() if not topic.deleted}
    await go_through_intake(emu, user)
    user.send_text(text)
    await emu.wait_for(lambda: any(text == m.get("text") for m in group.messages()))
    [thread] = [t for t, topic in group.topics.items() if not topic.deleted and t not in before]
    return thread


def staff_tr(bot: BotRuntime) -> Translator:
    """The team's language (STAFF_LANGUAGE), as the bot writes in the staff group."""
    assert bot.services is not None
    return bot.services.catalogs.translator(bot.settings.staff_language)


def youth_tr(bot: BotRuntime, language: str) -> Translator:
    assert bot.services is not None
    return bot.services.catalogs.translator(language)


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def all_cases(bot: BotRuntime) -> list[Case]:
    assert bot.services is not None
    async with bot.services.sessions() as session:
        return list((await session.scalars(select(Case).order_by(Case.id))).all())


async def all_contacts(bot: BotRuntime) -> list[Contact]:
    assert bot.services is not None
    async with bot.services.sessions() as session:
        return list((await session.scalars(select(Contact).order_by(Contact.id))).all())


async def case_messages(bot: BotRuntime, case_id: int) -> list[CaseMessage]:
    assert bot.services is not None
    async with bot.services.sessions() as session:
        rows = await session.scalars(select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id))
        return list(rows.all())


async def pending_outbox(bot: BotRuntime) -> list[OutboxMessage]:
    assert bot.services is not None
    async with bot.services.sessions() as session:
        return list((await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))).all())


async def case_of_topic(bot: BotRuntime, thread: int) -> Case:
    [case] = [c for c in await all_cases(bot) if c.topic_id == thread]
    return case


async def wait_in_topic(emu: Emulator, group, thread: int, check, timeout: float = 10.0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Wait until a message the bot posted in the topic satisfies check(message); return the newest such."""

    def found() -> dict[str, Any] | None:
        return next((m for m in reversed(group.messages(thread_id=thread)) if check(m)), None)

    return await emu.wait_for(found, timeout=timeout)


async def wait_topic_text(emu: Emulator, group, thread: int, fragment: str, timeout: float = 10.0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return await wait_in_topic(emu, group, thread, lambda m: fragment in text_of(m), timeout)


async def wait_in_chat(emu: Emulator, user, check, timeout: float = 10.0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Wait until a message the bot sent the young person satisfies check(message); return the newest such."""

    def found() -> dict[str, Any] | None:
        return next((m for m in reversed(user.messages) if check(m)), None)

    return await emu.wait_for(found, timeout=timeout)


def general_texts(group) -> list[str]:  # type: ignore[no-untyped-def]
    """What the bot wrote in the General topic (answers to commands sent there)."""
    return [text_of(m) for m in group.messages() if "message_thread_id" not in m]


def calls_into(emu: Emulator, chat_id: int, method: str | None = None, status: int | None = 200) -> list[Any]:
    return [
        c
        for c in emu.calls
        if str(c.params.get("chat_id")) == str(chat_id)
        and (method is None or c.method == method)
        and (status is None or c.status == status)
    ]


def no_forwards(emu: Emulator) -> None:
    """The bot never forwards: a forward shows the young person's account to the team."""
    forwards = [c for c in emu.calls if c.method.lower() in ("forwardmessage", "forwardmessages")]
    assert not forwards, forwards

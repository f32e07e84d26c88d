"""The young person's rights, end to end: /delete takes everything about them (no row of any table points to them
afterwards, their topic is deleted, the team is told only the alias, the report's figures stay the same), and
/mydata sends them a file with everything stored about them, in their language."""

from __future__ import annotations

import json
from pathlib import Path

import booking_kit
from booking_kit import book, rows
from handoff_helpers import general_texts, staff_tr, wait_topic_text, youth_tr
from helpers import eventually
from rights_kit import outbox_drained, period_around, report_csv, rows_pointing_to, traces_of
from sqlalchemy import select
from test_intake import go_through_intake, wait_text

from bot import erasure, mydata
from bot.context import UnitOfWork
from bot.runtime import BotRuntime
from sandbox import Emulator
from storage import contacts, inbox
from storage.models import Case, Contact, HourEntry, InboxUpdate, SlotBooking

ROOT = Path(__file__).resolve().parents[2]
booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures

NOTE = "Zorabel worries about the letter from the job centre"


async def a_case_with_everything(emu: Emulator, bot: BotRuntime, group, worker, user, language: str) -> int:  # type: ignore[no-untyped-def]
    """Intake with the nickname Zorabel, a message, an answer, a note, an hour entry with a note, an appointment.
    Returns the case topic's thread id."""
    await go_through_intake(emu, user, language="English" if language == "en" else "Deutsch", nickname="Zorabel")
    before = set(group.topics)
    user.send_text("I need help with a letter")
    await emu.wait_for(lambda: any(m.get("text") == "I need help with a letter" for m in group.messages()))
    [thread] = [t for t in group.topics if t not in before]
    worker.send_text("Hi, I am Sam. Send me a photo of it?", chat=group, thread_id=thread)
    await emu.wait_for(lambda: any("Send me a photo" in (m.get("text") or "") for m in user.messages))
    worker.send_command("note", NOTE, chat=group, thread_id=thread)
    await wait_topic_text(emu, group, thread, staff_tr(bot)._("📝 Note saved. It is not sent to the young person."))
    worker.send_command("hours", "1.5 went along to the job centre", chat=group, thread_id=thread)
    await eventually(lambda: _has(bot, HourEntry))
    await book(emu, user, day="bk:day:2026-11-23", language=language)
    return thread


async def _has(bot: BotRuntime, model: type) -> bool:
    return bool(await rows(bot, model))


async def test_delete_leaves_nothing_that_points_to_them_and_the_figures_stay(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker, clock
) -> None:
    ana = emulator.add_user(first_name="Ana", language_code="en")
    thread = await a_case_with_everything(emulator, booking_bot, staff_group, worker, ana, "en")
    ben = emulator.add_user(first_name="Ben", language_code="en")
    await go_through_intake(emulator, ben, nickname="Benno")
    ben.send_text("Hello from Ben")
    await emulator.wait_for(lambda: any(m.get("text") == "Hello from Ben" for m in staff_group.messages()))
    await outbox_drained(booking_bot)
    ana_traces = await traces_of(booking_bot, ana.id)
    ben_traces = await traces_of(booking_bot, ben.id)
    assert ana_traces.appointment_ids and thread in ana_traces.topic_ids
    assert await rows_pointing_to(booking_bot, ana_traces), "the search finds them before the deletion"
    period = period_around(clock.now().date(), booking_bot.services.clock.now().date())  # type: ignore[union-attr]
    figures_before = await report_csv(booking_bot, period)

    ana.send_command("delete")
    await wait_text(emulator, ana, "cannot be undone")
    ana.press("del:yes")
    await wait_text(emulator, ana, youth_tr(booking_bot, "en")._("Done: everything we had stored about you").strip())

    await emulator.wait_for(lambda: staff_group.topics[thread].deleted)
    [alias] = ana_traces.aliases
    told = staff_tr(booking_bot).ngettext(
        "Case {aliases} was deleted at the young person's request.",
        "Cases {aliases} were deleted at the young person's request.",
        1,
        aliases=alias,
    )
    await emulator.wait_for(lambda: told in general_texts(staff_group))
    await outbox_drained(booking_bot)
    assert await rows_pointing_to(booking_bot, ana_traces) == []
    assert await report_csv(booking_bot, period) == figures_before, "the anonymous counts stay"
    # Ben is untouched; Ana's place is free again; the hour stays in the pool, without her case.
    assert await rows_pointing_to(booking_bot, ben_traces)
    assert not any(staff_group.topics[t].deleted for t in ben_traces.topic_ids)
    assert [c.id for c in await rows(booking_bot, Contact)] == [ben_traces.contact_id]
    assert {s.taken for s in await rows(booking_bot, SlotBooking)} == {0}
    [entry] = await rows(booking_bot, HourEntry)
    assert entry.case_id is None and entry.minutes == 90
    # Writing again starts from the beginning.
    ana.send_text("hello again")
    await wait_text(emulator, ana, "Anlaufstelle")


async def test_updates_waiting_in_the_inbox_are_not_handled_after_the_deletion(bot: BotRuntime, emulator) -> None:  # type: ignore[no-untyped-def]
    """What the person sent after confirming and is still waiting in the inbox is settled without being handled:
    handling it would store them again."""
    ana = emulator.add_user(first_name="Ana", language_code="en")
    ben = emulator.add_user(first_name="Ben", language_code="en")
    await go_through_intake(emulator, ana)
    assert bot.services is not None
    keyring = bot.services.keyring

    def update(update_id: int, user) -> tuple[int, bytes]:  # type: ignore[no-untyped-def]
        sender = {"id": user.id, "is_bot": False, "first_name": user.first_name}
        message = {"message_id": 1, "date": 0, "chat": {"id": user.id, "type": "private"}, "from": sender, "text": "x"}
        return update_id, keyring.encrypt(json.dumps({"update_id": update_id, "message": message}).encode())

    async with bot.services.sessions() as session, session.begin():
        # Stored as a batch the processor cannot see before this transaction commits (ids far above the emulator's).
        await inbox.store(session, [update(10**9, ana), update(10**9 + 1, ben)])
        uow = UnitOfWork(session=session, services=bot.services, update_id=0)
        contact = await contacts.find_by_user_key(session, keyring.user_key(ana.id))
        await erasure.erase(uow, contact, keyring.user_key(ana.id), ana.id)
        await uow.flush_outgoing()
    async with bot.services.sessions() as session:
        rows_left = {u.update_id: u for u in (await session.scalars(select(InboxUpdate))).all()}
    assert rows_left[10**9].status == "done" and rows_left[10**9].payload_enc is None
    await wait_text(emulator, ben, "Anlaufstelle")  # Ben's update is handled: he gets the greeting
    assert await rows(bot, Contact) == []


async def test_what_comes_in_the_same_batch_after_the_deletion_is_not_handled(  # type: ignore[no-untyped-def]
    settings, emulator: Emulator, staff_group
) -> None:
    """The processor claims a batch of updates at once: what the person sent after confirming, in the same batch,
    is not handled either (it would store them again), while the others' updates of the batch are."""
    ana = emulator.add_user(first_name="Ana", language_code="en")
    ben = emulator.add_user(first_name="Ben", language_code="en")
    async with BotRuntime(settings):
        await go_through_intake(emulator, ana)
        ana.send_command("delete")
        await wait_text(emulator, ana, "cannot be undone")
    # While the bot is down: it finds all of these at once when it is back, and handles them in one batch.
    ana.press("del:yes")
    ana.send_text("one more thing")
    ana.send_command("start")
    ben.send_command("start")
    async with BotRuntime(settings) as bot:
        await wait_text(emulator, ben, "Anlaufstelle")
        done = youth_tr(bot, "en")._("Done: everything we had stored about you").strip()
        await wait_text(emulator, ana, done)
        await outbox_drained(bot)
        assert await rows(bot, Contact) == []
        async with bot.services.sessions() as session:  # type: ignore[union-attr]
            statuses = (await session.scalars(select(InboxUpdate.status))).all()
        assert set(statuses) == {"done"}
    to_ana = [c for c in emulator.calls if str(c.params.get("chat_id")) == str(ana.id)]
    assert done in str(to_ana[-1].params.get("text")), "nothing after the deletion: the text and /start not handled"


async def test_mydata_sends_a_file_with_everything_in_their_language(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker, clock
) -> None:
    lena = emulator.add_user(first_name="Lena", language_code="de")
    await a_case_with_everything(emulator, booking_bot, staff_group, worker, lena, "de")
    [case] = await rows(booking_bot, Case)
    lena.send_command("mydata")
    message = await emulator.wait_for(
        lambda: next((m for m in lena.messages if (m.get("document") or {}).get("file_name") == mydata.FILENAME), None)
    )
    tr = youth_tr(booking_bot, "de")
    assert message["caption"] == tr._("Everything we have stored about you. /delete deletes it.")
    content = emulator.state.files[message["document"]["file_id"]].data.decode("utf-8")
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "mydata-de.txt").write_text(content, encoding="utf-8")  # to look at
    for expected in (
        tr._("Anlaufstelle: everything we have stored about you"),
        tr._("About you"),
        "Zorabel",
        "Ilsede",
        tr._("18–21"),
        str(lena.id),  # the chat id, decrypted for them
        tr._("Conversation with the team: case {alias}", alias=case.alias),
        NOTE,  # the team's note, decrypted for them
        "went along to the job centre",  # the note on the hours
        "Peine, Marktplatz",
        tr._("Messages (when and what kind; the contents are in this chat):"),
        tr._("from {name}", name="Sam"),
    ):
        assert expected in content, expected
    assert "I need help with a letter" not in content, "relayed messages are copied, their contents not kept"
    # Nothing stored, nothing to send.
    stranger = emulator.add_user(first_name="Nobody", language_code="en")
    stranger.send_command("mydata")
    await wait_text(emulator, stranger, "We have nothing stored about you.")

"""The coordinator's announcements, by buttons in the staff group or in a private chat with the bot: "running late"
and "we are here until" from templates (each subscriber reads them in their language, /bus shows them), a free
text (as written, marked as such) and a correction to the same people, "cancelled today" (the plan and the
appointments follow), preview and discard, the role check, and the numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import booking_kit
from booking_kit import book_peine, press_and_wait, rows, text_of, wait_in_group, wait_message
from bus_kit import add_subscribers, announce
from helpers import FakeClock
from test_intake import go_through_intake

from bot.i18n import Translator
from bot.runtime import BotRuntime
from sandbox import Emulator
from storage.models import Announcement, Appointment

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 13:00 in Berlin; the bus is at Peine from 14:00


def trs(runtime: BotRuntime) -> tuple[Translator, Translator]:
    """The team's language and English."""
    assert runtime.services is not None
    catalogs = runtime.services.catalogs
    return catalogs.translator(runtime.settings.staff_language), catalogs.translator("en")


def counts(tr: Translator, sent: int, failed: int, left: int) -> str:
    return tr._("{sent} sent · {failed} failed · {left} left", sent=sent, failed=failed, left=left)


async def test_running_late_from_the_staff_group_reaches_each_subscriber_in_their_language(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, database_url: str, team_member, staff_group
) -> None:
    clock.set(MONDAY_NOON)
    assert booking_bot.services is not None
    tr, en = trs(booking_bot)
    places = [["peine"], ["peine", "vechelde"], ["vechelde"]]
    people = await add_subscribers(
        emulator, database_url, booking_bot.services.keyring, 3, lambda i: places[i], ("en", "ar", "en")
    )
    cora = await team_member("Cora Coordinator", "Cora", "coordinator")
    panel = await announce(
        emulator,
        cora,
        tr,
        [
            (tr._("⏱ Running late"), tr._("Which stop?")),
            ("Peine, Marktplatz · ", tr._("How late is the bus at {stop}?", stop="Peine, Marktplatz")),
            (
                tr.ngettext("{n} minute", "{n} minutes", 15),
                tr._("Preview – each subscriber reads it in their own language:"),
            ),
        ],
        chat=staff_group,
    )
    assert "message_thread_id" not in panel, "in the General topic, where /announce was sent"

    def late(t: Translator) -> str:
        return t.ngettext(
            "⏱ The bus is running about {n} minute late today at {stop}.",
            "⏱ The bus is running about {n} minutes late today at {stop}.",
            15,
            stop="Peine, Marktplatz",
        )

    assert booking_bot.services is not None
    ar = booking_bot.services.catalogs.translator("ar")
    for (user, _), expected in zip(people[:2], [late(en), late(ar)], strict=True):
        message = await wait_message(emulator, user, expected)
        assert text_of(message).startswith(expected + "\n\n")
    done = await wait_in_group(emulator, staff_group, counts(tr, 2, 0, 0))
    assert tr._("✏️ Send a correction") in [label for label, _ in booking_kit.buttons(done)]
    assert people[2][0].messages == [], "not subscribed to Peine"
    [announcement] = await rows(booking_bot, Announcement)
    assert (announcement.status, announcement.recipients, announcement.sent, announcement.failed) == ("done", 2, 2, 0)
    cora.send_command("subscribers", chat=staff_group)
    numbers = text_of(await wait_in_group(emulator, staff_group, tr._("Latest announcements:")))
    reach = tr._("{sent} of {n} reached, {failed} failed", sent=2, n=2, failed=0)
    assert f"{announcement.id} · " in numbers and f"{tr._('Peine (town)')}: {reach}" in numbers, numbers

    young = emulator.add_user(first_name="Yara", language_code="en")
    young.send_command("bus")
    answer = text_of(await wait_message(emulator, young, "The bus is next at"))
    assert "⏱ Today it is running about 15 minutes late at Peine, Marktplatz." in answer


async def test_we_are_here_from_a_private_chat_then_a_free_text_correction_to_the_same_people(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, database_url: str, team_member
) -> None:
    clock.set(MONDAY_NOON)
    assert booking_bot.services is not None
    tr, en = trs(booking_bot)
    keyring = booking_bot.services.keyring
    first = await add_subscribers(emulator, database_url, keyring, 2, lambda i: ["vechelde"], ("en", "de"))
    cora = await team_member("Cora Coordinator", "Cora", "coordinator")
    await announce(
        emulator,
        cora,
        tr,
        [
            (tr._("📍 We are here until …"), tr._("Which stop?")),
            ("Vechelde, Rathaus", tr._("Until when are you at {stop}?", stop="Vechelde, Rathaus")),
            ("15:00", tr._("Preview – each subscriber reads it in their own language:")),
        ],
    )
    here = en._("🚌 We are at {stop} now, until {until}.", stop="Vechelde, Rathaus", until="15:00")
    await wait_message(emulator, first[0][0], here)
    await emulator.wait_for(lambda: tr._("✏️ Send a correction") in str(cora.messages[-1].get("reply_markup")))
    young = emulator.add_user(first_name="Yusuf", language_code="en")
    young.send_command("bus")
    assert text_of(await wait_message(emulator, young, "The bus is at")).startswith(
        "🚌 The bus is at Vechelde, Rathaus now, until 15:00."
    ), "the team's word before the plan (Vechelde is on Thursdays)"

    later = await add_subscribers(emulator, database_url, keyring, 1, lambda i: ["vechelde"], ("en",))
    cora.press(tr._("✏️ Send a correction"))
    intro = tr._("✏️ A correction to announcement {id}: it goes to the same people. What is right?").split("{")[0]
    await wait_message(emulator, cora, intro)
    await press_and_wait(emulator, cora, tr._("✏️ Free text"), tr._("Write the text now, as your next message here."))
    cora.send_text("Sorry: only until 14:30 today!")
    await wait_message(emulator, cora, tr._("Preview – each subscriber reads it in their own language:"))
    await press_and_wait(emulator, cora, tr._("✅ Send"), tr._("Sending:"))
    correction = en._("✏️ Correction to our earlier message:") + "\n" + en._("📢 From the bus team, in their own words:")
    message = await wait_message(emulator, first[0][0], "Sorry: only until 14:30 today!")
    assert text_of(message).startswith(correction + "\nSorry: only until 14:30 today!")
    await wait_message(emulator, first[1][0], "Sorry: only until 14:30 today!")
    await wait_message(emulator, cora, counts(tr, 2, 0, 0))
    assert later[0][0].messages == [], "a correction goes to the people who got the mistake, nobody else"


async def test_cancelled_today_cancels_the_stop_and_its_appointments(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, database_url: str, team_member, staff_group, worker
) -> None:
    assert booking_bot.services is not None
    tr, _ = trs(booking_bot)
    booked = emulator.add_user(first_name="Bo", language_code="en")
    await go_through_intake(emulator, booked)
    await book_peine(emulator, booked, "15:00")
    clock.set(MONDAY_NOON)
    [subscriber] = await add_subscribers(emulator, database_url, booking_bot.services.keyring, 1, lambda i: ["peine"])
    cora = await team_member("Cora Coordinator", "Cora", "coordinator")
    await announce(
        emulator,
        cora,
        tr,
        [
            (tr._("❌ Cancelled today"), tr._("Which stop?")),
            ("Peine, Marktplatz", tr._("Preview – each subscriber reads it in their own language:")),
        ],
        chat=staff_group,
    )
    de = booking_bot.services.catalogs.translator("de")
    expected = de._(
        "❌ Today's stop in {place} is cancelled: the bus does not come to {stop} on {day}.",
        place=de._("Peine (town)"),
        stop="Peine, Marktplatz",
        day=de.day(MONDAY_NOON.date()),
    )
    await wait_message(emulator, subscriber[0], expected)
    await wait_message(emulator, booked, "Sorry, we have to cancel your appointment")
    [appointment] = await rows(booking_bot, Appointment)
    assert (appointment.status, appointment.cancelled_by) == ("cancelled", "plan")
    booked.send_command("bus")
    answer = text_of(await wait_message(emulator, booked, "The bus is next at"))
    assert answer.startswith("🚌 The bus is next at Ilsede, Bahnhof Groß Ilsede: Tue 24 Nov"), answer


async def test_only_coordinators_publish_discarding_sends_nothing_and_the_numbers(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, database_url: str, team_member, staff_group, worker
) -> None:
    assert booking_bot.services is not None
    tr, _ = trs(booking_bot)
    places = [["peine"], ["peine", "lengede"], ["lengede"]]
    people = await add_subscribers(emulator, database_url, booking_bot.services.keyring, 3, lambda i: places[i])
    worker.send_command("announce", chat=staff_group)
    await wait_in_group(emulator, staff_group, tr._("Only coordinators can publish bus announcements."))

    cora = await team_member("Cora Coordinator", "Cora", "coordinator")
    cora.send_command("announce", chat=staff_group)
    panel = await wait_in_group(
        emulator, staff_group, tr._("📢 A bus announcement to subscribers. What do you want to tell them?")
    )
    query = worker.press(tr._("✏️ Free text"), message_id=panel["message_id"], chat=staff_group)
    refused = await emulator.wait_for(lambda: emulator.callback_answer(query["id"]))
    assert refused["text"] == tr._("Only coordinators can publish bus announcements.")
    await press_and_wait(emulator, cora, tr._("✏️ Free text"), tr._("Who should get it?"), chat=staff_group)
    await press_and_wait(
        emulator,
        cora,
        tr._("Everyone subscribed"),
        tr._("Write the text now, as a message in the General topic of this group."),
        chat=staff_group,
    )
    worker.send_text("Colleagues talking in General are not an announcement", chat=staff_group)
    cora.send_text("Heute grillen wir am Bus!", chat=staff_group)
    preview = await wait_in_group(emulator, staff_group, "Heute grillen wir am Bus!")
    assert tr.ngettext("It goes to {n} subscriber ({place}).", "It goes to {n} subscribers ({place}).", 3,
                       place=tr._("everyone subscribed")) in text_of(preview)  # fmt: skip
    await press_and_wait(emulator, cora, tr._("Discard"), tr._("Discarded; nothing was sent."), chat=staff_group)
    assert all(user.messages == [] for user, _ in people)

    cora.send_command("subscribers")  # in her private chat with the bot
    numbers = text_of(await wait_message(emulator, cora, "•"))
    assert tr.ngettext("{n} young person is subscribed.", "{n} young people are subscribed.", 3) in numbers
    assert f"• {tr._('Peine (town)')}: 2" in numbers and "• Lengede: 2" in numbers
    worker.send_command("subscribers")  # a worker in private: the team's commands are for the group
    de = booking_bot.services.catalogs.translator("de")  # the worker's Telegram speaks German
    await wait_message(emulator, worker, de._("This command is for the team in the staff group."))

"""Ways through the booking journey: by a shared location, a home visit instead of the bus, without a topic, with
an appointment already open; what the team sees (case topic, /today, /week); the German confirmation and the
calendar file as the phone gets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import booking_kit
import httpx
from booking_kit import (
    STAFF_WAIT,
    appointments_of,
    book,
    buttons,
    case_topic,
    press_and_wait,
    text_of,
    wait_in_group,
    wait_message,
)
from helpers import FakeClock
from icalendar import Calendar
from sqlalchemy import select
from test_intake import go_through_intake, wait_text

from bot import booking
from bot.i18n import Translator
from bot.runtime import BotRuntime
from sandbox import Emulator
from storage.models import Case, Contact

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures


def staff_tr(runtime: BotRuntime) -> Translator:
    assert runtime.services is not None
    return runtime.services.catalogs.translator(runtime.settings.staff_language)


async def contact_ids(runtime: BotRuntime) -> list[int]:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        return list((await session.scalars(select(Contact.id).order_by(Contact.id))).all())


async def case_of(runtime: BotRuntime, contact_id: int) -> Case:
    assert runtime.services is not None
    async with runtime.services.sessions() as session:
        case = await session.scalar(select(Case).where(Case.contact_id == contact_id))
    assert case is not None
    return case


async def test_sharing_a_location_offers_the_nearest_stops_with_distance(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Omid", language_code="en")
    await go_through_intake(emulator, user)
    user.send_command("appointment")
    await wait_text(emulator, user, "share your location")
    user.send_location(52.3880, 10.2650)  # near the town hall of Edemissen
    offer = await wait_text(emulator, user, "These stops are nearest to you")
    labels = [label for label, _ in buttons(offer)]
    assert len(labels) == 5
    assert labels[0] == "Edemissen, Rathausplatz · 0.2 km · Tue 24 Nov", labels
    assert labels[1] == "Peine, Marktplatz · 7.8 km · Mon 23 Nov", labels
    distances = [float(label.split(" · ")[1].removesuffix(" km")) for label in labels]
    assert distances == sorted(distances)
    assert buttons(offer)[0][1].startswith("bk:stop:")
    await press_and_wait(emulator, user, "Edemissen, Rathausplatz", "Which day")
    await press_and_wait(emulator, user, "Tue 24 Nov", "Which time")
    await press_and_wait(emulator, user, "16:00", "What is it about")
    await press_and_wait(emulator, user, "bk:topic:none", "Your appointment")
    await press_and_wait(emulator, user, "bk:ok", "Done")
    [appointment] = await appointments_of(booking_bot)
    assert appointment.starts_at == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


async def test_a_location_in_german_shows_german_numbers(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Jonas", language_code="de")
    await go_through_intake(emulator, user, language="Deutsch")
    user.send_command("appointment")
    await emulator.wait_for(lambda: "bk:visit" in str(user.last_message.get("reply_markup")))
    user.send_location(52.3203, 10.2336)  # Peine, Marktplatz itself
    offer = await emulator.wait_for(lambda: len(buttons(user.last_message)) == 5 and user.last_message)
    labels = [label for label, _ in buttons(offer)]
    assert labels[0] == "Peine, Marktplatz · 0 km · Mo., 23. Nov.", labels
    assert labels[1:3] == [
        "Ilsede, Bahnhof Groß Ilsede · 7 km · Di., 24. Nov.",
        "Edemissen, Rathausplatz · 7,7 km · Di., 24. Nov.",
    ], labels


async def test_a_home_visit_request_lands_in_the_case_topic_and_waits_in_the_queue(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Sara", language_code="en")
    await go_through_intake(emulator, user)
    user.send_command("appointment")
    await wait_text(emulator, user, "Where do you want to meet us")
    answer = await press_and_wait(emulator, user, "bk:visit", "A social worker will get in touch")
    assert not buttons(answer)
    [contact_id] = await contact_ids(booking_bot)
    thread = await case_topic(booking_bot, contact_id)
    tr = staff_tr(booking_bot)
    await wait_in_group(emulator, staff_group, tr._("🏠 Wish: a home visit or a meeting somewhere else."), thread)
    case = await case_of(booking_bot, contact_id)
    assert case.waiting_since is not None and case.status == "open"
    assert await appointments_of(booking_bot) == []
    worker.send_command("queue", chat=staff_group)
    queue = await wait_in_group(emulator, staff_group, tr.ngettext("{n} open case", "{n} open cases", 1))
    assert f"🟡 {case.alias}" in text_of(queue)


async def test_without_a_topic_and_what_the_team_sees(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:
    lea = emulator.add_user(first_name="Lea", language_code="en")
    kai = emulator.add_user(first_name="Kai", language_code="en")
    await go_through_intake(emulator, lea)
    await go_through_intake(emulator, kai)
    await book(emulator, lea, time_label="14:00", topic="bk:topic:none")
    confirm_step = next(m for m in lea.messages if "Done" in text_of(m))
    assert "About:" not in text_of(confirm_step)
    await book(emulator, kai, day="Thu 26 Nov", time_label="15:00", topic="bk:topic:money")
    lea_id, kai_id = await contact_ids(booking_bot)
    tr = staff_tr(booking_bot)
    lea_topic, kai_topic = await case_topic(booking_bot, lea_id), await case_topic(booking_bot, kai_id)
    lea_when = booking.when_text(tr, datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    lea_note = await wait_in_group(emulator, staff_group, "📅", lea_topic)
    assert text_of(lea_note) == tr._("📅 Appointment booked: {line}", line=f"{lea_when} – Peine, Marktplatz")
    kai_note = await wait_in_group(emulator, staff_group, "📅", kai_topic)
    assert text_of(kai_note).endswith(" · " + tr._("Money or debts"))
    lea_case, kai_case = await case_of(booking_bot, lea_id), await case_of(booking_bot, kai_id)
    appointments = await appointments_of(booking_bot)
    assert [a.case_id for a in appointments] == [lea_case.id, kai_case.id], "each belongs to its case"
    assert [a.topic for a in appointments] == [None, "money"]

    sent_before = len(staff_group.messages())
    worker.send_command("week", chat=staff_group)
    week = await emulator.wait_for(
        lambda: next((m for m in staff_group.messages()[sent_before:] if kai_case.alias in text_of(m)), None),
        timeout=STAFF_WAIT,
    )
    assert text_of(week).splitlines() == [
        f"{tr.day(datetime(2026, 11, 23).date())} 14:00 · Peine, Marktplatz · {lea_case.alias}",
        f"{tr.day(datetime(2026, 11, 26).date())} 15:00 · Peine, Marktplatz · {kai_case.alias}",
    ]
    assert not buttons(week), "nothing has begun yet"
    worker.send_command("today", chat=staff_group)
    await wait_in_group(emulator, staff_group, tr._("No appointments."))
    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday morning
    sent_before = len(staff_group.messages())
    worker.send_command("today", chat=staff_group)
    today = await emulator.wait_for(
        lambda: next((m for m in staff_group.messages()[sent_before:] if lea_case.alias in text_of(m)), None),
        timeout=STAFF_WAIT,
    )
    assert text_of(today) == f"{tr.day(datetime(2026, 11, 23).date())} 14:00 · Peine, Marktplatz · {lea_case.alias}"


async def test_booking_again_while_one_is_open_offers_the_choices(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Tom", language_code="en")
    await go_through_intake(emulator, user)
    await book(emulator, user, time_label="15:00")
    [appointment] = await appointments_of(booking_bot)

    user.send_command("appointment")
    question = await wait_text(emulator, user, "You already have an appointment")
    assert "Monday, 23 November 2026, 15:00 – Peine, Marktplatz" in text_of(question)
    assert buttons(question) == [
        ("Move it", f"ap:move:{appointment.id}"),
        ("Cancel it", f"ap:no:{appointment.id}"),
        ("Book another one", "bk:another"),
        ("Keep it", "bk:keep"),
    ]
    await press_and_wait(emulator, user, "bk:keep", "stays as it is")

    user.send_command("appointment")
    await wait_text(emulator, user, "You already have an appointment")
    await press_and_wait(emulator, user, f"ap:no:{appointment.id}", "Cancel this appointment?")
    await press_and_wait(emulator, user, f"ap:keep:{appointment.id}", "stays as it is")
    assert [a.status for a in await appointments_of(booking_bot)] == ["booked"]

    user.send_command("appointment")
    await wait_text(emulator, user, "You already have an appointment")
    await press_and_wait(emulator, user, f"ap:move:{appointment.id}", "Where do you want to meet us")
    await press_and_wait(emulator, user, "Peine, Marktplatz", "Which day")
    await press_and_wait(emulator, user, "Mon 23 Nov", "Which time")
    await press_and_wait(emulator, user, "16:30", "What is it about")
    await press_and_wait(emulator, user, "bk:topic:none", "Your appointment")
    await press_and_wait(emulator, user, "bk:ok", "Done")
    await wait_message(emulator, user, "Your appointment is moved")
    [moved] = await appointments_of(booking_bot)
    assert (moved.id, moved.starts_at) == (appointment.id, datetime(2026, 11, 23, 15, 30, tzinfo=UTC))

    user.send_command("appointment")
    await wait_text(emulator, user, "You already have an appointment")
    await press_and_wait(emulator, user, "bk:another", "Where do you want to meet us")
    await press_and_wait(emulator, user, "Edemissen, Rathausplatz", "Which day")
    await press_and_wait(emulator, user, "Tue 24 Nov", "Which time")
    await press_and_wait(emulator, user, "15:00", "What is it about")
    await press_and_wait(emulator, user, "bk:topic:none", "Your appointment")
    await press_and_wait(emulator, user, "bk:ok", "Done")
    assert [(a.status, a.starts_at.day) for a in await appointments_of(booking_bot)] == [
        ("booked", 23),
        ("booked", 24),
    ]


async def test_german_confirmation_and_the_calendar_file(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Lena", language_code="de")
    await go_through_intake(emulator, user, language="Deutsch")
    user.send_command("appointment")
    await emulator.wait_for(lambda: "bk:visit" in str(user.last_message.get("reply_markup")))
    day = await press_and_wait(emulator, user, "Peine, Marktplatz", "Peine, Marktplatz")
    assert ("Mo., 23. Nov.", "bk:day:2026-11-23") in buttons(day)
    times = await press_and_wait(emulator, user, "bk:day:2026-11-23", "Mo., 23. Nov.")
    assert ("14:30", f"bk:slot:{int(datetime(2026, 11, 23, 13, 30, tzinfo=UTC).timestamp() // 60)}") in buttons(times)
    await press_and_wait(emulator, user, "14:30", "?")
    confirm = await press_and_wait(emulator, user, "bk:topic:housing", "Montag, 23. November 2026, 14:30")
    assert "Montag, 23. November 2026, 14:30 – Peine, Marktplatz" in text_of(confirm)
    tr = booking_bot.services.catalogs.translator("de")  # type: ignore[union-attr]
    assert tr._("About: {topic}", topic=tr._("Housing")) in text_of(confirm)
    await press_and_wait(emulator, user, "bk:ok", tr._("Done ✓"))
    booked = await wait_message(emulator, user, tr._("Your appointment is booked:"))
    assert "Montag, 23. November 2026, 14:30 – Peine, Marktplatz" in text_of(booked)

    document = await emulator.wait_for(lambda: next((m for m in user.messages if m.get("document")), None))
    assert document["document"]["file_name"] == "appointment.ics"
    assert booking_bot.settings.telegram_bot_token is not None
    token = booking_bot.settings.telegram_bot_token.get_secret_value()
    async with httpx.AsyncClient() as client:
        found = await client.post(
            f"{emulator.base_url}{token}/getFile", json={"file_id": document["document"]["file_id"]}
        )
        path = found.json()["result"]["file_path"]
        content = (await client.get(f"{emulator.base_file_url}{token}/{path}")).content
    [event] = Calendar.from_ical(content).walk("VEVENT")
    starts = event.decoded("dtstart")
    assert starts == datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    assert starts.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None) == datetime(2026, 11, 23, 14, 30)
    assert event.decoded("dtend") - starts == timedelta(minutes=30)
    assert str(event["location"]) == "Peine, Marktplatz, Marktplatz, 31224 Peine"
    assert str(event["summary"]) == tr._("Appointment with the mobile office (Anlaufstelle)")
    venue = next(m for m in user.messages if m.get("venue"))
    assert venue["venue"]["address"] == "Marktplatz, 31224 Peine"

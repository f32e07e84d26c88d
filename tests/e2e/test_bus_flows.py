"""Where is the bus, for young people: /bus (next stop, at a stop now, the coordinator's live location), a shared
location (the nearest stops; to the team only on a tap), /subscribe and /unsubscribe, and the day-before note from
the plan on the test's clock (Sunday 22 November 2026, 10:00 in Berlin; see booking_kit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import booking_kit
from booking_kit import case_topic, rows, text_of, wait_in_group, wait_message
from bus_kit import add_subscribers
from helpers import FakeClock
from test_intake import go_through_intake

from bot.runtime import BotRuntime
from sandbox import Emulator
from storage.models import Contact, DayNote, Subscription

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures


LIVE_THANKS = "📍 Thanks: /bus shows this live location to young people while it is live."


def staff_said(runtime: BotRuntime, msgid: str) -> str:
    assert runtime.services is not None
    return runtime.services.catalogs.translator(runtime.settings.staff_language)._(msgid)


def venue_of(user) -> dict | None:  # type: ignore[no-untyped-def]
    return next((m for m in reversed(user.messages) if "venue" in m), None)


def location_of(user) -> dict | None:  # type: ignore[no-untyped-def]
    return next((m for m in reversed(user.messages) if "location" in m and "venue" not in m), None)


async def test_bus_tells_where_the_bus_is_next_and_sends_the_place(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock
) -> None:
    user = emulator.add_user(first_name="Ada", language_code="en")  # no intake needed to ask
    user.send_command("bus")
    answer = text_of(await wait_message(emulator, user, "The bus is next at"))
    assert "🚌 The bus is next at Peine, Marktplatz: Mon 23 Nov · 14:00–18:00." in answer
    assert "Tue 24 Nov · 14:00–17:00 · Ilsede, Bahnhof Groß Ilsede" in answer.split("Next stops:")[1]
    assert "/subscribe" in answer
    venue = await emulator.wait_for(lambda: venue_of(user))
    assert (venue["venue"]["title"], venue["venue"]["address"]) == ("Peine, Marktplatz", "Marktplatz, 31224 Peine")

    clock.set(datetime(2026, 11, 23, 13, 30, tzinfo=UTC))  # Monday 14:30 in Berlin: the bus is at the market
    user.send_command("bus")
    now = text_of(await wait_message(emulator, user, "The bus is at"))
    assert now.startswith("🚌 The bus is at Peine, Marktplatz now, until 18:00.")
    assert "Tue 24 Nov · 14:00–17:00 · Ilsede" in now


async def test_bus_shows_the_coordinators_live_location_while_it_is_live(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, team_member, staff_group
) -> None:
    cora = await team_member("Cora Coordinator", "Cora", "coordinator")
    shared = cora.send_location(52.301, 10.251, live_period=3600)  # in her private chat with the bot
    await wait_message(emulator, cora, staff_said(booking_bot, LIVE_THANKS))
    user = emulator.add_user(first_name="Ben", language_code="en")
    user.send_command("bus")
    assert "live location" in text_of(await wait_message(emulator, user, "live location (updated"))
    here = await emulator.wait_for(lambda: location_of(user))
    assert (here["location"]["latitude"], here["location"]["longitude"]) == (52.301, 10.251)

    cora.move_location(shared["message_id"], 52.31, 10.26)  # the bus drives on (edited_message)
    user.send_command("bus")
    await emulator.wait_for(lambda: (loc := location_of(user)) is not None and loc["location"]["latitude"] == 52.31)

    cora.stop_location(shared["message_id"])
    user.send_command("bus")
    await emulator.wait_for(lambda: sum(1 for m in user.messages if "venue" in m) == 1)
    assert "live location" not in text_of([m for m in user.messages if "text" in m][-1])

    # In the staff group (outside the case topics) too; it ends by itself when its time is up.
    cora.send_location(52.2, 10.3, chat=staff_group, live_period=600)
    await wait_in_group(emulator, staff_group, staff_said(booking_bot, LIVE_THANKS))
    user.send_command("bus")
    await emulator.wait_for(lambda: (loc := location_of(user)) is not None and loc["location"]["latitude"] == 52.2)
    clock.advance(timedelta(minutes=11))
    user.send_command("bus")
    await emulator.wait_for(lambda: sum(1 for m in user.messages if "venue" in m) == 2)


async def test_a_shared_location_gives_the_nearest_stops_and_reaches_the_team_only_on_a_tap(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Cem", language_code="en")
    await go_through_intake(emulator, user)
    user.send_location(52.2630, 10.1850)  # near the station of Groß Ilsede
    answer = await wait_message(emulator, user, "The stops nearest to you")
    lines = text_of(answer).splitlines()
    assert lines[1].startswith("Ilsede, Bahnhof Groß Ilsede · 0.3 km · Tue 24 Nov · 14:00–17:00"), lines
    assert lines[2].startswith("Peine, Marktplatz · 7.2 km · Mon 23 Nov · 14:00–18:00"), lines
    assert len(lines) == 4
    assert not [m for m in staff_group.messages() if "location" in m], "nothing reached the team by itself"

    user.press(booking_kit.buttons(answer)[0][1], message_id=answer["message_id"])
    await wait_message(emulator, user, "Your location was sent to the team.")
    [contact] = await rows(booking_bot, Contact)
    thread = await case_topic(booking_bot, contact.id)
    copy = await emulator.wait_for(
        lambda: next((m for m in staff_group.messages(thread_id=thread) if "location" in m), None)
    )
    assert copy["location"]["latitude"] == 52.2630
    assert "forward_origin" not in copy

    # Now that they talk with the team (an open case), a location goes to the topic like any message.
    user.send_location(52.3203, 10.2336)
    await emulator.wait_for(lambda: sum(1 for m in staff_group.messages(thread_id=thread) if "location" in m) == 2)
    again = await wait_message(emulator, user, "Peine, Marktplatz · 0 km")
    assert "reply_markup" not in again


async def test_subscribe_to_several_places_and_unsubscribe(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock
) -> None:
    stranger = emulator.add_user(first_name="Eli", language_code="en")
    stranger.send_command("subscribe")  # before intake: intake first (subscribing stores something)
    await wait_message(emulator, stranger, "Anlaufstelle")
    user = emulator.add_user(first_name="Dana", language_code="en")
    await go_through_intake(emulator, user)
    user.send_command("subscribe")
    choice = await wait_message(emulator, user, "Which places do you want news from the bus for?")
    labels = [label for label, _ in booking_kit.buttons(choice)]
    assert labels[0] == "▫️ Ilsede", "their own place comes first"
    assert "You get no news from the bus yet." in text_of(choice)
    await booking_kit.press_and_wait(emulator, user, "sub:t:vechelde", "You get news for: Vechelde.")
    await booking_kit.press_and_wait(emulator, user, "sub:t:peine", "You get news for: Peine (town), Vechelde.")
    await booking_kit.press_and_wait(emulator, user, "sub:t:vechelde", "You get news for: Peine (town).")
    await booking_kit.press_and_wait(emulator, user, "sub:t:ilsede", "You get news for: Peine (town), Ilsede.")
    done = await booking_kit.press_and_wait(emulator, user, "sub:done", "The day before the bus comes")
    assert "reply_markup" not in done
    assert sorted(s.place for s in await rows(booking_bot, Subscription)) == ["ilsede", "peine"]

    user.send_command("unsubscribe")
    await wait_message(emulator, user, "Okay, you get no more news from the bus.")
    assert await rows(booking_bot, Subscription) == []
    user.send_command("unsubscribe")
    await wait_message(emulator, user, "You get no news from the bus. /subscribe chooses places.")


async def test_the_day_before_note_fires_from_the_plan_once_in_each_language(
    booking_bot: BotRuntime, emulator: Emulator, clock: FakeClock, database_url: str
) -> None:
    assert booking_bot.services is not None and booking_bot.day_notes is not None and booking_bot.app is not None
    places = {0: ["peine"], 1: ["peine", "vechelde"], 2: ["hohenhameln"], 3: ["peine"]}
    people = await add_subscribers(
        emulator, database_url, booking_bot.services.keyring, 4, lambda i: places[i], ("en", "de", "en", "ar")
    )
    notes = sorted(await rows(booking_bot, DayNote), key=lambda n: n.on_date)
    monday = notes[0]
    assert (monday.on_date.isoformat(), monday.due_at) == ("2026-11-23", datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    assert len(notes) == 7, "a row for each day of the coming week, the truth the jobs are rebuilt from"
    assert booking_bot.app.job_queue is not None
    [job] = booking_bot.app.job_queue.get_jobs_by_name(f"daynote:{monday.id}")
    assert job.next_t == monday.due_at

    assert await booking_bot.day_notes.run_due() == 0, "not before its time"
    clock.set(monday.due_at)
    await job.run(booking_bot.app)  # the job fires at 18:00 on Sunday
    assert await booking_bot.day_notes.run_due() == 0, "and once only"
    tr = {code: booking_bot.services.catalogs.translator(code) for code in ("en", "de", "ar")}

    def note(code: str) -> str:
        return tr[code]._(
            "🚌 Tomorrow the bus is in {place} from {time} to {end}: {stop}.",
            place=tr[code]._("Peine (town)"),
            time=tr[code].time(datetime(2026, 11, 23, 13, 0, tzinfo=UTC)),
            end=tr[code].time(datetime(2026, 11, 23, 17, 0, tzinfo=UTC)),
            stop="Peine, Marktplatz",
        )

    for (user, _), expected in zip(people, [note("en"), note("de"), None, note("ar")], strict=True):
        if expected is None:  # Hohenhameln is on Wednesday
            continue
        message = await wait_message(emulator, user, expected)
        assert text_of(message).startswith(expected + "\n\n")  # one line: Vechelde is on Thursday
        assert len(user.messages) == 1
    assert people[2][0].messages == []

    # A note that came due while the bot was down is dropped once its day has begun ("tomorrow" would be wrong).
    tuesday = notes[1]
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    assert await booking_bot.day_notes.run_due() == 0
    assert {n.on_date.isoformat(): n.status for n in await rows(booking_bot, DayNote)}[
        str(tuesday.on_date)
    ] == "dropped"

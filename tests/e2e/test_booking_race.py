"""Two young people race for the last place in a slot (Edemissen, Rathausplatz: one at a time, Tuesdays
15:00–18:00): both reach the confirm step for the same time and press "Yes, book it" right after each other."""

from __future__ import annotations

from datetime import UTC, datetime

import booking_kit
from booking_kit import appointments_of, buttons, places_taken, press_and_wait, stop_id, text_of
from test_intake import go_through_intake, wait_text

from bot.runtime import BotRuntime
from sandbox import Emulator

booking_bot, clock = booking_kit.booking_bot, booking_kit.clock  # the fixtures


async def to_confirm_step(emu: Emulator, user) -> dict:
    user.send_command("appointment")
    await wait_text(emu, user, "Where do you want to meet us")
    await press_and_wait(emu, user, "Edemissen, Rathausplatz", "Which day")
    await press_and_wait(emu, user, "Tue 24 Nov", "Which time")
    await press_and_wait(emu, user, "15:00", "What is it about")
    return await press_and_wait(emu, user, "bk:topic:none", "Your appointment")


async def test_the_last_place_goes_to_exactly_one_and_the_other_gets_the_next_free_times(
    booking_bot: BotRuntime, emulator: Emulator, staff_group, worker
) -> None:
    amira = emulator.add_user(first_name="Amira", language_code="en")
    ben = emulator.add_user(first_name="Ben", language_code="en")
    await go_through_intake(emulator, amira)
    await go_through_intake(emulator, ben)
    first = await to_confirm_step(emulator, amira)
    second = await to_confirm_step(emulator, ben)
    assert "Tuesday, 24 November 2026, 15:00" in text_of(first) and "Tuesday, 24 November 2026, 15:00" in text_of(
        second
    )

    amira.press("bk:ok", message_id=first["message_id"])
    ben.press("bk:ok", message_id=second["message_id"])

    def settled(user, message_id: int) -> str | None:
        now = text_of(next(m for m in user.messages if m["message_id"] == message_id))
        return now if ("Done" in now or "Someone was quicker" in now) else None

    outcome_a = await emulator.wait_for(lambda: settled(amira, first["message_id"]))
    outcome_b = await emulator.wait_for(lambda: settled(ben, second["message_id"]))
    assert sorted(["Done" in outcome_a, "Done" in outcome_b]) == [False, True], (outcome_a, outcome_b)
    loser, lost = (ben, second) if "Done" in outcome_a else (amira, first)

    [booked] = await appointments_of(booking_bot)
    assert booked.starts_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC) and booked.status == "booked"
    edemissen = await stop_id(booking_bot, "edemissen-rathaus")
    assert (await places_taken(booking_bot))[(edemissen, booked.starts_at)] == 1

    # The other was told, and offered the next free times (with their day, since they may be on other days).
    offer = next(m for m in loser.messages if m["message_id"] == lost["message_id"])
    labels = [label for label, _ in buttons(offer)]
    assert labels[0] == "Tue 24 Nov 15:30", labels
    assert not any(label.endswith(" 15:00") and "24 Nov" in label for label in labels)
    assert labels[-1] == "Another place"
    # …and can book one of them right away.
    await press_and_wait(emulator, loser, "Tue 24 Nov 15:30", "What is it about")
    await press_and_wait(emulator, loser, "bk:topic:none", "Your appointment")
    await press_and_wait(emulator, loser, "bk:ok", "Done")
    starts = sorted(a.starts_at for a in await appointments_of(booking_bot))
    assert starts == [datetime(2026, 11, 24, 14, 0, tzinfo=UTC), datetime(2026, 11, 24, 14, 30, tzinfo=UTC)]
    assert set((await places_taken(booking_bot)).values()) == {1}

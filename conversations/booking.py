"""Booking a time with the mobile office: place (or the nearest stops to a shared location), day, slot, what it
is about (optional), confirm. Also moving an appointment, and asking for a home visit instead.

The draft lives in the conversation row; the appointment is written only at confirm, when the slot's place is
taken atomically. Someone who was quicker gets the next free times offered instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot import appointments as rules
from bot import booking
from bot.context import BotContext, UnitOfWork
from bot.delivery.outgoing import Keyboard, answer_callback, edit_text, text_message
from bot.filters import InConversation, PrivateButton
from bot.hours import parse_id
from conversations import intake
from storage import appointments, cases, tour
from storage.tour import StopDTO

NAME = "booking"
SHOWN_SLOTS = 12


class State(StrEnum):
    PLACE = "place"
    DAY = "day"
    SLOT = "slot"
    TOPIC = "topic"
    CONFIRM = "confirm"


@dataclass
class Draft:
    stop_id: int | None = None
    day: str | None = None  # ISO date
    slot: int | None = None  # start, minutes since the epoch (UTC)
    topic: str | None = None
    moving: int | None = None  # the appointment being moved

    @classmethod
    def of(cls, uow: UnitOfWork) -> Draft:
        assert uow.conversation is not None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in uow.conversation.draft.items() if k in known})


def build_handlers() -> list[BaseHandler[Any, Any, Any]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("appointment", appointment_command, filters=private),
        PrivateButton(on_button, pattern=r"^bk:"),
        MessageHandler(private & filters.LOCATION & InConversation(NAME, State.PLACE), on_location),
    ]


def slot_key(slot: booking.Slot) -> int:
    return int(slot.starts_at.timestamp() // 60)


async def appointment_command(update: Update, ctx: BotContext) -> None:
    await begin(ctx.uow, message_id=None)


async def begin(uow: UnitOfWork, message_id: int | None, moving: int | None = None, check_open: bool = True) -> None:
    """Offer the places; someone who has an appointment already is asked what they want first."""
    if uow.contact is None:
        await intake.begin(uow, source=None)
        return
    tr = uow.tr
    upcoming = await appointments.upcoming_for_contact(uow.session, uow.contact.id, uow.services.clock.now())
    if check_open and moving is None and upcoming:
        stop = await tour.get(uow.session, upcoming[0].stop_id)
        assert stop is not None
        text = tr._("You already have an appointment:") + "\n" + rules.line(tr, upcoming[0], stop)
        choices: Keyboard = [
            [(tr._("Move it"), f"ap:move:{upcoming[0].id}"), (tr._("Cancel it"), f"ap:no:{upcoming[0].id}")],
            [(tr._("Book another one"), "bk:another"), (tr._("Keep it"), "bk:keep")],
        ]
        _show(uow, message_id, text, choices)
        return
    stops = await tour.stops(uow.session)
    if not stops:
        _show(uow, message_id, tr._("There is no tour plan yet. Just write to us here – we will find a time."), None)
        return
    text = tr._("Where do you want to meet us? Pick a place – or share your location to see the nearest stops.")
    keyboard: Keyboard = [[(stop.name, f"bk:stop:{stop.id}")] for stop in stops]
    keyboard.append([(tr._("Visit me at home / meet somewhere else"), "bk:visit")])
    await uow.set_conversation(NAME, State.PLACE, asdict(Draft(moving=moving)))
    _show(uow, message_id, text, keyboard)


async def on_button(update: Update, ctx: BotContext) -> None:
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    step, _, value = query.data.removeprefix("bk:").partition(":")
    message_id = query.message.message_id
    if step in ("start", "another", "keep", "back") or (step in STEPS and uow.in_state(NAME, STEPS[step][0])):
        uow.send(answer_callback(query.id))
    else:
        await intake.stale_button(update, ctx)
        return
    if step == "start":  # from a notice (a cancelled appointment) or /appointments: the notice stays readable
        await begin(uow, None)
    elif step == "another":
        await begin(uow, message_id, check_open=False)
    elif step == "keep":
        await uow.end_conversation()
        uow.send(edit_text(uow.me, message_id, uow.tr._("Okay, your appointment stays as it is.")))
    elif step == "back":
        moving = Draft.of(uow).moving if uow.in_state(NAME) else None
        await begin(uow, message_id, moving=moving, check_open=False)
    else:
        await STEPS[step][1](uow, Draft.of(uow), value, message_id)


async def on_location(update: Update, ctx: BotContext) -> None:
    """The nearest stops to a shared location, with distance and when the bus is there next."""
    uow, message = ctx.uow, update.message
    assert message is not None and message.location is not None
    tr, first = uow.tr, rules.today(uow)
    here = (message.location.latitude, message.location.longitude)
    ranked = []
    for stop in await tour.stops(uow.session):
        slots = await rules.free_slots(uow, stop, first, uow.services.settings.booking_days_ahead)
        if slots:
            ranked.append((booking.distance_km(*here, stop.latitude, stop.longitude), stop, slots[0]))
    ranked.sort(key=lambda item: item[0])
    if not ranked:
        text = tr._("No stop has free times in the next weeks. Just write to us here.")
        uow.send(text_message(uow.me, text, [[(tr._("Ask the team for a time"), "bk:ask")]]))
        return
    keyboard: Keyboard = [
        [
            (
                tr._(
                    "{stop} · {km} km · {day}",
                    stop=stop.name,
                    km=tr.number(round(km, 1)),
                    day=tr.day(slot.starts_at.astimezone(uow.services.settings.tz).date()),
                ),
                f"bk:stop:{stop.id}",
            )
        ]
        for km, stop, slot in ranked[:5]
    ]
    uow.send(text_message(uow.me, tr._("These stops are nearest to you:"), keyboard))


async def _chose_stop(uow: UnitOfWork, draft: Draft, value: str, message_id: int) -> None:
    stop = await tour.get(uow.session, number) if (number := parse_id(value)) is not None else None
    if stop is None or not stop.active:
        await begin(uow, message_id, moving=draft.moving, check_open=False)
        return
    draft.stop_id = stop.id
    tr, tz = uow.tr, uow.services.settings.tz
    slots = await rules.free_slots(uow, stop, rules.today(uow), uow.services.settings.booking_days_ahead)
    if not slots:
        text = tr._(
            "There is no free time at {stop} in the next weeks. Write to us here instead – "
            "we will find a time together.",
            stop=stop.name,
        )
        keyboard: Keyboard = [
            [(tr._("Ask the team for a time"), f"bk:ask:{stop.id}")],
            [(tr._("Another place"), "bk:back")],
        ]
        await _next(uow, draft, State.PLACE, message_id, text, keyboard)
        return
    days = sorted({s.starts_at.astimezone(tz).date() for s in slots})[:9]
    buttons = [(tr.day(day), f"bk:day:{day.isoformat()}") for day in days]
    keyboard = [buttons[i : i + 3] for i in range(0, len(buttons), 3)] + [[(tr._("Another place"), "bk:back")]]
    await _next(
        uow,
        draft,
        State.DAY,
        message_id,
        tr._("Which day? The bus is at {stop} on these days:", stop=stop.name),
        keyboard,
    )


async def _chose_day(uow: UnitOfWork, draft: Draft, value: str, message_id: int) -> None:
    stop = await _stop(uow, draft)
    day = date.fromisoformat(value)
    slots = await rules.free_slots(uow, stop, day, 1)
    if not slots:
        await _chose_stop(uow, draft, str(stop.id), message_id)
        return
    draft.day = day.isoformat()
    await _offer_slots(uow, draft, stop, slots, message_id, uow.tr._("Which time on {day}?", day=uow.tr.day(day)))


async def _offer_slots(
    uow: UnitOfWork, draft: Draft, stop: StopDTO, slots: list[booking.Slot], message_id: int, text: str
) -> None:
    tr = uow.tr
    buttons = [
        (
            tr.time(s.starts_at)
            if draft.day
            else f"{tr.day(s.starts_at.astimezone(tr.tz).date())} {tr.time(s.starts_at)}",
            f"bk:slot:{slot_key(s)}",
        )
        for s in slots[:SHOWN_SLOTS]
    ]
    per_row = 4 if draft.day else 2
    keyboard = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    keyboard.append([(tr._("Another place"), "bk:back")])
    await _next(uow, draft, State.SLOT, message_id, text, keyboard)


async def _chose_slot(uow: UnitOfWork, draft: Draft, value: str, message_id: int) -> None:
    draft.slot = parse_id(value)
    if draft.slot is None:  # forged data: start the choice again
        await begin(uow, message_id, moving=draft.moving, check_open=False)
        return
    tr = uow.tr
    buttons = [(tr._(label), f"bk:topic:{code}") for code, label in booking.TOPICS.items()]
    keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)] + [[(tr._("Skip"), "bk:topic:none")]]
    await _next(uow, draft, State.TOPIC, message_id, tr._("What is it about? (You don't have to say.)"), keyboard)


async def _chose_topic(uow: UnitOfWork, draft: Draft, value: str, message_id: int) -> None:
    draft.topic = value if value in booking.TOPICS else None
    stop, tr = await _stop(uow, draft), uow.tr
    assert draft.slot is not None
    starts = datetime.fromtimestamp(draft.slot * 60, UTC)
    lines = [tr._("Your appointment:"), tr._("{when} – {place}", when=booking.when_text(tr, starts), place=stop.name)]
    if draft.topic:
        lines.append(tr._("About: {topic}", topic=tr._(booking.TOPICS[draft.topic])))
    keyboard = [[(tr._("Yes, book it"), "bk:ok"), (tr._("No"), "bk:no")]]
    await _next(uow, draft, State.CONFIRM, message_id, "\n".join(lines), keyboard)


async def _confirmed(uow: UnitOfWork, draft: Draft, value: str, message_id: int) -> None:
    stop, tr = await _stop(uow, draft), uow.tr
    assert draft.slot is not None and uow.contact is not None
    wanted = [
        s
        for s in await rules.free_slots(uow, stop, rules.today(uow), uow.services.settings.booking_days_ahead)
        if slot_key(s) == draft.slot
    ]
    moving = await appointments.get(uow.session, draft.moving) if draft.moving else None
    if moving is not None and (moving.contact_id != uow.contact.id or moving.status != "booked"):
        moving = None
    made = await rules.book(uow, uow.contact, stop, wanted[0], draft.topic, moving) if wanted else None
    if made is None:
        slots = await rules.free_slots(uow, stop, rules.today(uow), uow.services.settings.booking_days_ahead)
        if not slots:
            await _chose_stop(uow, draft, str(stop.id), message_id)
            return
        draft.day = None
        await _offer_slots(
            uow,
            draft,
            stop,
            slots,
            message_id,
            tr._("Someone was quicker – that time is taken now. These times are still free:"),
        )
        return
    await uow.end_conversation()
    uow.send(edit_text(uow.me, message_id, tr._("Done ✓")))


async def _declined(uow: UnitOfWork, draft: Draft, value: str, message_id: int) -> None:
    await uow.end_conversation()
    uow.send(edit_text(uow.me, message_id, uow.tr._("Okay, nothing was booked.")))


async def _visit(uow: UnitOfWork, draft: Draft, value: str, message_id: int) -> None:
    """Instead of the bus: a request that lands in the team's queue."""
    await uow.end_conversation()
    await _wish_for_team(uow, uow.staff_tr._("🏠 Wish: a home visit or a meeting somewhere else."))
    text = uow.tr._(
        "Okay! A social worker will get in touch with you here to find a place and a time. "
        "You can already write where and when would suit you."
    )
    uow.send(edit_text(uow.me, message_id, text))


async def _ask(uow: UnitOfWork, draft: Draft, value: str, message_id: int) -> None:
    """No free time (at a stop, or anywhere): the wish for a time lands in the team's queue."""
    assert uow.contact is not None
    await uow.end_conversation()
    stop = await tour.get(uow.session, number) if (number := parse_id(value)) is not None else None
    staff_tr = uow.staff_tr
    if stop is not None:
        note = staff_tr._("📅 No free time at {stop} in the next weeks: please find a time together.", stop=stop.name)
    else:
        note = staff_tr._("📅 No stop has free times in the next weeks: please find a time together.")
    await _wish_for_team(uow, note)
    text = uow.tr._(
        "Okay! A social worker will get in touch with you here to find a time. "
        "You can already write which days and times suit you."
    )
    uow.send(edit_text(uow.me, message_id, text))


async def _wish_for_team(uow: UnitOfWork, note: str) -> None:
    """A note in the case topic, and the case waits for an answer in /queue like a message would."""
    assert uow.contact is not None
    case = await rules.case_of(uow, uow.contact)
    rules.note_in_case(uow, case, note)
    await cases.youth_wrote(uow.session, case.id)


async def _stop(uow: UnitOfWork, draft: Draft) -> StopDTO:
    stop = await tour.get(uow.session, draft.stop_id or 0)
    if stop is None:
        raise LookupError("the stop of a booking draft is gone")
    return stop


async def _next(
    uow: UnitOfWork, draft: Draft, state: State, message_id: int, text: str, keyboard: Keyboard | None
) -> None:
    await uow.set_conversation(NAME, state, asdict(draft))
    _show(uow, message_id, text, keyboard)


def _show(uow: UnitOfWork, message_id: int | None, text: str, keyboard: Keyboard | None) -> None:
    if message_id is None:
        uow.send(text_message(uow.me, text, keyboard))
    else:
        uow.send(edit_text(uow.me, message_id, text, keyboard))


STEPS = {
    "stop": (State.PLACE, _chose_stop),
    "visit": (State.PLACE, _visit),
    "ask": (State.PLACE, _ask),
    "day": (State.DAY, _chose_day),
    "slot": (State.SLOT, _chose_slot),
    "topic": (State.TOPIC, _chose_topic),
    "ok": (State.CONFIRM, _confirmed),
    "no": (State.CONFIRM, _declined),
}

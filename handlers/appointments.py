"""Appointments after booking: the young person's list, reminder answers, cancelling; the team's day and week,
attendance, and moving or cancelling with a reason."""

from __future__ import annotations

from datetime import date, time, timedelta

from telegram import Update

from bot import appointments as rules
from bot import booking
from bot.context import BotContext, UnitOfWork
from bot.delivery.outgoing import (
    STAFF_LANE,
    Keyboard,
    Outgoing,
    Priority,
    answer_callback,
    edit_text,
    fit_text,
    inline_keyboard,
    text_message,
)
from bot.hours import parse_id
from bot.i18n import N_
from conversations import booking as booking_journey
from conversations import intake
from handlers.staff import case_here, say
from storage import appointments, contacts, tour
from storage.appointments import AppointmentDTO

STAFF_REASONS = {
    "ill": N_("Someone in the team is ill"),
    "bus": N_("The bus cannot come"),
    "other": N_("Something came up on our side"),
}


async def my_appointments(update: Update, ctx: BotContext) -> None:
    uow, tr = ctx.uow, ctx.tr
    if uow.contact is None:
        await intake.begin(uow, source=None)
        return
    upcoming = await appointments.upcoming_for_contact(uow.session, uow.contact.id, uow.services.clock.now())
    if not upcoming:
        text = tr._("You have no appointment with us right now.")
        uow.send(text_message(uow.me, text, [[(tr._("Book a time"), "bk:start")]]))
        return
    for appointment in upcoming:
        stop = await tour.get(uow.session, appointment.stop_id)
        assert stop is not None
        keyboard = [[(tr._("Move it"), f"ap:move:{appointment.id}"), (tr._("Cancel it"), f"ap:no:{appointment.id}")]]
        uow.send(text_message(uow.me, rules.line(tr, appointment, stop), keyboard))


async def appointment_button(update: Update, ctx: BotContext) -> None:
    """ap:<action>:<id> — answers to a reminder or to the list: come, cancel (after asking), keep, move."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    _, action, raw_id = [*query.data.split(":", 2), "", ""][:3]  # forged data is a stale button too
    appointment = await _own(uow, raw_id)
    if appointment is None:
        await intake.stale_button(update, ctx)
        return
    uow.send(answer_callback(query.id))
    tr, message_id, contact = uow.tr, query.message.message_id, uow.contact
    stop = await tour.get(uow.session, appointment.stop_id)
    assert stop is not None and contact is not None
    if action == "yes":
        uow.send(edit_text(uow.me, message_id, tr._("Great, see you then!") + "\n" + rules.line(tr, appointment, stop)))
        await rules.note_for_team(
            uow,
            contact,
            uow.staff_tr._("✅ The young person will come: {line}", line=rules.line(uow.staff_tr, appointment, stop)),
        )
    elif action == "no":
        keyboard = [
            [
                (tr._("Yes, cancel it"), f"ap:cancel:{appointment.id}"),
                (tr._("No, keep it"), f"ap:keep:{appointment.id}"),
            ]
        ]
        question = tr._("Cancel this appointment?") + "\n" + rules.line(tr, appointment, stop)
        uow.send(edit_text(uow.me, message_id, question, keyboard))
    elif action == "cancel":
        await rules.cancel(uow, appointment, stop, by="young_person", reason=None)
        text = tr._("Your appointment is cancelled. /appointment books a new one whenever you like.")
        uow.send(edit_text(uow.me, message_id, text))
    elif action == "keep":
        uow.send(edit_text(uow.me, message_id, tr._("Okay, your appointment stays as it is.")))
    elif action == "move":
        await booking_journey.begin(uow, message_id, moving=appointment.id, check_open=False)


async def _own(uow: UnitOfWork, raw_id: str) -> AppointmentDTO | None:
    """The person's own appointment that is still ahead, or None (a stale or foreign button)."""
    number = parse_id(raw_id)
    appointment = await appointments.get(uow.session, number) if number is not None else None
    if appointment is None or uow.contact is None or appointment.contact_id != uow.contact.id:
        return None
    if appointment.status != "booked" or appointment.starts_at <= uow.services.clock.now():
        return None
    return appointment


async def tour_command(update: Update, ctx: BotContext) -> None:
    """The plan for the next two weeks: where the bus is on which day."""
    uow, tr = ctx.uow, ctx.tr
    first, tz = rules.today(uow), uow.services.settings.tz
    lines = [tr._("Where the bus is in the next two weeks:")]
    windows, stops = await tour.windows(uow.session), await tour.stops(uow.session)
    cancelled = set(await tour.cancellations(uow.session, first, first + timedelta(days=14)))
    for n in range(14):
        day = first + timedelta(days=n)
        for stop in stops:
            for window in sorted(booking.windows_on(stop, windows, day, cancelled), key=lambda w: w.starts):
                start, end = booking.local(day, window.starts, tz), booking.local(day, window.ends, tz)
                lines.append(
                    tr._(
                        "{day} · {start}–{end} · {stop}",
                        day=tr.day(day),
                        start=tr.time(start),
                        end=tr.time(end),
                        stop=stop.name,
                    )
                )
    if len(lines) == 1:
        lines.append(tr._("No stops are planned right now."))
    lines.append(tr._("/appointment books a time to talk with us."))
    uow.send(text_message(uow.me, fit_text("\n".join(lines))))


# -- the team ---------------------------------------------------------------------------------------------------


async def today_command(update: Update, ctx: BotContext) -> None:
    await _agenda(ctx.uow, update, days=1)


async def week_command(update: Update, ctx: BotContext) -> None:
    await _agenda(ctx.uow, update, days=7)


async def _agenda(uow: UnitOfWork, update: Update, days: int) -> None:
    message = update.effective_message
    assert message is not None
    text, keyboard = await _agenda_view(uow, days)
    say(uow, message, text, keyboard)


async def _agenda_view(uow: UnitOfWork, days: int) -> tuple[str, Keyboard | None]:
    """The appointments from today on for some days, with buttons to mark past ones as attended or not come
    (each button carries the number of days, so marking one shows the same agenda again, updated)."""
    tr, tz, now = uow.staff_tr, uow.services.settings.tz, uow.services.clock.now()
    today = rules.today(uow)
    first = booking.local(today, time(0, 0), tz)
    last = booking.local(today + timedelta(days=days), time(0, 0), tz)
    found = await appointments.between(uow.session, first, last)
    if not found:
        return tr._("No appointments."), None
    lines: list[str] = []
    keyboard: Keyboard = []
    for appointment, alias in found:
        stop = await tour.get(uow.session, appointment.stop_id)
        assert stop is not None
        day = tr.day(appointment.starts_at.astimezone(tz).date())
        lines.append(f"{day} {rules.staff_line(tr, appointment, stop, alias, now)}")
        if appointment.status == "booked" and appointment.starts_at <= now:
            keyboard.append(
                [
                    (f"✅ {alias or appointment.id}", f"sa:att:{appointment.id}:{days}"),
                    (f"❌ {alias or appointment.id}", f"sa:ns:{appointment.id}:{days}"),
                ]
            )
    text = "\n".join(lines)
    if keyboard:
        text += "\n\n" + tr._("Who came? Mark past appointments:")
    return text[:4096], keyboard[:20] or None


async def case_appointments(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    found = await case_here(uow, message)
    if found is None:
        return
    tr = uow.staff_tr
    upcoming = await appointments.upcoming_for_contact(uow.session, found[1].id, uow.services.clock.now())
    if not upcoming:
        say(uow, message, tr._("No upcoming appointments in this case."))
    for appointment in upcoming:
        stop = await tour.get(uow.session, appointment.stop_id)
        assert stop is not None
        keyboard = [
            [(tr._("Move"), f"sa:move:{appointment.id}"), (tr._("Cancel appointment"), f"sa:cancel:{appointment.id}")]
        ]
        say(uow, message, rules.line(tr, appointment, stop), keyboard)


async def staff_appointment_button(update: Update, ctx: BotContext) -> None:
    """sa:<action>:<id>[:<value>] — the team's buttons on appointments."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    tr = uow.staff_tr
    parts = query.data.split(":")
    number = parse_id(parts[2]) if len(parts) > 2 else None
    appointment = await appointments.get(uow.session, number) if number is not None else None
    if uow.staff is None or appointment is None:
        uow.send(answer_callback(query.id, tr._("Only the team can do this.") if uow.staff is None else None))
        return
    uow.send(answer_callback(query.id))
    stop = await tour.get(uow.session, appointment.stop_id)
    assert stop is not None
    action, chat, message_id = parts[1], query.message.chat.id, query.message.message_id
    now = uow.services.clock.now()
    if action in ("att", "ns"):
        if appointment.starts_at > now:
            return  # not possible from /today: its buttons are only for appointments that have begun
        if appointment.status == "cancelled":
            _edit(uow, chat, message_id, tr._("This appointment is not booked any more."))
            return
        await appointments.set_status(uow.session, appointment.id, "attended" if action == "att" else "no_show")
        days = int(parts[3]) if len(parts) > 3 and parts[3] in ("1", "7") else 1
        text, keyboard = await _agenda_view(uow, days)
        _edit(uow, chat, message_id, text, keyboard)
    elif appointment.status != "booked":
        _edit(uow, chat, message_id, tr._("This appointment is not booked any more."))
    elif appointment.starts_at <= now:
        _edit(uow, chat, message_id, tr._("This appointment has begun already; mark it in /today."))
    elif action == "cancel":
        keyboard = [[(tr._(label), f"sa:cr:{appointment.id}:{code}")] for code, label in STAFF_REASONS.items()]
        _edit(uow, chat, message_id, tr._("Why is it cancelled? The young person will read the reason."), keyboard)
    elif action == "cr" and len(parts) > 3 and parts[3] in STAFF_REASONS:
        await rules.cancel(uow, appointment, stop, by="staff", reason=STAFF_REASONS[parts[3]])
        _edit(uow, chat, message_id, tr._("Cancelled; the young person was told."))
    elif action == "move":
        keyboard = [[(tr._(label), f"sa:mr:{appointment.id}:{code}")] for code, label in STAFF_REASONS.items()]
        _edit(uow, chat, message_id, tr._("Why is it moved? The young person will read the reason."), keyboard)
    elif action == "mr" and len(parts) > 3 and parts[3] in STAFF_REASONS:
        text, keyboard = await _move_days(uow, appointment, stop, parts[3])
        _edit(uow, chat, message_id, text, keyboard)
    elif action == "md" and len(parts) > 4 and parts[3] in STAFF_REASONS:
        text, keyboard = await _move_times(uow, appointment, stop, parts[3], parts[4])
        _edit(uow, chat, message_id, text, keyboard)
    elif action == "to" and len(parts) > 4 and parse_id(parts[3]) is not None and parts[4] in STAFF_REASONS:
        await _staff_move(uow, appointment, stop, int(parts[3]), STAFF_REASONS[parts[4]], chat, message_id)


async def _move_days(
    uow: UnitOfWork, appointment: AppointmentDTO, stop: tour.StopDTO, reason: str
) -> tuple[str, Keyboard | None]:
    """The days with free times at the stop (sa:md:<id>:<reason>:<yyyy-mm-dd>)."""
    tr, tz = uow.staff_tr, uow.services.settings.tz
    slots = await rules.free_slots(uow, stop, rules.today(uow), uow.services.settings.booking_days_ahead)
    days = sorted({s.starts_at.astimezone(tz).date() for s in slots})[:12]
    if not days:
        return tr._("No free times at this stop."), None
    buttons = [(tr.day(day), f"sa:md:{appointment.id}:{reason}:{day.isoformat()}") for day in days]
    return tr._("Move to which day?"), [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


async def _move_times(
    uow: UnitOfWork, appointment: AppointmentDTO, stop: tour.StopDTO, reason: str, raw_day: str
) -> tuple[str, Keyboard | None]:
    """The free times on that day (sa:to:<id>:<slot>:<reason>), and the way back to the days."""
    tr = uow.staff_tr
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        return await _move_days(uow, appointment, stop, reason)
    slots = await rules.free_slots(uow, stop, day, 1) if day >= rules.today(uow) else []
    if not slots:
        return await _move_days(uow, appointment, stop, reason)
    buttons = [(tr.time(s.starts_at), f"sa:to:{appointment.id}:{booking_journey.slot_key(s)}:{reason}") for s in slots]
    keyboard = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    keyboard.append([(tr._("Another day"), f"sa:mr:{appointment.id}:{reason}")])
    return tr._("Move to which time on {day}?", day=tr.day(day)), keyboard


async def _staff_move(
    uow: UnitOfWork,
    appointment: AppointmentDTO,
    stop: tour.StopDTO,
    key: int,
    reason: str,
    chat: int,
    message_id: int,
) -> None:
    tr = uow.staff_tr
    slots = await rules.free_slots(uow, stop, rules.today(uow), uow.services.settings.booking_days_ahead)
    wanted = [s for s in slots if booking_journey.slot_key(s) == key]
    contact = await contacts.get(uow.session, appointment.contact_id)
    moved = (
        await rules.book(uow, contact, stop, wanted[0], appointment.topic, appointment, reason)
        if wanted and contact
        else None
    )
    _edit(
        uow, chat, message_id, tr._("Moved; the young person was told.") if moved else tr._("That time is taken now.")
    )


def _edit(uow: UnitOfWork, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None) -> None:
    params: dict[str, object] = {"chat_id": chat_id, "message_id": message_id, "text": text}
    if keyboard:
        params["reply_markup"] = inline_keyboard(keyboard)
    uow.send(Outgoing("editMessageText", params, STAFF_LANE, Priority.INTERACTIVE))

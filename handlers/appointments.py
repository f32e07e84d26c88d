"""Appointments after booking: the young person's list, reminder answers, cancelling; the team's day and week,
attendance, and moving or cancelling with a reason."""

from __future__ import annotations

from datetime import datetime, timedelta

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
    inline_keyboard,
    text_message,
)
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
    _, action, raw_id = query.data.split(":", 2)
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
    appointment = await appointments.get(uow.session, int(raw_id)) if raw_id.isdigit() else None
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
    windows = await tour.windows(uow.session)
    cancelled = set(await tour.cancellations(uow.session, first, first + timedelta(days=14)))
    for n in range(14):
        day = first + timedelta(days=n)
        for stop in await tour.stops(uow.session):
            for window in booking.windows_on(stop, windows, day, cancelled):
                start, end = booking.local(day, window.starts, tz), booking.local(day, window.ends, tz)
                lines.append(f"{tr.day(day)} · {tr.time(start)}–{tr.time(end)} · {stop.name}")
    if len(lines) == 1:
        lines.append(tr._("No stops are planned right now."))
    lines.append(tr._("/appointment books a time to talk with us."))
    uow.send(text_message(uow.me, "\n".join(lines)[:4096]))


# -- the team ---------------------------------------------------------------------------------------------------


async def today_command(update: Update, ctx: BotContext) -> None:
    await _agenda(ctx.uow, update, days=1)


async def week_command(update: Update, ctx: BotContext) -> None:
    await _agenda(ctx.uow, update, days=7)


async def _agenda(uow: UnitOfWork, update: Update, days: int) -> None:
    message, tr, tz, now = update.effective_message, uow.staff_tr, uow.services.settings.tz, uow.services.clock.now()
    assert message is not None
    first = booking.local(rules.today(uow), datetime.min.time(), tz)
    found = await appointments.between(uow.session, first, first + timedelta(days=days))
    if not found:
        say(uow, message, tr._("No appointments."))
        return
    lines, keyboard = [], []
    for appointment, alias in found:
        stop = await tour.get(uow.session, appointment.stop_id)
        assert stop is not None
        day = tr.day(appointment.starts_at.astimezone(tz).date())
        lines.append(f"{day} {rules.staff_line(tr, appointment, stop, alias, now)}")
        if appointment.status == "booked" and appointment.starts_at <= now:
            keyboard.append(
                [
                    (f"✅ {alias or appointment.id}", f"sa:att:{appointment.id}"),
                    (f"❌ {alias or appointment.id}", f"sa:ns:{appointment.id}"),
                ]
            )
    text = "\n".join(lines)
    if keyboard:
        text += "\n\n" + tr._("Who came? Mark past appointments:")
    say(uow, message, text[:4096], keyboard[:20] or None)


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
        keyboard = [[(tr._("Move"), f"sa:move:{appointment.id}"), (tr._("Cancel"), f"sa:cancel:{appointment.id}")]]
        say(uow, message, rules.line(tr, appointment, stop), keyboard)


async def staff_appointment_button(update: Update, ctx: BotContext) -> None:
    """sa:<action>:<id>[:<value>] — the team's buttons on appointments."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    tr = uow.staff_tr
    parts = query.data.split(":")
    appointment = await appointments.get(uow.session, int(parts[2])) if len(parts) > 2 and parts[2].isdigit() else None
    if uow.staff is None or appointment is None:
        uow.send(answer_callback(query.id, tr._("Only the team can do this.") if uow.staff is None else None))
        return
    uow.send(answer_callback(query.id))
    stop = await tour.get(uow.session, appointment.stop_id)
    assert stop is not None
    action, chat, message_id = parts[1], query.message.chat.id, query.message.message_id
    if action in ("att", "ns"):
        status = "attended" if action == "att" else "no_show"
        await appointments.set_status(uow.session, appointment.id, status)
        done = tr._("Marked as attended.") if status == "attended" else tr._("Marked as not come.")
        _edit(uow, chat, message_id, f"{rules.line(tr, appointment, stop)}\n{done}")
    elif appointment.status != "booked":
        _edit(uow, chat, message_id, tr._("This appointment is not booked any more."))
    elif action == "cancel":
        keyboard = [[(tr._(label), f"sa:cr:{appointment.id}:{code}")] for code, label in STAFF_REASONS.items()]
        _edit(uow, chat, message_id, tr._("Why is it cancelled? The young person will read the reason."), keyboard)
    elif action == "cr" and len(parts) > 3 and parts[3] in STAFF_REASONS:
        await rules.cancel(uow, appointment, stop, by="staff", reason=STAFF_REASONS[parts[3]])
        _edit(uow, chat, message_id, tr._("Cancelled; the young person was told."))
    elif action == "move":
        slots = await rules.free_slots(uow, stop, rules.today(uow), uow.services.settings.booking_days_ahead)
        keyboard = [
            [
                (
                    f"{tr.day(s.starts_at.astimezone(tr.tz).date())} {tr.time(s.starts_at)}",
                    f"sa:to:{appointment.id}:{booking_journey.slot_key(s)}",
                )
            ]
            for s in slots[:8]
        ]
        _edit(
            uow,
            chat,
            message_id,
            tr._("Move to which time?") if slots else tr._("No free times at this stop."),
            keyboard or None,
        )
    elif action == "to" and len(parts) > 3:
        await _staff_move(uow, appointment, stop, int(parts[3]), chat, message_id)


async def _staff_move(
    uow: UnitOfWork, appointment: AppointmentDTO, stop: tour.StopDTO, key: int, chat: int, message_id: int
) -> None:
    tr = uow.staff_tr
    slots = await rules.free_slots(uow, stop, rules.today(uow), uow.services.settings.booking_days_ahead)
    wanted = [s for s in slots if booking_journey.slot_key(s) == key]
    contact = await contacts.get(uow.session, appointment.contact_id)
    moved = (
        await rules.book(uow, contact, stop, wanted[0], appointment.topic, appointment) if wanted and contact else None
    )
    _edit(
        uow, chat, message_id, tr._("Moved; the young person was told.") if moved else tr._("That time is taken now.")
    )


def _edit(uow: UnitOfWork, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None) -> None:
    params: dict[str, object] = {"chat_id": chat_id, "message_id": message_id, "text": text}
    if keyboard:
        params["reply_markup"] = inline_keyboard(keyboard)
    uow.send(Outgoing("editMessageText", params, STAFF_LANE, Priority.INTERACTIVE))

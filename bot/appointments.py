"""Booking, moving and cancelling appointments, and telling everyone concerned.

Used by the booking conversation, the team's commands, the reminder scheduler and the command line (a cancelled
stop), always inside one unit of work: the change and the messages it causes commit together.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot import booking
from bot.context import UnitOfWork
from bot.delivery.outgoing import Keyboard, Outgoing, Priority, private_lane, to_case_topic, upload
from bot.i18n import Translator
from storage import appointments, contacts, tour
from storage.appointments import AppointmentDTO
from storage.cases import CaseDTO
from storage.contacts import ContactDTO
from storage.tour import StopDTO


def to_young_person(
    uow: UnitOfWork, contact: ContactDTO, method: str, params: dict[str, object], priority: Priority = Priority.REMINDER
) -> None:
    chat_id = uow.services.keyring.decrypt_int(contact.chat_id_enc)
    uow.send(
        Outgoing(
            method,
            {"chat_id": chat_id, **params},
            private_lane(contact.user_key),
            priority,
            contact_id=contact.id,
            user_key=contact.user_key,
        )
    )


def tell(
    uow: UnitOfWork,
    contact: ContactDTO,
    text: str,
    keyboard: Keyboard | None = None,
    priority: Priority = Priority.INTERACTIVE,
) -> None:
    from bot.delivery.outgoing import inline_keyboard

    params: dict[str, object] = {"text": text}
    if keyboard:
        params["reply_markup"] = inline_keyboard(keyboard)
    to_young_person(uow, contact, "sendMessage", params, priority)


async def case_of(uow: UnitOfWork, contact: ContactDTO) -> CaseDTO:
    """The young person's open case; one is opened (or a closed one reopened) if they have none."""
    from handlers.relay import ensure_open_case  # the case rules live with the relay

    uow.contact = contact
    case, _fresh = await ensure_open_case(uow)
    return case


def note_in_case(uow: UnitOfWork, case: CaseDTO, text: str) -> None:
    staff_chat = uow.services.settings.staff_chat_id
    uow.send(to_case_topic("sendMessage", {"chat_id": staff_chat, "text": text}, case.id, combinable_text=text))


async def note_for_team(uow: UnitOfWork, contact: ContactDTO, text: str) -> None:
    """A line in the young person's case topic; a case is opened if they have none yet."""
    note_in_case(uow, await case_of(uow, contact), text)


def line(tr: Translator, appointment: AppointmentDTO, stop: StopDTO) -> str:
    return tr._("{when} – {place}", when=booking.when_text(tr, appointment.starts_at), place=stop.name)


def confirm(
    uow: UnitOfWork,
    contact: ContactDTO,
    appointment: AppointmentDTO,
    stop: StopDTO,
    moved: bool,
    reason: str | None = None,
) -> None:
    """The confirmation: date and time in their language, the place as a venue, and a calendar file. A move by
    the team carries its reason (a msgid, translated here)."""
    tr = uow.services.catalogs.translator(contact.language)
    head = tr._("Your appointment is moved:") if moved else tr._("Your appointment is booked:")
    lines = [head, line(tr, appointment, stop)]
    if reason:
        lines.append(tr._("Reason: {reason}", reason=tr._(reason)))
    lines.append(tr._("We will remind you before. /appointments shows, moves or cancels it."))
    text = "\n".join(lines)
    tell(uow, contact, text)
    to_young_person(
        uow,
        contact,
        "sendVenue",
        {
            "latitude": stop.latitude,
            "longitude": stop.longitude,
            "title": stop.name,
            "address": stop.address,
        },
        Priority.INTERACTIVE,
    )
    summary = tr._("Appointment with the mobile office (Anlaufstelle)")
    ics = booking.ics_file(
        f"appointment-{appointment.id}@anlaufstelle",
        stop,
        appointment.starts_at,
        appointment.ends_at,
        summary,
        uow.services.clock.now(),
    )
    to_young_person(uow, contact, "sendDocument", {"document": upload("appointment.ics", ics)}, Priority.INTERACTIVE)


async def book(
    uow: UnitOfWork,
    contact: ContactDTO,
    stop: StopDTO,
    slot: booking.Slot,
    topic: str | None,
    moving: AppointmentDTO | None = None,
    reason: str | None = None,
) -> AppointmentDTO | None:
    """Take the slot and make (or move) the appointment with its reminders; None when the slot is full. The
    appointment belongs to the young person's open case (opened now if need be), so the team sees its alias."""
    session, now = uow.session, uow.services.clock.now()
    if not await appointments.take_place(session, stop.id, slot.starts_at, stop.capacity):
        return None
    case = await case_of(uow, contact)
    if moving is not None:
        await appointments.free_place(session, moving.stop_id, moving.starts_at)
        await appointments.drop_reminders(session, moving.id)
        await appointments.move(session, moving.id, slot.starts_at, slot.ends_at, stop.id)
        appointment = await appointments.get(session, moving.id)
    else:
        appointment = await appointments.create(
            session, contact.id, case.id, stop.id, slot.starts_at, slot.ends_at, topic
        )
    assert appointment is not None
    offsets = booking.parse_offsets(uow.services.settings.reminder_offsets)
    due = booking.reminder_times(appointment.starts_at, offsets, uow.services.settings.tz, now)
    uow.new_reminders.extend(await appointments.add_reminders(session, appointment.id, due))
    confirm(uow, contact, appointment, stop, moved=moving is not None, reason=reason)
    staff_tr = uow.staff_tr
    if moving is None:
        text = staff_tr._("📅 Appointment booked: {line}", line=line(staff_tr, appointment, stop))
    else:
        old_stop = await tour.get(session, moving.stop_id) or stop
        text = staff_tr._(
            "📅 Appointment moved: {line} (was: {before})",
            line=line(staff_tr, appointment, stop),
            before=line(staff_tr, moving, old_stop),
        )
    topic_label = staff_tr._(booking.TOPICS[topic]) if topic in booking.TOPICS else None
    extras = [label for label in (topic_label, staff_tr._(reason) if reason else None) if label]
    note_in_case(uow, case, " · ".join([text, *extras]))
    return appointment


async def cancel(uow: UnitOfWork, appointment: AppointmentDTO, stop: StopDTO, by: str, reason: str | None) -> None:
    """Cancel, free the place, drop the reminders, and tell the other side. The reason is a msgid (the team's
    buttons) and translated, or the coordinator's own words (a cancelled stop), shown as they are."""
    session = uow.session
    await appointments.set_status(session, appointment.id, "cancelled", reason=reason, by=by)
    await appointments.free_place(session, appointment.stop_id, appointment.starts_at)
    await appointments.drop_reminders(session, appointment.id)
    contact = await contacts.get(session, appointment.contact_id)
    if contact is None:
        return
    staff_tr = uow.staff_tr
    if by == "young_person":
        await note_for_team(
            uow,
            contact,
            staff_tr._("📅 The young person cancelled the appointment: {line}", line=line(staff_tr, appointment, stop)),
        )
        return
    tr = uow.services.catalogs.translator(contact.language)
    text = tr._("Sorry, we have to cancel your appointment: {line}", line=line(tr, appointment, stop))
    if reason:
        text += "\n" + tr._("Reason: {reason}", reason=tr._(reason))
    text += "\n" + tr._("Would you like another time?")
    tell(uow, contact, text, [[(tr._("Book a new time"), "bk:start")]], Priority.RELAY)
    await note_for_team(
        uow,
        contact,
        staff_tr._(
            "📅 Appointment cancelled ({reason}): {line}",
            reason=staff_tr._(reason) if reason else "–",
            line=line(staff_tr, appointment, stop),
        ),
    )


def staff_line(tr: Translator, appointment: AppointmentDTO, stop: StopDTO, alias: str | None, now: datetime) -> str:
    status = {"booked": "", "attended": " ✅", "no_show": " ❌"}.get(appointment.status, "")
    return f"{tr.time(appointment.starts_at)} · {stop.name} · {alias or '–'}{status}"


async def free_slots(uow: UnitOfWork, stop: StopDTO, first: date, days: int) -> list[booking.Slot]:
    """Every free slot at a stop from a day on, for a number of days (cancelled days left out)."""
    session, tz, now = uow.session, uow.services.settings.tz, uow.services.clock.now()
    last = first + timedelta(days=days)
    windows = [w for w in await tour.windows(session) if w.stop_id == stop.id]
    cancelled = set(await tour.cancellations(session, first, last))
    slots = [s for n in range(days) for s in booking.slots_on(stop, windows, first + timedelta(n), cancelled, tz)]
    if not slots:
        return []
    taken = await appointments.taken(session, stop.id, slots[0].starts_at, slots[-1].starts_at)
    return booking.free(slots, taken, stop.capacity, now)


def today(uow: UnitOfWork) -> date:
    return uow.services.clock.now().astimezone(uow.services.settings.tz).date()

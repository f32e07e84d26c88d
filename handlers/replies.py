"""Prepared replies: `/reply` in a case topic, buttons to pick a reply and fill in its fields, a preview in the
team's language, and Send. The young person receives it in their own language, signed with the worker's name,
through the outbox like any answer in the topic (and recorded in the case the same way); the preview message in
the topic becomes the German copy, so answers to either side find each other.

The buttons carry everything picked so far (see ``bot.prepared_replies.Pick``): nothing is stored until Send, a
restart loses nothing, two workers can prepare replies in one topic at once, and only the worker who began a
reply can press its buttons. Send records the reply under the preview's message id, so pressing it twice sends
once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from telegram import Update

from bot import appointments as rules
from bot import booking
from bot import prepared_replies as prepared
from bot.context import BotContext, UnitOfWork
from bot.delivery.outgoing import (
    STAFF_LANE,
    Keyboard,
    Outgoing,
    Priority,
    answer_callback,
    fit_text,
    inline_keyboard,
    private_lane,
    to_case_topic,
)
from bot.i18n import Translator
from bot.languages import CHOICES
from handlers.staff import case_here, say
from storage import cases, contacts, tour
from storage.cases import CaseDTO
from storage.contacts import ContactDTO
from storage.tour import StopDTO

DAYS_AHEAD = 14
BUS_TIMES_DAYS = 7
BUS_TIMES_LIMIT = 3000  # characters of {bus_times}, so that the whole reply stays within Telegram's 4096
TIMES = [time(h, m) for h in range(8, 20) for m in (0, 30)]  # the `time` field: 08:00 to 19:30


async def reply_command(update: Update, ctx: BotContext) -> None:
    """/reply [KEY] in a case topic: the prepared replies as buttons (or straight to the one named)."""
    uow, message = ctx.uow, update.effective_message
    assert message is not None and uow.staff is not None
    found = await case_here(uow, message)
    if found is None:
        return
    case, contact = found
    wanted = (ctx.args or [""])[0].lower()
    if wanted in prepared.load():
        say(uow, message, *await _step(uow, prepared.Pick(case.id, uow.staff.id, wanted), contact))
    else:
        say(uow, message, *_choices(uow.staff_tr, prepared.Pick(case.id, uow.staff.id), contact))


async def reply_button(update: Update, ctx: BotContext) -> None:
    """pr:<action>:<case>:<staff>:<key>:<picked> — a step of a prepared reply."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    tr, pick = uow.staff_tr, prepared.decode(query.data)
    if uow.staff is None or pick is None:
        uow.send(answer_callback(query.id, tr._("Only the team can do this.")))
        return
    if pick.staff_id != uow.staff.id:
        uow.send(answer_callback(query.id, tr._("A colleague is preparing this reply; /reply starts your own.")))
        return
    case = await cases.get(uow.session, pick.case_id)
    contact = await contacts.get(uow.session, case.contact_id) if case else None
    reply = prepared.load().get(pick.key)
    if case is None or contact is None or (pick.key and reply is None):
        uow.send(answer_callback(query.id, tr._("This button is no longer active.")))
        return
    uow.send(answer_callback(query.id))
    chat, message_id = query.message.chat.id, query.message.message_id
    pick = await _still_valid(uow, pick)
    if pick.action == "x":
        _edit(uow, chat, message_id, tr._("Okay, nothing was sent."))
    elif pick.action == "list" or reply is None:
        _edit(uow, chat, message_id, *_choices(tr, pick, contact))
    elif pick.action == "send" and pick.missing(reply) is None:
        await _send(uow, pick, reply, case, contact, chat, message_id)
    else:
        _edit(uow, chat, message_id, *await _step(uow, pick, contact))


def _choices(tr: Translator, pick: prepared.Pick, contact: ContactDTO) -> tuple[str, Keyboard]:
    text = tr._(
        "Which prepared reply? The young person gets it in their language: {language}.",
        language=_language_name(contact),
    )
    fresh = prepared.Pick(pick.case_id, pick.staff_id)  # nothing picked yet
    buttons = [(tr._(reply.label), fresh.data("go", key=key)) for key, reply in prepared.load().items()]
    keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    keyboard.append([(tr._("Cancel"), fresh.data("x"))])
    return text, keyboard


async def _step(uow: UnitOfWork, pick: prepared.Pick, contact: ContactDTO) -> tuple[str, Keyboard]:
    """The buttons for the next field to pick, or the preview with Send once everything is picked."""
    tr, reply = uow.staff_tr, prepared.load()[pick.key]
    field = pick.missing(reply)
    fresh = prepared.Pick(pick.case_id, pick.staff_id)
    back = [(tr._("Other reply"), fresh.data("list")), (tr._("Cancel"), fresh.data("x"))]
    if field is None:
        preview = await render(uow, tr, reply, pick)
        head = tr._("The young person will get this, in {language}:", language=_language_name(contact))
        return tr.direct(f"{head}\n\n{preview}"), [[(tr._("Send"), pick.data("send"))], back]
    draft = await render(uow, tr, reply, pick, unfilled="…")
    prompt, buttons = await _options(uow, tr, pick, field)
    per_row = 4 if field in ("time", "stop_time") else (1 if field == "stop" else 3)
    keyboard = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return tr.direct(f"{draft}\n\n{prompt}"), [*keyboard, back]


async def _options(
    uow: UnitOfWork, tr: Translator, pick: prepared.Pick, field: str
) -> tuple[str, list[tuple[str, str]]]:
    """What the worker can pick for a field: a prompt and the buttons."""
    today = rules.today(uow)
    if field == "stop":
        stops = await tour.stops(uow.session)
        prompt = tr._("Which stop?") if stops else tr._("There are no stops in the tour plan.")
        return prompt, [(stop.name, pick.data(stop_id=stop.id)) for stop in stops]
    if field == "day":
        days = [today + timedelta(days=n) for n in range(DAYS_AHEAD)]
        return tr._("Which day?"), [(tr.day(day), pick.data(day=day)) for day in days]
    if field == "time":
        return tr._("Which time?"), [(tr.time(_moment(uow, pick, at)), pick.data(time=at)) for at in TIMES]
    stop = await _stop(uow, pick)
    if stop is None:
        return tr._("There are no stops in the tour plan."), []
    windows, cancelled = await tour.windows(uow.session), await _cancelled(uow, today)
    if field == "stop_day":
        days = booking.days_with_bus(stop, windows, today, DAYS_AHEAD, cancelled)
        prompt = tr._("Which day? The bus is at {stop} on these days:", stop=stop.name)
        if not days:
            prompt = tr._("The bus is not at {stop} in the next two weeks.", stop=stop.name)
        return prompt, [(tr.day(day), pick.data(day=day)) for day in days]
    assert pick.day is not None
    slots = booking.slots_on(stop, windows, pick.day, cancelled, uow.services.settings.tz)
    buttons = [(tr.time(slot.starts_at), pick.data(time=_wall_clock(uow, slot.starts_at))) for slot in slots]
    return tr._("Which time?"), buttons


async def render(
    uow: UnitOfWork, tr: Translator, reply: prepared.PreparedReply, pick: prepared.Pick, unfilled: str | None = None
) -> str:
    """The reply in a language, with what was picked (and `unfilled` for what was not, while picking)."""
    values: dict[str, object] = {}
    stop = await _stop(uow, pick)
    if stop is not None:
        values["stop"] = stop.name
    if pick.day is not None:
        values["day"] = tr.date(pick.day, "full")
    if pick.time is not None:
        values["time"] = tr.time(_moment(uow, pick, pick.time))
    if "bus_times" in reply.placeholders():
        values["bus_times"] = await bus_times(uow, tr)
    if unfilled is not None:
        values = {name: values.get(name, unfilled) for name in reply.placeholders()}
    return tr._(reply.text, **values)


async def bus_times(uow: UnitOfWork, tr: Translator) -> str:
    """Where the bus is in the next days, one stop and time a line (the {bus_times} of a reply)."""
    first, tz = rules.today(uow), uow.services.settings.tz
    windows, stops = await tour.windows(uow.session), await tour.stops(uow.session)
    cancelled = await _cancelled(uow, first)
    lines = []
    for day in (first + timedelta(days=n) for n in range(BUS_TIMES_DAYS)):
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
    if not lines:
        return tr._("No stops are planned right now.")
    return fit_text("\n".join(lines), BUS_TIMES_LIMIT)


async def _send(
    uow: UnitOfWork,
    pick: prepared.Pick,
    reply: prepared.PreparedReply,
    case: CaseDTO,
    contact: ContactDTO,
    chat: int,
    message_id: int,
) -> None:
    """Like an answer written in the topic: to the young person in their language, recorded in the case."""
    tr, session, worker = uow.staff_tr, uow.session, uow.staff
    assert worker is not None
    if await cases.staff_message_recorded(session, case.id, message_id):
        return  # Send pressed twice: it went already
    if contact.status == "unreachable":
        _edit(uow, chat, message_id, tr._("⚠️ The young person has blocked the bot. Your message cannot be delivered."))
        return
    if case.status != "open":
        await cases.reopen(session, case.id)
        uow.send(to_case_topic("reopenForumTopic", {"chat_id": uow.services.settings.staff_chat_id}, case.id))
    if case.claimed_by is None:
        await cases.claim(session, case.id, worker.id)
    entry = await cases.record_message(
        session, case.id, "out", "prepared", staff_message_id=message_id, staff_id=worker.id
    )
    youth_tr = uow.services.catalogs.translator(contact.language)
    text = youth_tr.direct(youth_tr.insert(worker.display_name) + ":\n" + await render(uow, youth_tr, reply, pick))
    chat_id = uow.services.keyring.decrypt_int(contact.chat_id_enc)
    lane, stop = private_lane(contact.user_key), await _stop(uow, pick)
    uow.send(
        Outgoing(
            "sendMessage",
            {"chat_id": chat_id, "text": fit_text(text)},
            lane,
            Priority.RELAY,
            contact_id=contact.id,
            user_key=contact.user_key,
            case_id=case.id,
            case_message_id=entry,
            kind="relay_out",
        )
    )
    if stop is not None and "stop" in reply.fields:
        venue = {"latitude": stop.latitude, "longitude": stop.longitude, "title": stop.name, "address": stop.address}
        params = {"chat_id": chat_id, **venue}
        uow.send(Outgoing("sendVenue", params, lane, Priority.RELAY, contact_id=contact.id, user_key=contact.user_key))
    await cases.staff_answered(session, case.id)
    head = tr._(
        "✉️ {name} sent this to the young person, in {language}:",
        name=worker.display_name,
        language=_language_name(contact),
    )
    _edit(uow, chat, message_id, fit_text(tr.direct(f"{head}\n\n{await render(uow, tr, reply, pick)}")))


def _language_name(contact: ContactDTO) -> str:
    language = CHOICES.get(contact.language)
    return f"{language.native_name} ({contact.language})" if language else contact.language


def _moment(uow: UnitOfWork, pick: prepared.Pick, at: time) -> datetime:
    return booking.local(pick.day or rules.today(uow), at, uow.services.settings.tz)


def _wall_clock(uow: UnitOfWork, moment: datetime) -> time:
    local = moment.astimezone(uow.services.settings.tz)
    return time(local.hour, local.minute)


async def _still_valid(uow: UnitOfWork, pick: prepared.Pick) -> prepared.Pick:
    """An old button may name a stop that is gone from the plan, or a day that has passed: pick them again."""
    if pick.stop_id is not None and await _stop(uow, pick) is None:
        pick = replace(pick, stop_id=None, day=None, time=None)
    if pick.day is not None and pick.day < rules.today(uow):
        pick = replace(pick, day=None, time=None)
    return pick


async def _stop(uow: UnitOfWork, pick: prepared.Pick) -> StopDTO | None:
    stop = await tour.get(uow.session, pick.stop_id) if pick.stop_id is not None else None
    return stop if stop is not None and stop.active else None


async def _cancelled(uow: UnitOfWork, first: date) -> set[tuple[int, date]]:
    return set(await tour.cancellations(uow.session, first, first + timedelta(days=DAYS_AHEAD)))


def _edit(uow: UnitOfWork, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None) -> None:
    params: dict[str, object] = {"chat_id": chat_id, "message_id": message_id, "text": text}
    if keyboard:
        params["reply_markup"] = inline_keyboard(keyboard)
    uow.send(Outgoing("editMessageText", params, STAFF_LANE, Priority.INTERACTIVE))

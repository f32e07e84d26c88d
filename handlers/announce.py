"""Bus announcements by coordinators, in the staff group or in a private chat with the bot: /announce opens a
panel of buttons (what happened, at which stop, until when or how late; or a free text), shows a preview, and on
"Send" the broadcast starts and the panel shows its progress (/subscribers, the numbers, is in handlers.bus).

The draft is the announcement's own row (each button carries its id), so a panel survives restarts and a second
tap on "Send" finds it sending already.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from telegram import Message, Update

from bot import appointments as rules
from bot import broadcast, bus
from bot.booking import local
from bot.cli_tour import cancel_day
from bot.context import BotContext, UnitOfWork
from bot.delivery.outgoing import (
    STAFF_LANE,
    Keyboard,
    Outgoing,
    Priority,
    answer_callback,
    inline_keyboard,
    text_message,
)
from bot.i18n import Translator
from conversations import intake
from handlers.staff import say
from storage import announcements, subscriptions, tour
from storage.announcements import EVERYONE, AnnouncementDTO
from storage.subscriptions import Recipient

NAME = "announce"  # the conversation in a private chat while a panel waits for a free text


def row_id(text: str) -> int | None:
    """A row id from a button (anything else, however long, is no id)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _coordinator(uow: UnitOfWork) -> bool:
    return uow.staff is not None and uow.staff.may("coordinator")


def _reply(uow: UnitOfWork, message: Message, text: str, keyboard: Keyboard | None = None) -> None:
    if message.chat.type == message.chat.PRIVATE:
        uow.send(text_message(uow.me, text, keyboard))
    else:
        say(uow, message, text, keyboard)


def _edit(uow: UnitOfWork, a: AnnouncementDTO, message_id: int, text: str, keyboard: Keyboard | None = None) -> None:
    assert a.panel_chat_id is not None and a.panel_lane is not None
    params: dict[str, object] = {"chat_id": a.panel_chat_id, "message_id": message_id, "text": text[:4096]}
    if keyboard:
        params["reply_markup"] = inline_keyboard(keyboard)
    uow.send(Outgoing("editMessageText", params, a.panel_lane, Priority.INTERACTIVE))


async def announce_command(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    if not _coordinator(uow):
        _reply(uow, message, uow.staff_tr._("Only coordinators can publish bus announcements."))
        return
    assert uow.staff is not None
    lane = broadcast.panel_lane(uow, message.chat_id)
    draft = await announcements.create_draft(uow.session, uow.staff.id, message.chat_id, lane)
    _reply(uow, message, *_kind_step(uow.staff_tr, draft))


async def button(update: Update, ctx: BotContext) -> None:
    """an:<id>:<step>[:<value>] — the panel's buttons."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    tr, parts = uow.staff_tr, query.data.split(":")
    if not _coordinator(uow):
        uow.send(answer_callback(query.id, tr._("Only coordinators can publish bus announcements."), alert=True))
        return
    key = row_id(parts[1]) if len(parts) > 2 else None
    found = await announcements.get(uow.session, key) if key is not None else None
    if found is None:
        await intake.stale_button(update, ctx)
        return
    uow.send(answer_callback(query.id))
    step, value = parts[2], parts[3] if len(parts) > 3 else ""
    if step == "fix" and found.status in ("sending", "done"):
        assert uow.staff is not None
        lane = broadcast.panel_lane(uow, query.message.chat.id)
        draft = await announcements.create_draft(uow.session, uow.staff.id, query.message.chat.id, lane, found)
        _reply(uow, query.message, *_kind_step(tr, draft))  # type: ignore[arg-type]
        return
    a = await announcements.edit_draft(uow.session, found.id, panel_message_id=query.message.message_id)
    if a is None:
        return  # sent or discarded already: a late second tap
    message_id = query.message.message_id
    if step == "x":
        await announcements.discard(uow.session, a.id)
        await _leave_text_step(uow)
        _edit(uow, a, message_id, tr._("Discarded; nothing was sent."))
    elif step == "back":
        a = await _edit_draft(uow, a, step="kind", kind=None, stop_id=None, until_at=None, minutes=None, text_enc=None)
        await _leave_text_step(uow)
        _edit(uow, a, message_id, *_kind_step(tr, a))
    elif step == "ok" and a.step == "preview":
        await _send(uow, a, message_id)
    elif step in STEPS:
        text, keyboard = await STEPS[step](uow, a, value)
        _edit(uow, a, message_id, text, keyboard)


async def _edit_draft(uow: UnitOfWork, a: AnnouncementDTO, **values: object) -> AnnouncementDTO:
    if a.corrects_id is None and values.get("step") == "kind":
        values["place"] = None  # a correction keeps the place (and people) of what it corrects
    changed = await announcements.edit_draft(uow.session, a.id, **values)
    assert changed is not None
    return changed


def _kind_step(tr: Translator, a: AnnouncementDTO) -> tuple[str, Keyboard]:
    if a.corrects_id is not None:
        text = tr._("✏️ A correction to announcement {id}: it goes to the same people. What is right?", id=a.corrects_id)
    else:
        text = tr._("📢 A bus announcement to subscribers. What do you want to tell them?")
    buttons = [(tr._(label), f"an:{a.id}:k:{kind}") for kind, label in bus.KINDS.items()]
    return text, [buttons[:2], buttons[2:], [(tr._("Discard"), f"an:{a.id}:x")]]


def _nav(tr: Translator, a: AnnouncementDTO) -> list[tuple[str, str]]:
    return [(tr._("Back"), f"an:{a.id}:back"), (tr._("Discard"), f"an:{a.id}:x")]


async def _chose_kind(uow: UnitOfWork, a: AnnouncementDTO, kind: str) -> tuple[str, Keyboard | None]:
    tr = uow.staff_tr
    if kind not in bus.KINDS:
        return _kind_step(tr, a)
    if kind == "free":
        if a.corrects_id is not None:
            return await _chose_place(uow, await _edit_draft(uow, a, kind=kind), a.place or EVERYONE)
        counts = await subscriptions.counts_by_place(uow.session)
        buttons = [(f"{bus.place_label(tr, c)} · {tr.number(counts.get(c, 0))}", f"an:{a.id}:p:{c}") for c in bus.TOWNS]
        keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        keyboard += [[(tr._("Everyone subscribed"), f"an:{a.id}:p:{EVERYONE}")], _nav(tr, a)]
        await _edit_draft(uow, a, kind=kind, step="place")
        return tr._("Who should get it?"), keyboard
    a = await _edit_draft(uow, a, kind=kind, step="stop")
    now, tz = uow.services.clock.now(), uow.services.settings.tz
    today = await bus.load_visits(uow.session, rules.today(uow), 1, tz)
    today = [v for v in today if v.ends_at > now]
    times = {v.stop.id: f" · {tr.time(v.starts_at)}–{tr.time(v.ends_at)}" for v in today}
    if kind == "cancelled":
        stops = [v.stop for v in today]
        if not stops:
            return tr._("No stop is planned for the rest of today."), [_nav(tr, a)]
    else:
        everything = await tour.stops(uow.session)
        stops = sorted(everything, key=lambda s: s.id not in times)
    keyboard = [[(s.name + times.get(s.id, ""), f"an:{a.id}:s:{s.id}")] for s in stops[:20]]
    return tr._("Which stop?"), [*keyboard, _nav(tr, a)]


async def _chose_stop(uow: UnitOfWork, a: AnnouncementDTO, value: str) -> tuple[str, Keyboard | None]:
    tr = uow.staff_tr
    stop = await tour.get(uow.session, key) if (key := row_id(value)) is not None else None
    if stop is None or a.kind not in ("here", "late", "cancelled"):
        return _kind_step(tr, a)
    place = a.place if a.corrects_id is not None else stop.place
    next_step = {"here": "until", "late": "minutes", "cancelled": "preview"}[a.kind]
    a = await _edit_draft(uow, a, stop_id=stop.id, place=place, on_date=rules.today(uow), step=next_step)
    if a.kind == "cancelled":
        return await _preview(uow, a)
    if a.kind == "late":
        buttons = [(tr.ngettext("{n} minute", "{n} minutes", m), f"an:{a.id}:m:{m}") for m in bus.LATE_MINUTES]
        return tr._("How late is the bus at {stop}?", stop=stop.name), [buttons[:3], buttons[3:], _nav(tr, a)]
    buttons = [(tr.time(at), f"an:{a.id}:u:{at.astimezone(tr.tz):%H%M}") for at in await _until_choices(uow, stop.id)]
    return tr._("Until when are you at {stop}?", stop=stop.name), [buttons[:3], buttons[3:], _nav(tr, a)]


async def _until_choices(uow: UnitOfWork, stop_id: int) -> list[datetime]:
    """The plan's end at this stop today (if still ahead), and every half hour from the next one on, today only."""
    now, tz, today = uow.services.clock.now(), uow.services.settings.tz, rules.today(uow)
    planned = [v.ends_at for v in await bus.load_visits(uow.session, today, 1, tz) if v.stop.id == stop_id]
    local_now = now.astimezone(tz)
    first = local_now.replace(minute=0, second=0, microsecond=0) + timedelta(
        minutes=60 if local_now.minute >= 30 else 30
    )
    steps = [first + timedelta(minutes=30 * n) for n in range(6)]
    choices = {at for at in [*planned, *steps] if at > now and at.astimezone(tz).date() == today}
    return sorted(choices)[:6]


async def _chose_until(uow: UnitOfWork, a: AnnouncementDTO, value: str) -> tuple[str, Keyboard | None]:
    tr = uow.staff_tr
    if a.kind != "here" or len(value) != 4 or not (value.isascii() and value.isdigit()):
        return _kind_step(tr, a)
    if int(value[:2]) > 23 or int(value[2:]) > 59:
        return _kind_step(tr, a)
    until = local(rules.today(uow), time(int(value[:2]), int(value[2:])), uow.services.settings.tz)
    if until <= uow.services.clock.now():
        return _kind_step(tr, a)
    return await _preview(uow, await _edit_draft(uow, a, until_at=until, step="preview"))


async def _chose_minutes(uow: UnitOfWork, a: AnnouncementDTO, value: str) -> tuple[str, Keyboard | None]:
    if a.kind != "late" or value not in {str(m) for m in bus.LATE_MINUTES}:
        return _kind_step(uow.staff_tr, a)
    return await _preview(uow, await _edit_draft(uow, a, minutes=int(value), step="preview"))


async def _chose_place(uow: UnitOfWork, a: AnnouncementDTO, value: str) -> tuple[str, Keyboard | None]:
    tr = uow.staff_tr
    if a.kind != "free" or (value not in bus.TOWNS and value != EVERYONE):
        return _kind_step(tr, a)
    a = await _edit_draft(uow, a, place=value, step="text")
    if a.panel_lane == STAFF_LANE:
        text = tr._("Write the text now, as a message in the General topic of this group.")
    else:
        text = tr._("Write the text now, as your next message here.")
        await uow.set_conversation(NAME, "text", {"id": a.id})
    return text, [_nav(tr, a)]


async def free_text(update: Update, ctx: BotContext) -> None:
    """The coordinator's own words for a panel waiting for them (a private chat, or the staff group's General)."""
    uow, message = ctx.uow, update.message
    assert message is not None and message.text is not None
    if not _coordinator(uow):
        return
    assert uow.staff is not None
    a = await announcements.awaiting_text(uow.session, uow.staff.id, message.chat_id)
    await _leave_text_step(uow)
    if a is None:
        return  # the team talking in General, or a panel discarded meanwhile
    tr = uow.staff_tr
    if len(message.text) > bus.FREE_TEXT_MAX:
        text = tr._("That is too long; please keep it under {n} characters.", n=tr.number(bus.FREE_TEXT_MAX))
        if message.chat.type == message.chat.PRIVATE:
            await uow.set_conversation(NAME, "text", {"id": a.id})
        _reply(uow, message, text)
        return
    a = await _edit_draft(uow, a, text_enc=uow.services.keyring.encrypt(message.text.encode()), step="preview")
    if a.panel_message_id is not None:
        _edit(uow, a, a.panel_message_id, tr._("Text received; the preview is below."))
    _reply(uow, message, *await _preview(uow, a))


async def _leave_text_step(uow: UnitOfWork) -> None:
    if uow.in_state(NAME):
        await uow.end_conversation()


async def _recipients(uow: UnitOfWork, a: AnnouncementDTO) -> list[Recipient]:
    if a.corrects_id is not None:
        return await announcements.recipients_of(uow.session, a.corrects_id)
    return await subscriptions.recipients(uow.session, None if a.place == EVERYONE else [a.place or ""])


async def _preview(uow: UnitOfWork, a: AnnouncementDTO) -> tuple[str, Keyboard]:
    tr, n = uow.staff_tr, len(await _recipients(uow, a))
    lines = [tr._("Preview – each subscriber reads it in their own language:"), ""]
    lines += [await broadcast.preview(uow.services, uow.session, a), ""]
    if a.corrects_id is not None:
        lines.append(
            tr.ngettext(
                "It goes to the {n} person who got announcement {id}.",
                "It goes to the {n} people who got announcement {id}.",
                n,
                id=a.corrects_id,
            )
        )
    else:
        place = bus.place_label(tr, a.place)
        lines.append(
            tr.ngettext("It goes to {n} subscriber ({place}).", "It goes to {n} subscribers ({place}).", n, place=place)
        )
    if a.kind == "cancelled":
        lines.append(
            tr._(
                "The stop is also cancelled in the plan for today: appointments there are cancelled and the young "
                "people told."
            )
        )
    keyboard = [[(tr._("✅ Send"), f"an:{a.id}:ok")], _nav(tr, a)]
    return "\n".join(lines), keyboard


async def _send(uow: UnitOfWork, a: AnnouncementDTO, message_id: int) -> None:
    """Confirmed: the broadcast's rows are written with the announcement turning to sending, in this update."""
    session = uow.session
    people = await _recipients(uow, a)
    if not await announcements.start_sending(session, a.id, panel_message_id=message_id, on_date=rules.today(uow)):
        return
    await _leave_text_step(uow)
    sending = await announcements.get(session, a.id)
    assert sending is not None
    if a.kind == "cancelled" and a.stop_id is not None and a.corrects_id is None:
        stop = await tour.get(session, a.stop_id)
        if stop is not None:
            await cancel_day(uow, stop, rules.today(uow), None)
    await broadcast.publish(uow, sending, people)
    if not people:
        await announcements.record_progress(session, a.id, 0, 0, True, uow.services.clock.now())
    text = await broadcast.panel_text(uow.services, session, sending, {"pending": len(people)})
    _edit(uow, sending, message_id, text)


STEPS = {"k": _chose_kind, "s": _chose_stop, "u": _chose_until, "m": _chose_minutes, "p": _chose_place}

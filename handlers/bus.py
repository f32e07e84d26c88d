"""Where is the bus? /bus, a shared location, /subscribe and /unsubscribe for young people; the live location a
coordinator shares; /subscribers, the numbers for the team."""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, Update

from bot import appointments as rules
from bot import bus
from bot.context import BotContext, UnitOfWork
from bot.delivery.limits import retry_seconds
from bot.delivery.outgoing import (
    Keyboard,
    Outgoing,
    answer_callback,
    edit_text,
    private_lane,
    text_message,
    to_case_topic,
)
from conversations import intake
from handlers import relay
from handlers.announce import row_id
from handlers.relay import ensure_open_case
from handlers.staff import say
from storage import announcements, cases, outbox, subscriptions, tour
from storage import bus as bus_rows

LIVE_FOREVER = 0x7FFFFFFF  # Telegram's live_period for "until I stop sharing": taken as a day
LONGEST_LIVE = timedelta(hours=24)


async def bus_command(update: Update, ctx: BotContext) -> None:
    """Where the bus is now (or next), the next stops, and the place as a venue or the live location."""
    uow, tr = ctx.uow, ctx.tr
    now, tz, today = uow.services.clock.now(), uow.services.settings.tz, rules.today(uow)
    plan = await bus.load_visits(uow.session, today, bus.PLAN_DAYS, tz)
    said = await announcements.published_on(uow.session, today, ("here", "late"))
    stops = {s.id: s for s in await tour.stops(uow.session, active_only=False)}
    position = await bus_rows.live_position(uow.session, now)
    where = bus.whereabouts(plan, said, stops, position, now, tz)
    uow.send(text_message(uow.me, bus.bus_text(tr, where, now)[:4096]))
    lane, to = private_lane(uow.me.user_key), {"chat_id": uow.me.chat_id}
    if position is not None:
        uow.send(Outgoing("sendLocation", {**to, "latitude": position.latitude, "longitude": position.longitude}, lane))
    elif (visit := where.here or (where.upcoming[0] if where.upcoming else None)) is not None:
        stop = visit.stop
        venue = {"latitude": stop.latitude, "longitude": stop.longitude, "title": stop.name, "address": stop.address}
        uow.send(Outgoing("sendVenue", {**to, **venue}, lane))


async def location_shared(update: Update, ctx: BotContext) -> None:
    """A young person shares a location: the nearest stops the bus still comes to, with distance and time. In a
    conversation with the team (an open case) it goes to the case topic as anything else would; otherwise it goes
    to nobody unless they tap to send it to the team."""
    uow, message = ctx.uow, update.message
    assert message is not None and message.location is not None
    tr, now, tz = uow.tr, uow.services.clock.now(), uow.services.settings.tz
    talking = uow.contact is not None and await cases.open_for_contact(uow.session, uow.contact.id) is not None
    if talking:
        await relay.youth_message(update, ctx)
    plan = await bus.load_visits(uow.session, rules.today(uow), bus.PLAN_DAYS, tz)
    ranked = bus.nearest(plan, message.location.latitude, message.location.longitude, now)
    keyboard: Keyboard | None = None
    if uow.contact is not None and not talking:
        keyboard = [[(tr._("📨 Send my location to the team"), f"bus:share:{message.message_id}")]]
    uow.send(text_message(uow.me, bus.nearest_text(tr, ranked, now), keyboard))


async def share_button(update: Update, ctx: BotContext) -> None:
    """bus:share:<message id> — the young person wants the team to see the location after all: copied (never
    forwarded) into their case topic."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    message_id = row_id(query.data.removeprefix("bus:share:"))
    if uow.contact is None or message_id is None:
        await intake.stale_button(update, ctx)
        return
    uow.send(answer_callback(query.id))
    case, _fresh = await ensure_open_case(uow)
    entry = await cases.record_message(uow.session, case.id, "in", "location", youth_message_id=message_id)
    params = {"chat_id": uow.services.settings.staff_chat_id, "from_chat_id": uow.me.chat_id, "message_id": message_id}
    uow.send(
        to_case_topic("copyMessage", params, case.id, kind="relay_in", case_message_id=entry, contact_id=uow.contact.id)
    )
    await cases.youth_wrote(uow.session, case.id)
    uow.send(edit_text(uow.me, query.message.message_id, uow.tr._("Your location was sent to the team.")))


# -- subscriptions ---------------------------------------------------------------------------------------------


async def subscribe_command(update: Update, ctx: BotContext) -> None:
    uow = ctx.uow
    if uow.contact is None:
        await intake.begin(uow, source=None)
        return
    text, keyboard = await _choices(uow)
    uow.send(text_message(uow.me, text, keyboard))


async def _choices(uow: UnitOfWork) -> tuple[str, Keyboard]:
    """The places to tap (their own place first), ticked where they are subscribed."""
    assert uow.contact is not None
    tr, own = uow.tr, uow.contact.place
    chosen = set(await subscriptions.places_of(uow.session, uow.contact.id))
    towns = sorted(bus.TOWNS, key=lambda code: code != own)
    buttons = [(("✅ " if code in chosen else "▫️ ") + bus.place_label(tr, code), f"sub:t:{code}") for code in towns]
    keyboard: Keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    keyboard.append([(tr._("Done"), "sub:done")])
    text = tr._("Which places do you want news from the bus for? Tap to choose – several are fine.")
    return f"{text}\n\n{_chosen_line(uow, chosen)}", keyboard


def _chosen_line(uow: UnitOfWork, chosen: set[str]) -> str:
    tr = uow.tr
    if not chosen:
        return tr._("You get no news from the bus yet.")
    names = ", ".join(bus.place_label(tr, code) for code in bus.TOWNS if code in chosen)
    return tr._("You get news for: {places}.", places=names)


async def subscription_button(update: Update, ctx: BotContext) -> None:
    """sub:t:<place> ticks or unticks a place at once; sub:done closes the choice."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    parts = query.data.split(":")
    action, code = parts[1], parts[2] if len(parts) > 2 else ""
    if uow.contact is None or (action == "t" and code not in bus.TOWNS) or action not in ("t", "done"):
        await intake.stale_button(update, ctx)
        return
    uow.send(answer_callback(query.id))
    if action == "t":
        await subscriptions.toggle(uow.session, uow.contact.id, code)
        text, keyboard = await _choices(uow)
        uow.send(edit_text(uow.me, query.message.message_id, text, keyboard))
        return
    chosen = set(await subscriptions.places_of(uow.session, uow.contact.id))
    text = _chosen_line(uow, chosen)
    if chosen:
        text += "\n" + uow.tr._("The day before the bus comes, and when the team has news, we write to you here.")
    uow.send(edit_text(uow.me, query.message.message_id, text))


async def unsubscribe_command(update: Update, ctx: BotContext) -> None:
    uow, tr = ctx.uow, ctx.tr
    removed = await subscriptions.remove_all(uow.session, uow.contact.id) if uow.contact is not None else 0
    if removed:
        text = tr._("Okay, you get no more news from the bus. /subscribe chooses places again.")
    else:
        text = tr._("You get no news from the bus. /subscribe chooses places.")
    uow.send(text_message(uow.me, text))


# -- the coordinator's live location -----------------------------------------------------------------------------


async def coordinator_location(update: Update, ctx: BotContext) -> None:
    """A coordinator shares a live location (in a private chat with the bot, or in the staff group outside the case
    topics), and moves it (edited_message): /bus shows it while it is live. A location that is not live from a
    coordinator in their private chat is answered like a young person's."""
    uow, message = ctx.uow, update.effective_message
    assert message is not None and message.location is not None
    now, location = uow.services.clock.now(), message.location
    live_period = location.to_dict().get("live_period")  # seconds (the attribute warns of a later type change)
    if update.edited_message is None and not live_period:
        if message.chat.type == message.chat.PRIVATE:
            await location_shared(update, ctx)
        return
    staff_id = uow.staff.id if uow.staff else None
    chat_id, message_id = message.chat_id, message.message_id
    if update.edited_message is not None and not live_period:
        await bus_rows.end_position(uow.session, chat_id, message_id, now)  # sharing stopped
        return
    live_until = None
    if update.edited_message is None:
        period = retry_seconds(live_period)
        live_until = now + min(timedelta(seconds=min(period, LIVE_FOREVER - 1)), LONGEST_LIVE)
    await bus_rows.save_position(
        uow.session, chat_id, message_id, location.latitude, location.longitude, live_until, staff_id, now
    )
    if update.edited_message is None:
        _confirm(
            uow, message, uow.staff_tr._("📍 Thanks: /bus shows this live location to young people while it is live.")
        )


def _confirm(uow: UnitOfWork, message: Message, text: str) -> None:
    if message.chat.type == message.chat.PRIVATE:
        uow.send(text_message(uow.me, text))
    else:
        say(uow, message, text)


# -- the numbers, for the team --------------------------------------------------------------------------------


async def subscribers_command(update: Update, ctx: BotContext) -> None:
    """The numbers: subscribers per place, and the reach of the latest announcements."""
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    tr, session = uow.staff_tr, uow.session
    counts = await subscriptions.counts_by_place(session)
    people = await subscriptions.count_people(session)
    lines = [tr.ngettext("{n} young person is subscribed.", "{n} young people are subscribed.", people)]
    lines += [f"• {bus.place_label(tr, code)}: {tr.number(counts.get(code, 0))}" for code in bus.TOWNS]
    published = await announcements.published(session, limit=8)
    if published:
        lines += ["", tr._("Latest announcements:")]
    for a in published:
        sent, failed = a.sent, a.failed
        if a.status == "sending":
            found = await outbox.announcement_counts(session, a.id)
            sent, failed = found.get("sent", 0), found.get("failed", 0)
        at = a.published_at or a.created_at
        when = f"{tr.day(at.astimezone(tr.tz).date())} {tr.time(at)}"
        what = tr._(bus.KIND_NAMES.get(a.kind or "", "?"))
        reach = tr._(
            "{sent} of {n} reached, {failed} failed",
            sent=tr.number(sent),
            n=tr.number(a.recipients),
            failed=tr.number(failed),
        )
        lines.append(f"{a.id} · {when} · {what} · {bus.place_label(tr, a.place)}: {reach}")
    _confirm(uow, message, "\n".join(lines)[:4096])

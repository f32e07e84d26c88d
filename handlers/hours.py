"""The hours pool and the committee report in the staff group: /hours, /pool, /report and the hr: buttons.

Registered in bot.app with the other team commands. Everything here is for the team only: hours never go to a
young person.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from typing import Any

from telegram import Message, Update

from bot import hours as rules
from bot import report
from bot.context import BotContext, UnitOfWork
from bot.delivery.outgoing import STAFF_LANE, Keyboard, Outgoing, Priority, answer_callback, inline_keyboard, upload
from bot.services import Services
from handlers.staff import case_here, say, thread_of
from storage import cases, hours, staff

log = logging.getLogger(__name__)


async def hours_command(update: Update, ctx: BotContext) -> None:
    """/hours 1.5 note · /hours (buttons) · /hours list · /hours fix <id> <hours> [note] · /hours delete <id>"""
    uow, message, args = ctx.uow, update.effective_message, ctx.args or []
    assert message is not None and uow.staff is not None
    tr, action = uow.staff_tr, args[0].lower() if args else ""
    if action in ("fix", "delete"):
        await _correct(uow, message, action, args[1:])
        return
    found = await case_here(uow, message)
    if found is None:
        return
    case = found[0]
    if action == "list":
        await _list(uow, message, case)
    elif not args:
        say(
            uow,
            message,
            tr._("What did you do for {alias}?", alias=case.alias),
            rules.activity_keyboard(tr, f"hr:a:{case.id}"),
        )
    elif (minutes := rules.parse_hours(args[0])) is None:
        say(uow, message, rules.usage_text(tr))
    else:
        note = " ".join(args[1:]).strip() or None
        entry = await rules.record(uow, case, minutes, None, note, (message.chat_id, message.message_id))
        assert entry is not None
        text = rules.logged_text(tr, entry, case.alias, uow.staff.display_name) + "\n" + tr._("What was it?")
        say(uow, message, text, rules.activity_keyboard(tr, f"hr:s:{entry.id}"))


async def _list(uow: UnitOfWork, message: Message, case: cases.CaseDTO) -> None:
    tr = uow.staff_tr
    lines = await hours.for_case(uow.session, case.id)
    if not lines:
        say(uow, message, tr._("No hours logged for {alias} yet.", alias=case.alias))
        return
    history = await hours.changes(uow.session, [line.entry.id for line in lines])
    body = rules.entry_lines(tr, lines, history, uow.services.keyring.decrypt)
    say(uow, message, "\n".join([tr._("Hours for {alias}:", alias=case.alias), *body])[:4096])


async def _correct(uow: UnitOfWork, message: Message, action: str, args: list[str]) -> None:
    """fix <id> <hours> [note] or delete <id>: by the entry's author or a coordinator, into the audit trail."""
    assert uow.staff is not None
    tr, now = uow.staff_tr, uow.services.clock.now()
    entry_id = rules.parse_id(args[0]) if args else None
    entry = await hours.get(uow.session, entry_id) if entry_id is not None else None
    minutes = rules.parse_hours(args[1]) if action == "fix" and len(args) > 1 else None
    if entry is None or (action == "fix" and minutes is None):
        say(uow, message, rules.usage_text(tr))
    elif not rules.may_change(uow.staff, entry):
        say(uow, message, tr._("Only the author of an entry or a coordinator can change it."))
    elif entry.deleted_at is not None:
        say(uow, message, tr._("Entry #{id} is deleted.", id=entry.id))
    elif action == "delete":
        await hours.remove(uow.session, entry, uow.staff.id, now)
        say(uow, message, tr._("Entry #{id} deleted ({hours}).", id=entry.id, hours=rules.amount(tr, entry.minutes)))
    else:
        assert minutes is not None
        note = " ".join(args[2:]).strip()
        note_enc = uow.services.keyring.encrypt(note.encode()) if note else None
        await hours.fix(uow.session, entry, minutes, note_enc, uow.staff.id, now)
        await rules.after_change(uow, entry, minutes - entry.minutes)
        old, new = rules.amount(tr, entry.minutes), rules.amount(tr, minutes)
        say(uow, message, tr._("Entry #{id} corrected: {old} → {new}.", id=entry.id, old=old, new=new))


async def pool_command(update: Update, ctx: BotContext) -> None:
    """/pool shows the balance; /pool set 400 2026-11-01 2027-05-31 [cap 20] (coordinators)."""
    uow, message, args = ctx.uow, update.effective_message, ctx.args or []
    assert message is not None and uow.staff is not None
    tr = uow.staff_tr
    if args and args[0].lower() == "set":
        await _set_pool(uow, message, args[1:])
        return
    current = await hours.current_pool(uow.session, rules.today(uow))
    if current is None:
        say(uow, message, tr._("No hours pool is set.") + "\n" + rules.pool_usage_text(tr))
        return
    say(uow, message, await _balance(uow, current))


async def _set_pool(uow: UnitOfWork, message: Message, args: list[str]) -> None:
    assert uow.staff is not None
    tr, request = uow.staff_tr, rules.parse_pool(args)
    if not uow.staff.may("coordinator"):
        say(uow, message, tr._("Only a coordinator can set the hours pool."))
        return
    if request is None:
        say(uow, message, rules.pool_usage_text(tr))
        return
    try:
        pool, created = await rules.set_pool(uow, request)
    except hours.PoolOverlap as exc:
        period = rules.period_text(tr, exc.other.starts_on, exc.other.ends_on)
        say(uow, message, tr._("That overlaps the pool {period}.", period=period))
        return
    head = tr._("Hours pool set.") if created else tr._("Hours pool changed.")
    say(uow, message, head + "\n" + await _balance(uow, pool))


async def _balance(uow: UnitOfWork, pool: hours.PoolDTO) -> str:
    totals = await hours.totals(uow.session, pool.starts_on, pool.ends_on)
    aliases = await hours.aliases(uow.session, [c for c in totals.by_case if c is not None])
    return rules.balance_text(uow.staff_tr, pool, totals, aliases)


async def report_command(update: Update, ctx: BotContext) -> None:
    """/report [from to]: the committee report as PDF and CSV, with a short summary (coordinators). Made once this
    update has committed (UnitOfWork.afterwards): at scale its reads take seconds, and young people's messages go on
    meanwhile."""
    uow, message, args = ctx.uow, update.effective_message, ctx.args or []
    assert message is not None and uow.staff is not None
    tr, today = uow.staff_tr, rules.today(uow)
    if not uow.staff.may("coordinator"):
        say(uow, message, tr._("Only a coordinator can make the report."))
        return
    period = report.parse_period(args) if args else None
    if args and period is None:
        say(uow, message, tr._("Write /report, or /report 2026-01-01 2026-12-31 for a period."))
        return
    period = period or report.default_period(today, await hours.current_pool(uow.session, today))
    uow.afterwards.append(functools.partial(_make_report, uow.services, thread_of(message), period))


async def _make_report(services: Services, thread: dict[str, Any], period: report.Period) -> None:
    """Reads in a snapshot of its own (no write lock; on SQLite off the event loop's thread), has the PDF drawn in a
    child process, and puts the summary and both files in the outbox; says so when it fails."""
    tr = services.catalogs.translator(services.settings.staff_language)
    try:
        async with services.snapshots() as session:
            figures = await report.collect(session, period, services.settings.tz)
        built = report.build(figures, tr, services.clock.now())
        settings = services.settings
        pdf = await report.render_pdf_apart(built, settings.tz, settings.default_language, settings.staff_language)
        overview = [
            f"{r.label}: {r.cell.text}" + (f" {r.unit}" if r.key == "hours" else "")
            for r in built.section("overview").rows
        ]
        name = f"anlaufstelle-{period.first.isoformat()}-{period.last.isoformat()}"
        made = [
            _text(thread, tr.direct("\n".join([built.title, built.period_text, *overview]))),
            _document(thread, upload(f"{name}.pdf", pdf)),
            _document(thread, upload(f"{name}.csv", report.to_csv(built, tr))),
        ]
    except Exception:
        log.exception("the report for %s..%s could not be made", period.first, period.last)
        made = [_text(thread, tr.direct(tr._("The report could not be made. Please try again later.")))]
    async with services.sessions() as session, session.begin():
        uow = UnitOfWork(session=session, services=services, update_id=0)
        for outgoing in made:
            uow.send(outgoing)
        await uow.flush_outgoing()


def _text(thread: dict[str, Any], text: str) -> Outgoing:
    return Outgoing("sendMessage", {**thread, "text": text}, STAFF_LANE, Priority.INTERACTIVE)


def _document(thread: dict[str, Any], document: dict[str, str]) -> Outgoing:
    return Outgoing("sendDocument", {**thread, "document": document}, STAFF_LANE, Priority.INTERACTIVE)


async def hours_button(update: Update, ctx: BotContext) -> None:
    """hr:a:<case>:<activity> → durations; hr:d:<case>:<activity>:<minutes> logs; hr:s:<entry>:<activity> sets the
    activity of an entry typed without one; hr:x cancels."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    tr, parts = uow.staff_tr, query.data.split(":")
    if uow.staff is None:
        uow.send(answer_callback(query.id, tr._("Only the team can do this.")))
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id
    text, keyboard = await _pressed(uow, parts, (chat_id, message_id))
    uow.send(answer_callback(query.id, None if text else tr._("This button is no longer active.")))
    if text:
        params: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": text}
        if keyboard:
            params["reply_markup"] = inline_keyboard(keyboard)
        uow.send(Outgoing("editMessageText", params, STAFF_LANE, Priority.INTERACTIVE))


async def _pressed(uow: UnitOfWork, parts: list[str], origin: tuple[int, int]) -> tuple[str | None, Keyboard | None]:
    """What the pressed button's message says now (None: the button is stale)."""
    tr, kind = uow.staff_tr, parts[1] if len(parts) > 1 else ""
    target = rules.parse_id(parts[2]) if len(parts) > 2 else None
    activity = parts[3] if len(parts) > 3 and parts[3] in rules.ACTIVITIES else None
    if kind == "x":
        return tr._("Nothing logged."), None
    if target is None or activity is None:
        return None, None
    if kind == "s":
        return await _set_activity(uow, target, activity), None
    case = await cases.get(uow.session, target)
    if case is None:
        return None, None
    if kind == "a":
        text = tr._("{alias} · {activity}: how long?", alias=case.alias, activity=rules.activity_label(tr, activity))
        return text, rules.duration_keyboard(tr, case.id, activity)
    minutes = rules.parse_id(parts[4]) if kind == "d" and len(parts) > 4 else None
    if minutes not in rules.DURATIONS:
        return None, None
    assert minutes is not None and uow.staff is not None
    entry = await rules.record(uow, case, minutes, activity, None, origin)
    return (rules.logged_text(tr, entry, case.alias, uow.staff.display_name) if entry else None), None


async def _set_activity(uow: UnitOfWork, entry_id: int, activity: str) -> str | None:
    """The activity of an entry typed without one, chosen by its author or a coordinator."""
    assert uow.staff is not None
    entry = await hours.get(uow.session, entry_id)
    if entry is None or not rules.may_change(uow.staff, entry):
        return None
    if not await hours.set_activity(uow.session, entry.id, activity):
        return None
    case = await cases.get(uow.session, entry.case_id) if entry.case_id else None
    author = await staff.get(uow.session, entry.staff_id) if entry.staff_id else None
    entry = replace(entry, activity=activity)
    return rules.logged_text(uow.staff_tr, entry, case.alias if case else "–", author.display_name if author else "–")

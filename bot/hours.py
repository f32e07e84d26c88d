"""The hours pool (Stundenpool): what the team types, what the bot answers, and when it warns.

A coordinator sets a budget of hours for one-to-one accompaniment per period (optionally with a cap per case);
workers log time on cases from the case topics. The bot warns the staff group once when 80 % and once when 95 %
of a pool are used (when one entry passes both, one warning says 95 %; both count as given), and whenever a
case's hours in a pool pass its cap. Hours are for the team and the committee only: nothing here ever goes to a
young person. Notes on entries are internal and stored encrypted, like case notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.context import UnitOfWork
from bot.delivery.outgoing import STAFF_LANE, Keyboard, Outgoing, Priority
from bot.i18n import N_, Translator
from storage import hours
from storage.cases import CaseDTO
from storage.hours import EntryDTO, EntryLine, PoolDTO
from storage.staff import StaffDTO

ACTIVITIES: dict[str, str] = {
    "authority": N_("Accompanying to an authority"),
    "forms": N_("Help with forms"),
    "home_visit": N_("Home visit"),
    "call": N_("Call with an institution"),
    "other": N_("Other"),
}
NOT_CHOSEN = N_("Activity not chosen")
DURATIONS = (30, 60, 90, 120, 180)  # the buttons, in minutes
MAX_ENTRY_MINUTES = 12 * 60
MAX_BUDGET_MINUTES = 100_000 * 60


@dataclass(frozen=True)
class PoolRequest:
    budget_minutes: int
    starts_on: date
    ends_on: date
    cap_minutes: int | None


# -- what the team types -------------------------------------------------------------------------------------


def parse_hours(text: str, limit: int = MAX_ENTRY_MINUTES) -> int | None:
    """Hours as typed ('1.5', '1,5', '2h', '1:30') in whole minutes; None unless 0 < minutes <= limit."""
    typed = text.strip().lower().removesuffix("h").strip()
    try:
        if ":" in typed:
            whole, _, part = typed.partition(":")
            if not (whole.isdigit() and part.isdigit() and len(part) == 2 and int(part) < 60):
                return None
            minutes = int(whole) * 60 + int(part)
        else:
            value = Decimal(typed.replace(",", "."))
            if not value.is_finite():
                return None
            minutes = int((value * 60).to_integral_value(ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return None
    return minutes if 0 < minutes <= limit else None


def parse_id(text: str) -> int | None:
    """An entry's or case's number as typed ('12' or '#12'); None unless it can be one (a 32-bit integer)."""
    digits = text.strip().removeprefix("#")
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None


def parse_day(text: str) -> date | None:
    """A day as 2026-11-01 or 01.11.2026."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None


def parse_pool(args: list[str]) -> PoolRequest | None:
    """`400 2026-11-01 2027-05-31 [cap 20]` (the words after `/pool set`)."""
    if len(args) not in (3, 5) or (len(args) == 5 and args[3].lower() != "cap"):
        return None
    budget = parse_hours(args[0], MAX_BUDGET_MINUTES)
    first, last = parse_day(args[1]), parse_day(args[2])
    cap = parse_hours(args[4], MAX_BUDGET_MINUTES) if len(args) == 5 else None
    if budget is None or first is None or last is None or last < first or (len(args) == 5 and cap is None):
        return None
    return PoolRequest(budget, first, last, cap)


def may_change(member: StaffDTO, entry: EntryDTO) -> bool:
    """Its author, or a coordinator (or admin)."""
    return entry.staff_id == member.id or member.may("coordinator")


# -- how it reads --------------------------------------------------------------------------------------------


def amount(tr: Translator, minutes: int) -> str:
    """Minutes as hours, in the language's number format: '1,5 h'."""
    value = babel_numbers.format_decimal(minutes / 60, format="#,##0.##", locale=tr.language.babel_locale)
    return tr._("{hours} h", hours=value)


def percent(tr: Translator, part: int, whole: int) -> str:
    return babel_numbers.format_percent(part / whole if whole else 0, locale=tr.language.babel_locale)


def period_text(tr: Translator, first: date, last: date) -> str:
    return babel_dates.format_interval(first, last, "yMMMd", locale=tr.language.babel_locale)


def activity_label(tr: Translator, code: str | None) -> str:
    return tr._(ACTIVITIES[code]) if code in ACTIVITIES else tr._(NOT_CHOSEN)


def activity_keyboard(tr: Translator, prefix: str) -> Keyboard:
    """One activity a row (the labels are long). `prefix` is hr:a:<case> (nothing is logged yet: with a button
    to cancel) or hr:s:<entry> (an entry typed without an activity: it stays logged whatever is pressed)."""
    rows: Keyboard = [[(tr._(label), f"{prefix}:{code}")] for code, label in ACTIVITIES.items()]
    return [*rows, [(tr._("Cancel"), "hr:x")]] if prefix.startswith("hr:a:") else rows


def duration_keyboard(tr: Translator, case_id: int, activity: str) -> Keyboard:
    row = [(amount(tr, minutes), f"hr:d:{case_id}:{activity}:{minutes}") for minutes in DURATIONS]
    return [row, [(tr._("Cancel"), "hr:x")]]


def usage_text(tr: Translator) -> str:
    return "\n".join(
        [
            tr._("In a case topic: /hours 1.5 what you did – or /hours alone for buttons."),
            tr._("/hours list shows the case's entries."),
            tr._("Corrections: /hours fix <entry> <hours> [note], /hours delete <entry>."),
        ]
    )


def pool_usage_text(tr: Translator) -> str:
    return tr._("Set the pool like this: /pool set 400 2026-11-01 2027-05-31 (optionally: cap 20, hours per case)")


def logged_text(tr: Translator, entry: EntryDTO, alias: str, author: str) -> str:
    return tr._(
        "⏱ {hours} logged for {alias}: {activity} (entry #{id}, {name}).",
        hours=amount(tr, entry.minutes),
        alias=alias,
        activity=activity_label(tr, entry.activity),
        id=entry.id,
        name=author,
    )


def balance_line(tr: Translator, pool: PoolDTO, used: int) -> str:
    return tr._(
        "Pool {period}: {used} of {budget} used ({percent}), {left} left.",
        period=period_text(tr, pool.starts_on, pool.ends_on),
        used=amount(tr, used),
        budget=amount(tr, pool.budget_minutes),
        percent=percent(tr, used, pool.budget_minutes),
        left=amount(tr, pool.budget_minutes - used),
    )


def balance_text(tr: Translator, pool: PoolDTO, totals: hours.HourTotals, aliases: dict[int, str]) -> str:
    """/pool: the period, used and left, by activity, and the cases over the cap."""
    lines = [tr._("⏱ Hours pool"), balance_line(tr, pool, totals.minutes)]
    if pool.cap_minutes is not None:
        over = sorted(
            (m, aliases.get(c, "–")) for c, m in totals.by_case.items() if c is not None and m > pool.cap_minutes
        )
        lines.append(tr._("Cap per case: {cap}", cap=amount(tr, pool.cap_minutes)))
        if over:
            listed = ", ".join(f"{alias} ({amount(tr, m)})" for m, alias in reversed(over))
            lines.append(tr._("Over the cap: {cases}", cases=listed))
    lines.append(tr._("By activity:"))
    for code in [*ACTIVITIES, None]:
        if totals.by_activity.get(code):
            lines.append(f"• {activity_label(tr, code)}: {amount(tr, totals.by_activity[code])}")
    if not totals.minutes:
        lines.append(tr._("No hours logged yet."))
    return "\n".join(lines)


def entry_lines(
    tr: Translator,
    lines: list[EntryLine],
    history: list[tuple[hours.ChangeDTO, str | None]],
    decrypt: Callable[[bytes], bytes],
) -> list[str]:
    """/hours list: each entry with its note, and under it its corrections (who, when, old → new)."""
    out: list[str] = []
    for line in lines:
        entry = line.entry
        text = f"#{entry.id} · {tr.date(entry.worked_on, 'short')} · {amount(tr, entry.minutes)} · "
        text += f"{activity_label(tr, entry.activity)} · {line.author or '–'}"
        out.append(tr._("{entry} (deleted)", entry=text) if entry.deleted_at is not None else text)
        if line.note_enc is not None:
            out.append("   📝 " + decrypt(line.note_enc).decode())
        for change, who in (h for h in history if h[0].entry_id == entry.id):
            when, name = tr.datetime(change.changed_at, "short"), who or "–"
            if change.new_minutes is None:
                out.append("   " + tr._("✎ {when} {name}: deleted", when=when, name=name))
                continue
            old, new = amount(tr, change.old_minutes), amount(tr, change.new_minutes)
            out.append("   " + tr._("✎ {when} {name}: {old} → {new}", when=when, name=name, old=old, new=new))
    return out


# -- doing it ------------------------------------------------------------------------------------------------


def today(uow: UnitOfWork) -> date:
    return uow.services.clock.now().astimezone(uow.services.settings.tz).date()


def to_group(uow: UnitOfWork, text: str) -> None:
    """A message into the staff group's General topic, where the coordinator sees it."""
    params = {"chat_id": uow.services.settings.staff_chat_id, "text": text}
    uow.send(Outgoing("sendMessage", params, STAFF_LANE, Priority.INTERACTIVE))


async def record(
    uow: UnitOfWork,
    case: CaseDTO,
    minutes: int,
    activity: str | None,
    note: str | None,
    origin: tuple[int, int],
) -> EntryDTO | None:
    """Log time on a case for today; None when the message it came from has logged already (a double tap)."""
    assert uow.staff is not None
    if await hours.by_origin(uow.session, *origin) is not None:
        return None
    entry = await hours.log(
        uow.session,
        case_id=case.id,
        staff_id=uow.staff.id,
        activity=activity,
        minutes=minutes,
        worked_on=today(uow),
        now=uow.services.clock.now(),
        note_enc=uow.services.keyring.encrypt(note.encode()) if note else None,
        origin=origin,
    )
    await after_change(uow, entry, minutes)
    return entry


async def after_change(uow: UnitOfWork, entry: EntryDTO, added: int) -> None:
    """After minutes were added to (or taken from) an entry: the pool's warnings, and the case's cap."""
    pool = await hours.pool_on(uow.session, entry.worked_on)
    if pool is None:
        return
    await warn_levels(uow, pool)
    if pool.cap_minutes is None or entry.case_id is None or added <= 0:
        return
    used = await hours.used_minutes(uow.session, pool.starts_on, pool.ends_on, entry.case_id)
    if used - added <= pool.cap_minutes < used:
        alias = (await hours.aliases(uow.session, [entry.case_id])).get(entry.case_id, "–")
        tr = uow.staff_tr
        text = tr._(
            "⚠️ Case {alias} has passed its cap: {used} of {cap} in this pool.",
            alias=alias,
            used=amount(tr, used),
            cap=amount(tr, pool.cap_minutes),
        )
        to_group(uow, text)


async def warn_levels(uow: UnitOfWork, pool: PoolDTO) -> None:
    """Warn once per period at 80 % and at 95 % used; one message when a change passes both."""
    used = await hours.used_minutes(uow.session, pool.starts_on, pool.ends_on)
    now = uow.services.clock.now()
    newly = [
        level
        for level in hours.WARN_LEVELS
        if used * 100 >= level * pool.budget_minutes and await hours.mark_warned(uow.session, pool.id, level, now)
    ]
    if newly:
        tr = uow.staff_tr
        head = tr._("⚠️ {percent} of the hours pool is used.", percent=tr.percent(max(newly) / 100))
        to_group(uow, head + "\n" + balance_line(tr, pool, used))


async def set_pool(uow: UnitOfWork, request: PoolRequest) -> tuple[PoolDTO, bool]:
    """Set the pool (raises hours.PoolOverlap). A changed budget lets a warning go again if the pool is below its
    level now."""
    assert uow.staff is not None
    pool, created = await hours.set_pool(
        uow.session,
        request.starts_on,
        request.ends_on,
        request.budget_minutes,
        request.cap_minutes,
        uow.staff.id,
        uow.services.clock.now(),
    )
    used = await hours.used_minutes(uow.session, pool.starts_on, pool.ends_on)
    for level in hours.WARN_LEVELS:
        if pool.warned(level) and used * 100 < level * pool.budget_minutes:
            await hours.rearm(uow.session, pool.id, level)
    await warn_levels(uow, pool)
    return pool, created

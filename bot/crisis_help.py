"""What the bot says when someone may be in danger: the help numbers, the crisis card, the notice outside office
hours, and the alert to the team. Plain functions from a translator to text.

The numbers are configuration (CRISIS_NUMBERS), because other regions have other numbers: ``NUMBER=LABEL`` entries
separated by ``;``. A label that is one of the codes in ``LABELS`` is shown translated into the young person's
language; any other label is shown as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from bot.delivery.outgoing import Keyboard
    from storage.staff import StaffDTO

LABELS: dict[str, str] = {
    "youth": N_("Nummer gegen Kummer: for children and young people, free"),
    "counselling": N_("TelefonSeelsorge: day and night, free"),
    "emergency": N_("Emergency: ambulance and fire brigade"),
    "police": N_("Police"),
    "women": N_("Helpline for women facing violence: day and night, free"),
}
URGENT = ("emergency", "police")  # the numbers named first on the card: for danger right now
DEFAULT_NUMBERS = "116 111=youth; 0800 111 0 111=counselling; 0800 111 0 222=counselling; 112=emergency; 110=police"
EXPECTED_NUMBERS = "entries like '116 111=youth; 112=emergency' (labels: " + ", ".join(LABELS) + ", or your own text)"
HELP_BUTTON = "sos"  # the callback data of the "I need help now" button
BUTTON = "button"  # the category of a case marked urgent by the button; "staff" when a worker marked it

# The crisis matcher's categories, as the team reads them in the alert.
CATEGORIES: dict[str, str] = {
    "danger": N_("acute danger"),
    "suicide": N_("suicide"),
    "self_harm": N_("self-harm"),
    "abuse": N_("abuse"),
    "violence": N_("violence"),
}

_NUMBER = re.compile(r"^\+?[0-9][0-9 /-]{1,24}$")
MAX_LABEL = 80


@dataclass(frozen=True)
class HelpNumber:
    number: str
    label: str  # a code of LABELS, or the admin's own words

    def shown(self, tr: Translator) -> str:
        return tr._(LABELS[self.label]) if self.label in LABELS else self.label


def parse_numbers(spec: str) -> tuple[HelpNumber, ...]:
    """``116 111=youth; 112=emergency`` → the numbers in that order; ValueError says what is wrong."""
    found: list[HelpNumber] = []
    for entry in filter(None, (piece.strip() for piece in spec.split(";"))):
        number, equals, label = (part.strip() for part in entry.partition("="))
        if not _NUMBER.match(number) or sum(c.isdigit() for c in number) < 3:
            raise ValueError(f"{number!r} is not a phone number")
        if not equals or not label or len(label) > MAX_LABEL:
            raise ValueError(f"{number} needs a label of 1 to {MAX_LABEL} characters after '='")
        found.append(HelpNumber(" ".join(number.split()), label))
    if not found:
        raise ValueError("no numbers given")
    return tuple(found)


def numbers_block(tr: Translator, numbers: tuple[HelpNumber, ...]) -> str:
    return "\n".join(tr._("📞 {number} – {label}", number=n.number, label=n.shown(tr)) for n in numbers)


def help_keyboard(tr: Translator) -> Keyboard:
    return [[(tr._("🆘 I need help now"), HELP_BUTTON)]]


def help_section(tr: Translator, numbers: tuple[HelpNumber, ...]) -> str:
    """For /help: the numbers, always."""
    return tr._("If you need help right now – day or night, free:") + "\n" + numbers_block(tr, numbers)


def when(tr: Translator, moment: datetime, now: datetime) -> str:
    """When the office opens, as a person says it: "today at 09:00", "tomorrow at 09:00", "on Monday, 30 November 2026
    at 09:00" (Babel, in the person's language and the office's time zone)."""
    day, today = moment.astimezone(tr.tz).date(), now.astimezone(tr.tz).date()
    time = tr.time(moment)
    if day == today:
        return tr._("today at {time}", time=time)
    if day == today + timedelta(days=1):
        return tr._("tomorrow at {time}", time=time)
    return tr._("on {date} at {time}", date=tr.date(day, "full"), time=time)


def card(tr: Translator, numbers: tuple[HelpNumber, ...], back: str | None, told: bool = True) -> str:
    """The crisis card: the numbers and what to do now. ``back``: when the team is there again, if it is not now;
    ``told``: whether the team was alerted (not when nothing reached a case: before consent, or in a command)."""
    urgent = [n.number for n in numbers if n.label in URGENT]
    lines = [tr._("🆘 You are not alone. Please get help now – it is free, and you don't have to give your name.")]
    if urgent:
        lines += ["", tr._("In danger right now? Call {numbers}.", numbers=" / ".join(urgent))]
    lines += ["", numbers_block(tr, numbers), "", tr._("What you can do now:")]
    lines.append(tr._("• Call one of the numbers. Someone will listen to you."))
    lines.append(tr._("• Don't stay alone: go to someone you trust, or to a place where there are people."))
    if told and back is None:
        lines.append(tr._("• Keep writing to us here. We have told our team, a social worker will answer you soon."))
    elif told:
        text = tr._(
            "• Our team is not in the office right now and will read your message {when}. Until then, "
            "please call one of the numbers.",
            when=back,
        )
        lines.append(text)
    elif back is None:
        lines.append(tr._("• You can also write to us here: a social worker will answer you."))
    else:
        text = tr._(
            "• You can also write to us here. Our team is back {when}; until then, please call one of the numbers.",
            when=back,
        )
        lines.append(text)
    return "\n".join(lines)


def closed_notice(tr: Translator, numbers: tuple[HelpNumber, ...], back: str) -> str:
    """Outside office hours, for the first message of the closed time."""
    return "\n".join(
        [
            tr._("Thanks, your message has arrived. Our team is not in the office right now."),
            tr._("A social worker will answer you {when}.", when=back),
            "",
            tr._("If you need help before then – day or night, free:"),
            numbers_block(tr, numbers),
        ]
    )


def topic_marker(tr: Translator, category: str) -> str:
    """The line in the case topic that says why the case is urgent now."""
    if category == BUTTON:
        reason = tr._("🔴 Urgent: the young person pressed “I need help now”.")
    elif category in CATEGORIES:
        reason = tr._(
            "🔴 Urgent: the message above has crisis words ({category}).", category=tr._(CATEGORIES[category])
        )
    else:
        reason = tr._("🔴 Urgent: marked by the team.")
    return reason + " " + tr._("The young person got the crisis numbers. /urgent off when it is settled.")


def alert(tr: Translator, alias: str, category: str, workers: list[StaffDTO]) -> tuple[str, list[dict[str, Any]]]:
    """The alert for the staff group: the case's alias and why, never who the young person is; the workers named
    by text mentions (Telegram notifies them even in a muted group). Returns the text and its entities."""
    if category == BUTTON:
        text = tr._(
            "🔴 Case {alias}: the young person pressed “I need help now” and got the crisis numbers.", alias=alias
        )
    else:
        text = tr._(
            "🔴 Case {alias}: crisis words in a message ({category}). The young person got the crisis numbers.",
            alias=alias,
            category=tr._(CATEGORIES.get(category, category)),
        )
    text += "\n" + tr._("Please look now:")
    entities: list[dict[str, Any]] = []
    for index, worker in enumerate(workers):
        text += ", " if index else " "
        name = worker.display_name
        entities.append(
            {
                "type": "text_mention",
                "offset": _utf16(text),
                "length": _utf16(name),
                "user": {"id": worker.telegram_user_id, "is_bot": False, "first_name": name},
            }
        )
        text += name
    return text, entities


def _utf16(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2

"""Rules of the handoff that are not about Telegram: aliases, the queue's order, what the card says.

Staff texts are translated into the team's language (STAFF_LANGUAGE, German by default) like every other text.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from bot import profile
from bot.delivery.outgoing import TEXT_LIMIT, fit_text
from bot.i18n import N_, Translator
from bot.languages import CHOICES
from storage.cases import CaseDTO, QueueEntry
from storage.contacts import ContactDTO

ALIAS_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone without mix-ups

OUTCOMES: dict[str, str] = {
    "advice": N_("Advice given"),
    "referred": N_("Referred to another service"),
    "appointment": N_("Appointment made"),
    "resolved": N_("Resolved"),
    "no_reply": N_("No reply from the young person"),
    "other": N_("Other"),
}


def new_alias() -> str:
    return "K-" + "".join(secrets.choice(ALIAS_ALPHABET) for _ in range(4))


def place_label(tr: Translator, place: str | None) -> str:
    return tr._(profile.PLACES[place]) if place in profile.PLACES else "–"


def topic_title(case: CaseDTO, contact: ContactDTO, tr: Translator) -> str:
    """Alias, language and place (🔴 first while urgent): never anything from the person's Telegram account."""
    urgent = "🔴 " if case.urgent else ""
    return f"{urgent}{case.alias} · {contact.language} · {place_label(tr, contact.place)}"[:128]


def card_text(case: CaseDTO, contact: ContactDTO, worker: str | None, tr: Translator, now: datetime) -> str:
    language = CHOICES[contact.language].native_name if contact.language in CHOICES else contact.language
    age = tr._(profile.AGE_BANDS[contact.age_band]) if contact.age_band in profile.AGE_BANDS else "–"
    status = tr._("open") if case.status == "open" else tr._("closed")
    lines = [
        tr._("Case {alias}", alias=case.alias),
        tr._("Language: {language}", language=f"{language} ({contact.language})"),
        tr._("Age: {age}", age=age),
        tr._("Place: {place}", place=place_label(tr, contact.place)),
        tr._("Came via: {source}", source=contact.source or "–"),
        tr._("Open since: {when}", when=tr.datetime(case.opened_at, "short")),
        tr._("Status: {status}", status=status),
        *([tr._("🔴 Urgent – /urgent off when it is settled")] if case.urgent else []),
        tr._("Worker: {name}", name=worker) if worker else tr._("Worker: nobody yet – /claim"),
    ]
    if contact.status == "unreachable":
        lines.append(tr._("⚠️ The young person has blocked the bot."))
    return "\n".join(lines)


def queue_order(entries: list[QueueEntry], now: datetime) -> list[QueueEntry]:
    """Urgent cases on top; then those waiting for an answer, the longest wait first; then the rest by age."""

    def key(entry: QueueEntry) -> tuple[int, int, float]:
        case = entry.case
        waiting = case.waiting_since is not None
        waited = (now - case.waiting_since).total_seconds() if case.waiting_since else 0.0
        return (0 if case.urgent else 1, 0 if waiting else 1, -waited if waiting else case.opened_at.timestamp())

    return sorted(entries, key=key)


def waited(tr: Translator, since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return tr.ngettext("{n} minute", "{n} minutes", minutes)
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return tr.ngettext("{n} h", "{n} h", hours) + " " + tr.ngettext("{n} min", "{n} min", rest)
    return tr.ngettext("{n} day", "{n} days", hours // 24)


def queue_text(entries: list[QueueEntry], tr: Translator, now: datetime) -> str:
    if not entries:
        return tr._("No open cases.")
    lines = [tr.ngettext("{n} open case", "{n} open cases", len(entries))]
    for entry in queue_order(entries, now):
        case = entry.case
        mark = "🔴" if case.urgent else ("🟡" if case.waiting_since else "⚪")
        state = (
            tr._("waiting {time}", time=waited(tr, case.waiting_since, now)) if case.waiting_since else tr._("answered")
        )
        worker = entry.worker or tr._("nobody")
        lines.append(f"{mark} {case.alias} · {entry.language} · {place_label(tr, entry.place)} · {state} · {worker}")
    text = "\n".join(lines)
    fitted = fit_text(text, TEXT_LIMIT - 40)  # Telegram refuses longer texts; room for the line saying what is left
    if fitted == text:
        return text
    kept = fitted.split("\n")[:-1]  # the head and the most urgent cases; fit_text's last line is "…"
    left = len(entries) - (len(kept) - 1)
    return "\n".join([*kept, tr.ngettext("… and {n} more case", "… and {n} more cases", left)])

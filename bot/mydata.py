"""The young person's copy of everything stored about them (/mydata): a text file in their language.

The labels are translated; the values are what is stored, with encrypted fields decrypted for them (their chat
id, the team's notes on their case and on the hours spent on it: the right of access covers them too). Contents
of relayed messages are not in it because the bot does not keep them: they are copied, and stay in the chat.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot import booking, casework, profile
from bot import hours as hour_rules
from bot.i18n import Translator
from bot.languages import CHOICES
from bot.privacy import Keyring
from storage.personal import AppointmentRecord, CaseRecord, PersonalData

FILENAME = "anlaufstelle-my-data.txt"


def render(data: PersonalData, tr: Translator, keyring: Keyring, now: datetime) -> bytes:
    lines = [tr._("Anlaufstelle: everything we have stored about you"), _when(tr, now), ""]
    contact = data.contact
    if contact is not None:
        lines += [
            _heading(tr._("About you")),
            _pair(tr._("Language"), _language(contact.language)),
            _pair(tr._("Nickname"), contact.nickname or "–"),
            _pair(tr._("Age"), tr._(profile.AGE_BANDS[contact.age_band]) if contact.age_band else "–"),
            _pair(tr._("Place"), casework.place_label(tr, contact.place) if contact.place else "–"),
            _pair(tr._("Came via (the code of a poster or stop)"), contact.source or "–"),
            _pair(tr._("You agreed to the privacy notice"), _when(tr, contact.consent_at)),
            _pair(tr._("Your last message"), _when(tr, contact.last_seen_at)),
            _pair(
                tr._("Status"),
                tr._("you have blocked the bot") if contact.status == "unreachable" else tr._("active"),
            ),
            _pair(tr._("Your chat id (stored encrypted)"), str(keyring.decrypt_int(contact.chat_id_enc))),
            tr._(
                "Your Telegram user id is stored only as a code made from it that cannot be turned back into it. "
                "Your Telegram name, username, phone number and picture are not stored."
            ),
            "",
        ]
    for case in data.cases:
        lines += _case(tr, keyring, case)
    if data.appointments:
        lines.append(_heading(tr._("Appointments")))
        for appointment in data.appointments:
            lines += _appointment(tr, appointment)
    if data.subscriptions or data.announcements:
        lines.append(_heading(tr._("Where the bus is")))
        for place, since in data.subscriptions:
            lines.append(_pair(tr._("You get news for"), f"{casework.place_label(tr, place)} ({_when(tr, since)})"))
        lines += [_pair(tr._("Bus news sent to you"), tr.number(data.announcements)), ""]
    if data.conversation is not None:
        draft = json.dumps(data.conversation.draft, ensure_ascii=False, sort_keys=True)
        lines += [
            _heading(tr._("Unfinished steps")),
            _pair(tr._("Step"), f"{data.conversation.name} / {data.conversation.state}"),
            _pair(tr._("Answers so far"), draft),
            "",
        ]
    lines += [
        "",
        tr._(
            "The contents of your messages and of the team's answers are not stored by us: they are in this chat. "
            "/delete deletes everything listed here."
        ),
    ]
    return (tr.direct("\n".join(lines)) + "\n").encode("utf-8")


def _case(tr: Translator, keyring: Keyring, case: CaseRecord) -> list[str]:
    status = tr._("open") if case.status == "open" else tr._("closed")
    lines = [
        _heading(tr._("Conversation with the team: case {alias}", alias=case.alias)),
        _pair(tr._("Opened"), _when(tr, case.opened_at)),
        _pair(tr._("Status"), status + (" · " + tr._("urgent") if case.urgent else "")),
    ]
    if case.closed_at is not None:
        lines.append(_pair(tr._("Closed"), _when(tr, case.closed_at)))
    if case.outcome in casework.OUTCOMES:
        lines.append(_pair(tr._("Result"), tr._(casework.OUTCOMES[case.outcome])))
    lines.append(_pair(tr._("Social worker"), case.worker or "–"))
    if case.contents_deleted_at is not None:
        lines.append(
            _pair(tr._("Notes and the conversation in the team's group deleted"), _when(tr, case.contents_deleted_at))
        )
    messages = [m for m in case.messages if m.direction != "note"]
    if messages:
        lines.append(tr._("Messages (when and what kind; the contents are in this chat):"))
        for m in messages:
            who = tr._("from you") if m.direction == "in" else tr._("from {name}", name=m.staff_name or "–")
            lines.append(f"  {_when(tr, m.created_at)} · {who} · {m.content_kind}")
    notes = [m for m in case.messages if m.direction == "note" and m.text_enc is not None]
    if notes:
        lines.append(tr._("Notes of the team:"))
        for m in notes:
            text = keyring.decrypt(m.text_enc).decode() if m.text_enc else ""
            lines.append(f"  {_when(tr, m.created_at)} · {m.staff_name or '–'}: {text}")
    if case.hours:
        lines.append(tr._("Time the team spent on your case:"))
        for entry in case.hours:
            parts = [tr.date(entry.worked_on, "medium"), hour_rules.amount(tr, entry.minutes)]
            parts.append(hour_rules.activity_label(tr, entry.activity))
            if entry.note_enc:
                parts.append(keyring.decrypt(entry.note_enc).decode())
            if entry.deleted:
                parts.append(tr._("(deleted)"))
            lines.append("  " + " · ".join(parts))
    return [*lines, ""]


def _appointment(tr: Translator, appointment: AppointmentRecord) -> list[str]:
    statuses = {
        "booked": tr._("booked"),
        "cancelled": tr._("cancelled"),
        "attended": tr._("you came"),
        "no_show": tr._("you did not come"),
    }
    topic = tr._(booking.TOPICS[appointment.topic]) if appointment.topic in booking.TOPICS else "–"
    lines = [
        "  " + booking.when_text(tr, appointment.starts_at) + f" · {appointment.stop_name}, {appointment.stop_address}",
        "    " + _pair(tr._("Topic"), topic),
        "    " + _pair(tr._("Status"), statuses.get(appointment.status, appointment.status)),
        "    " + _pair(tr._("Booked"), _when(tr, appointment.created_at)),
    ]
    if appointment.cancel_reason:
        lines.append("    " + _pair(tr._("Reason"), appointment.cancel_reason))
    sent = {"pending": tr._("planned"), "sent": tr._("sent"), "dropped": tr._("not sent")}
    for reminder in appointment.reminders:
        state = sent.get(reminder.status, reminder.status)
        lines.append("    " + _pair(tr._("Reminder"), f"{_when(tr, reminder.due_at)} ({state})"))
    return lines


def _heading(text: str) -> str:
    return f"== {text} =="


def _pair(label: str, value: str) -> str:
    return f"{label}: {value}"


def _when(tr: Translator, moment: datetime) -> str:
    return tr.datetime(moment, "medium")


def _language(code: str) -> str:
    return f"{CHOICES[code].native_name} ({code})" if code in CHOICES else code

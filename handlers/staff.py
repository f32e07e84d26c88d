"""The team in the staff group: the queue, and the commands inside a case topic."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram import Message, Update

from bot import casework
from bot.context import BotContext, UnitOfWork
from bot.delivery.outgoing import (
    STAFF_LANE,
    Keyboard,
    Outgoing,
    Priority,
    answer_callback,
    inline_keyboard,
    private_lane,
    to_case_topic,
)
from bot.hours import parse_id
from storage import cases, contacts, safety, staff
from storage.base import utcnow
from storage.cases import CaseDTO


def say(uow: UnitOfWork, message: Message, text: str, keyboard: Keyboard | None = None) -> None:
    """Answer in the thread the command came from (the General topic when there is none)."""
    # Lines put together by code (the queue, the card) start in the team language's direction too.
    params: dict[str, Any] = {**thread_of(message), "text": uow.staff_tr.direct(text)}
    if keyboard:
        params["reply_markup"] = inline_keyboard(keyboard)
    uow.send(Outgoing("sendMessage", params, STAFF_LANE, Priority.INTERACTIVE))


def thread_of(message: Message) -> dict[str, Any]:
    """Where an answer to the message goes: its chat, and its topic when it has one."""
    thread: dict[str, Any] = {"chat_id": message.chat_id}
    if message.is_topic_message and message.message_thread_id is not None:
        thread["message_thread_id"] = message.message_thread_id
    return thread


def tell_young_person(uow: UnitOfWork, case: CaseDTO, contact: contacts.ContactDTO, text: str) -> None:
    """A notice from the team's side; nothing goes to someone who has blocked the bot (the card says so)."""
    if contact.status == "unreachable":
        return
    chat_id = uow.services.keyring.decrypt_int(contact.chat_id_enc)
    uow.send(
        Outgoing(
            "sendMessage",
            {"chat_id": chat_id, "text": text},
            private_lane(contact.user_key),
            Priority.RELAY,
            contact_id=contact.id,
            user_key=contact.user_key,
            case_id=case.id,
        )
    )


async def case_here(uow: UnitOfWork, message: Message) -> tuple[CaseDTO, contacts.ContactDTO] | None:
    """The case whose topic the command was sent in; says so when there is none."""
    thread = message.message_thread_id if message.is_topic_message else None
    case = await cases.by_topic(uow.session, thread) if thread is not None else None
    contact = await contacts.get(uow.session, case.contact_id) if case else None
    if case is None or contact is None:
        say(uow, message, uow.staff_tr._("Use this command inside a case topic."))
        return None
    return case, contact


async def queue(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    entries = await cases.open_queue(uow.session)
    say(uow, message, casework.queue_text(entries, uow.staff_tr, utcnow()))


async def claim(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None and uow.staff is not None
    found = await case_here(uow, message)
    if found is None:
        return
    case, contact = found
    await cases.claim(uow.session, case.id, uow.staff.id)
    name = uow.staff.display_name
    say(uow, message, uow.staff_tr._("{name} has taken this case.", name=name))
    tr = uow.services.catalogs.translator(contact.language)
    tell_young_person(uow, case, contact, tr._("{name} from the Anlaufstelle team is here for you now.", name=name))


async def handover(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    found = await case_here(uow, message)
    if found is None:
        return
    case, contact = found
    target = await staff.by_name(uow.session, " ".join(ctx.args or []))
    if target is None:
        say(uow, message, uow.staff_tr._("Whom to? Write /handover and a name from /staff."))
        return
    await cases.claim(uow.session, case.id, target.id)
    say(uow, message, uow.staff_tr._("{name} has taken over this case.", name=target.display_name))
    tr = uow.services.catalogs.translator(contact.language)
    text = tr._("{name} from the Anlaufstelle team is taking over your conversation now.", name=target.display_name)
    tell_young_person(uow, case, contact, text)


async def note(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None and uow.staff is not None
    found = await case_here(uow, message)
    if found is None:
        return
    text = " ".join(ctx.args or []).strip()
    if not text:
        say(uow, message, uow.staff_tr._("Write the note after the command: /note …"))
        return
    encrypted = uow.services.keyring.encrypt(text.encode())
    await cases.record_message(
        uow.session,
        found[0].id,
        "note",
        "note",
        staff_message_id=message.message_id,
        staff_id=uow.staff.id,
        text_enc=encrypted,
    )
    say(uow, message, uow.staff_tr._("📝 Note saved. It is not sent to the young person."))


async def card(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    found = await case_here(uow, message)
    if found is None:
        return
    case, contact = found
    worker = await staff.get(uow.session, case.claimed_by) if case.claimed_by else None
    say(
        uow, message, casework.card_text(case, contact, worker.display_name if worker else None, uow.staff_tr, utcnow())
    )


async def close(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    found = await case_here(uow, message)
    if found is None:
        return
    case, _contact = found
    tr = uow.staff_tr
    buttons = [(tr._(label), f"close:{case.id}:{code}") for code, label in casework.OUTCOMES.items()]
    say(uow, message, tr._("How did the case end?"), [buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def close_chosen(update: Update, ctx: BotContext) -> None:
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    if uow.staff is None:
        uow.send(answer_callback(query.id, uow.staff_tr._("Only the team can do this.")))
        return
    _, case_id, outcome = [*query.data.split(":", 2), "", ""][:3]
    number = parse_id(case_id)
    case = await cases.get(uow.session, number) if number is not None else None
    contact = await contacts.get(uow.session, case.contact_id) if case else None
    tr = uow.staff_tr
    if case is None or contact is None or case.status != "open" or outcome not in casework.OUTCOMES:
        uow.send(answer_callback(query.id, tr._("This case is not open any more.")))
        return
    await cases.close(uow.session, case.id, outcome)
    if await safety.clear_urgent(uow.session, case.id):  # a new crisis after the case reopens alerts again
        title = casework.topic_title(replace(case, urgent=False), contact, tr)
        uow.send(
            to_case_topic("editForumTopic", {"chat_id": uow.services.settings.staff_chat_id, "name": title}, case.id)
        )
    uow.send(answer_callback(query.id))
    done = tr._(
        "Case closed by {name}: {outcome}.", name=uow.staff.display_name, outcome=tr._(casework.OUTCOMES[outcome])
    )
    uow.send(
        Outgoing(
            "editMessageText",
            {"chat_id": query.message.chat.id, "message_id": query.message.message_id, "text": done},
            STAFF_LANE,
            Priority.INTERACTIVE,
        )
    )
    uow.send(to_case_topic("closeForumTopic", {"chat_id": uow.services.settings.staff_chat_id}, case.id))
    youth_tr = uow.services.catalogs.translator(contact.language)
    text = youth_tr._("We are closing this conversation for now. If you want to talk again, just write – we are here.")
    tell_young_person(uow, case, contact, text)

"""The relay: a young person's messages into their case topic, and the team's answers back.

Everything is copied (copyMessage), never forwarded: a forward would show the young person's account to the
team. The team's answers reach the young person from the bot, signed with the worker's display name.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot import abuse, casework, crisis, relaying, safety
from bot.context import BotContext, UnitOfWork
from bot.delivery.outgoing import Outgoing, Priority, fit_text, private_lane, to_case_topic
from storage import cases, contacts
from storage.base import utcnow
from storage.cases import CaseDTO

SEEN_WITHIN = timedelta(minutes=1)  # last_seen_at is kept to the minute (retention counts days): not every message


async def youth_message(update: Update, ctx: BotContext) -> None:
    """Anything a known young person sends (that is not a command) goes to their case topic."""
    uow, message = ctx.uow, update.message
    assert message is not None and uow.contact is not None
    found = crisis.match(message.text or message.caption or "")
    delay = await abuse.screen(uow, uow.guard, urgent=found is not None)  # blocked, or flooding: bot.abuse
    if delay is None:
        return
    case, fresh = await ensure_open_case(uow, uow.open_case)
    kind = relaying.message_kind(message)
    entry = await cases.record_message(
        uow.session, case.id, "in", kind, youth_message_id=message.message_id, created_at=uow.services.clock.now()
    )
    replied = relaying.replied_message_id(message)
    staff_copy = await cases.staff_copy_of(uow.session, case.id, replied) if replied else None
    params = {
        "chat_id": uow.services.settings.staff_chat_id,
        "from_chat_id": message.chat_id,
        "message_id": message.message_id,
        **relaying.reply_to(staff_copy),
    }
    uow.send(
        to_case_topic(
            "copyMessage",
            params,
            case.id,
            kind="relay_in",
            case_message_id=entry,
            combinable_text=message.text if kind == "text" and not staff_copy else None,
            contact_id=uow.contact.id,
            delay=delay,
        )
    )
    if case.waiting_since is None:
        await cases.youth_wrote(uow.session, case.id)
    if uow.contact.status != "active" or utcnow() - uow.contact.last_seen_at > SEEN_WITHIN:
        await contacts.touch(uow.session, uow.contact.id)
    await safety.answer_youth(uow, case, fresh, found)


async def youth_edit(update: Update, ctx: BotContext) -> None:
    """An edited message goes to the topic again, marked as edited, under the earlier copy."""
    uow, message = ctx.uow, update.edited_message
    assert message is not None and uow.contact is not None
    new_text = message.text or message.caption
    case = uow.open_case
    if not new_text or case is None:
        return  # live-location updates and edits of old, closed cases are not relayed
    found = crisis.match(new_text)
    delay = await abuse.screen(uow, uow.guard, urgent=found is not None)
    if delay is None:
        return
    original = await cases.staff_copy_of(uow.session, case.id, message.message_id)
    text = uow.staff_tr._("✏️ Edited by the young person:") + "\n" + new_text
    entry = await cases.record_message(uow.session, case.id, "in", "edit", youth_message_id=message.message_id)
    params = {"chat_id": uow.services.settings.staff_chat_id, "text": fit_text(text), **relaying.reply_to(original)}
    uow.send(
        to_case_topic(
            "sendMessage",
            params,
            case.id,
            kind="relay_in",
            case_message_id=entry,
            contact_id=uow.contact.id,
            delay=delay,
        )
    )
    await cases.youth_wrote(uow.session, case.id)
    if found is not None and await safety.raise_alarm(uow, case, uow.contact, found.category):
        safety.send_crisis_card(uow)


async def ensure_open_case(uow: UnitOfWork, known: CaseDTO | None = None) -> tuple[CaseDTO, bool]:
    """The young person's open case; a closed one is reopened, and a first one gets its topic and card. `known`:
    their open case as read with the update (not read again)."""
    contact, session, settings = uow.contact, uow.session, uow.services.settings
    assert contact is not None
    case = known or await cases.open_for_contact(session, contact.id)
    if case is not None:
        return case, False
    staff_chat, tr = settings.staff_chat_id, uow.staff_tr
    latest = await cases.latest_for_contact(session, contact.id)
    if latest is not None and latest.topic_id is not None:
        await cases.reopen(session, latest.id)
        case = await cases.get(session, latest.id)
        assert case is not None
        uow.send(to_case_topic("reopenForumTopic", {"chat_id": staff_chat}, case.id))
        intro = tr._("The young person wrote again: the case is open again.")
    else:
        case = await cases.create(session, contact.id, casework.new_alias)
        title = casework.topic_title(case, contact, tr)
        uow.send(to_case_topic("createForumTopic", {"chat_id": staff_chat, "name": title}, case.id, kind="topic"))
        intro = ""
    card = casework.card_text(case, contact, None, tr, case.opened_at)
    text = f"{intro}\n\n{card}".strip()
    uow.send(
        to_case_topic("sendMessage", {"chat_id": staff_chat, "text": text}, case.id, kind="card", combinable_text=text)
    )
    return case, True


async def staff_message(update: Update, ctx: BotContext) -> None:
    """A team member writes in a case topic: the young person receives it, signed with the display name."""
    uow, message = ctx.uow, update.message
    assert message is not None and uow.staff is not None and message.message_thread_id is not None
    case = await cases.by_topic(uow.session, message.message_thread_id)
    contact = await contacts.get(uow.session, case.contact_id) if case else None
    if case is None or contact is None:
        return  # a topic that is not a case: the team talking among themselves
    staff_chat, tr = uow.services.settings.staff_chat_id, uow.staff_tr
    if contact.status == "unreachable":
        text = tr._("⚠️ The young person has blocked the bot. Your message cannot be delivered.")
        uow.send(to_case_topic("sendMessage", {"chat_id": staff_chat, "text": text}, case.id))
        return
    if case.status != "open":
        await cases.reopen(uow.session, case.id)
        uow.send(to_case_topic("reopenForumTopic", {"chat_id": staff_chat}, case.id))
    if case.claimed_by is None:
        await cases.claim(uow.session, case.id, uow.staff.id)  # the first answer claims an unclaimed case
    kind = relaying.message_kind(message)
    entry = await cases.record_message(
        uow.session, case.id, "out", kind, staff_message_id=message.message_id, staff_id=uow.staff.id
    )
    replied = relaying.replied_message_id(message)
    youth_copy = await cases.youth_copy_of(uow.session, case.id, replied) if replied else None
    chat_id = uow.services.keyring.decrypt_int(contact.chat_id_enc)
    params = {"chat_id": chat_id, **relaying.reply_to(youth_copy)}
    name = uow.staff.display_name
    lane = private_lane(contact.user_key)
    signed = relaying.signed_text(name, message) if message.text else None
    if signed is not None and relaying.utf16_len(signed["text"]) <= relaying.TEXT_LIMIT:
        method, params = "sendMessage", {**params, **signed}
    else:
        if signed is not None:  # a full-length text has no room for the name: the name goes first, on its own
            uow.send(
                Outgoing(
                    "sendMessage",
                    {"chat_id": chat_id, "text": f"{name}:"},
                    lane,
                    Priority.RELAY,
                    contact_id=contact.id,
                    user_key=contact.user_key,
                    case_id=case.id,
                )
            )
        method = "copyMessage"
        params = {**params, "from_chat_id": staff_chat, "message_id": message.message_id}
        if kind in relaying.CAPTIONED:
            params.update(relaying.signed_caption(name, message))
    uow.send(
        Outgoing(
            method,
            params,
            lane,
            Priority.RELAY,
            contact_id=contact.id,
            user_key=contact.user_key,
            case_id=case.id,
            case_message_id=entry,
            kind="relay_out",
        )
    )
    await cases.staff_answered(uow.session, case.id)

"""Crisis help for young people (the button, crisis words in what does not reach a case) and the team's side of
it: who is on duty, and marking a case urgent by hand."""

from __future__ import annotations

from dataclasses import replace

from telegram import Update

from bot import casework, crisis, crisis_help, safety
from bot.context import BotContext
from bot.delivery.outgoing import answer_callback, to_case_topic
from handlers.relay import ensure_open_case
from handlers.staff import case_here, say
from storage import cases, contacts
from storage import safety as safety_storage


async def crisis_words(update: Update, ctx: BotContext) -> None:
    """A text that did not go to a case (before the privacy consent, or a command) with crisis words: the card.
    Nothing is stored or passed on: there is no case, or the text was a command."""
    message = update.effective_message
    assert message is not None
    if crisis.match(message.text or message.caption or "") is not None:
        safety.send_crisis_card(ctx.uow, told=False)


async def help_now(update: Update, ctx: BotContext) -> None:
    """The "I need help now" button: the card at once; for someone with a case, the case urgent and the team
    alerted (a case is opened for it if there is none: the team should know)."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None
    uow.send(answer_callback(query.id))
    if uow.private_chat_id is None:
        return  # a forged press from a group: nobody there to show the card to
    safety.send_crisis_card(uow, told=uow.contact is not None)
    if uow.contact is None:
        return  # not agreed yet: nothing is stored, so there is no case to mark
    case, _fresh = await ensure_open_case(uow)
    await cases.youth_wrote(uow.session, case.id)
    await contacts.touch(uow.session, uow.contact.id)
    await safety.raise_alarm(uow, case, uow.contact, crisis_help.BUTTON)


async def duty(update: Update, ctx: BotContext) -> None:
    """/duty: on duty (named in crisis alerts) until /duty off; the answer says who is on duty now."""
    uow, message = ctx.uow, update.effective_message
    assert message is not None and uow.staff is not None
    arg = " ".join(ctx.args or []).strip().lower()
    if arg in ("", "on"):
        await safety_storage.set_on_duty(uow.session, uow.staff.id, True)
    elif arg == "off":
        await safety_storage.set_on_duty(uow.session, uow.staff.id, False)
    else:
        say(uow, message, uow.staff_tr._("Write /duty to be on duty, /duty off when you stop."))
        return
    on_duty = await safety_storage.on_duty(uow.session)
    tr = uow.staff_tr
    if on_duty:
        text = tr._("On duty: {names}.", names=", ".join(s.display_name for s in on_duty))
    else:
        text = tr._("Nobody is on duty: crisis alerts name the whole team.")
    say(uow, message, text)


async def urgent(update: Update, ctx: BotContext) -> None:
    """/urgent in a case topic: mark it urgent by hand; /urgent off: it is settled."""
    uow, message = ctx.uow, update.effective_message
    assert message is not None and uow.staff is not None
    found = await case_here(uow, message)
    if found is None:
        return
    case, contact = found
    tr, staff_chat = uow.staff_tr, uow.services.settings.staff_chat_id
    arg = " ".join(ctx.args or []).strip().lower()
    if arg == "off":
        if not await safety_storage.clear_urgent(uow.session, case.id):
            say(uow, message, tr._("This case is not marked urgent."))
            return
        title = casework.topic_title(replace(case, urgent=False), contact, tr)
        text = tr._("{name}: no longer urgent.", name=uow.staff.display_name)
    elif arg == "":
        if not await safety_storage.mark_urgent(uow.session, case.id, "staff", uow.services.clock.now()):
            say(uow, message, tr._("This case is marked urgent already. /urgent off when it is settled."))
            return
        title = casework.topic_title(replace(case, urgent=True), contact, tr)
        text = tr._("{name} marked this case urgent. /urgent off when it is settled.", name=uow.staff.display_name)
    else:
        say(uow, message, tr._("Write /urgent to mark this case urgent, /urgent off when it is settled."))
        return
    uow.send(to_case_topic("editForumTopic", {"chat_id": staff_chat, "name": title}, case.id))
    say(uow, message, text)

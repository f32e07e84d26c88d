"""/block and /unblock in a case topic: the case's sender, never their identity (bot.abuse says what follows)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from handlers.staff import case_here, say, tell_young_person
from storage import guards

log = logging.getLogger(__name__)


async def block(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None and uow.staff is not None
    found = await case_here(uow, message)
    if found is None:
        return
    _case, contact = found
    now, burst = uow.services.clock.now(), float(uow.services.settings.flood_burst)
    tr = uow.staff_tr
    if await guards.block(uow.session, contact.id, uow.staff.id, now, burst):
        text = tr._("🚫 Blocked: what this young person sends no longer reaches the team. /unblock undoes it.")
        say(uow, message, text)
        log.info("a case's sender was blocked")
    else:
        say(uow, message, tr._("This young person is blocked already. /unblock undoes it."))


async def unblock(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    found = await case_here(uow, message)
    if found is None:
        return
    case, contact = found
    tr = uow.staff_tr
    told = await guards.unblock(uow.session, contact.id)
    if told is None:
        say(uow, message, tr._("This young person is not blocked."))
        return
    say(uow, message, tr._("✅ Unblocked: what this young person sends reaches this topic again."))
    if told:
        youth_tr = uow.services.catalogs.translator(contact.language)
        tell_young_person(uow, case, contact, youth_tr._("Your messages reach the team again."))
    log.info("a case's sender was unblocked")

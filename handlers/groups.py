"""Groups: the bot belongs to the staff group only and leaves any other group it is added to."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.context import BotContext
from bot.delivery.outgoing import Outgoing

MEMBER = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.RESTRICTED)


async def leave_unknown_group(update: Update, ctx: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    ctx.uow.send(Outgoing("leaveChat", {"chat_id": chat.id}, lane="g:other"))


async def bot_added(update: Update, ctx: BotContext) -> None:
    change, staff = update.my_chat_member, ctx.uow.services.settings.staff_chat_id
    assert change is not None
    is_group = change.chat.type in (change.chat.GROUP, change.chat.SUPERGROUP)
    if is_group and change.chat.id != staff and change.new_chat_member.status in MEMBER:
        await leave_unknown_group(update, ctx)

"""Young people in their private chat with the bot: commands available at any time, and what is left over."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot import crisis_help, erasure, mydata, safety
from bot.context import BotContext
from bot.delivery.outgoing import (
    STAFF_LANE,
    Outgoing,
    Priority,
    answer_callback,
    edit_text,
    private_lane,
    text_message,
    upload,
)
from conversations import intake
from storage import contacts, personal


async def help_command(update: Update, ctx: BotContext) -> None:
    tr = ctx.tr
    text = "\n".join(
        [
            tr._(
                "This is the Anlaufstelle, the mobile office for young people. Write us here – "
                "a social worker will answer you. You don't have to give your name."
            ),
            "",
            tr._("/start – start again"),
            tr._("/bus – where the bus is now and next"),
            tr._("/subscribe – news from the bus for your places (/unsubscribe stops them)"),
            tr._("/language – choose your language"),
            tr._("/privacy – what we store and why"),
            tr._("/mydata – a copy of everything we have stored about you"),
            tr._("/delete – delete everything we have stored about you"),
            tr._("/help – this overview"),
            "",
            crisis_help.help_section(tr, safety.numbers(ctx.uow.services.settings)),
        ]
    )
    ctx.uow.send(text_message(ctx.uow.me, text, crisis_help.help_keyboard(tr)))


async def privacy_command(update: Update, ctx: BotContext) -> None:
    ctx.uow.send(text_message(ctx.uow.me, intake.privacy_notice(ctx.tr)))


async def language_command(update: Update, ctx: BotContext) -> None:
    uow = ctx.uow
    keyboard = intake.language_keyboard(uow, "lang:")
    uow.send(text_message(uow.me, uow.tr._("Which language do you want to write in?"), keyboard))


async def language_chosen(update: Update, ctx: BotContext) -> None:
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    code = query.data.removeprefix("lang:")
    if not uow.services.catalogs.has(code):
        await intake.stale_button(update, ctx)
        return
    if uow.contact is not None:
        await contacts.set_language(uow.session, uow.contact.id, code)
    elif uow.in_state(intake.NAME):
        assert uow.conversation is not None
        await uow.set_conversation(intake.NAME, uow.conversation.state, {**uow.conversation.draft, "language": code})
    tr = uow.services.catalogs.translator(code)
    uow.send(answer_callback(query.id))
    uow.send(edit_text(uow.me, query.message.message_id, tr._("Okay, from now on I'll write to you in English.")))


async def delete_command(update: Update, ctx: BotContext) -> None:
    uow, tr = ctx.uow, ctx.tr
    if uow.contact is None and uow.conversation is None:
        uow.send(text_message(uow.me, tr._("We have nothing stored about you.")))
        return
    keyboard = [[(tr._("Yes, delete everything"), "del:yes"), (tr._("No, keep it"), "del:no")]]
    text = tr._("Do you want us to delete everything we have stored about you? This cannot be undone.")
    uow.send(text_message(uow.me, text, keyboard))


async def delete_chosen(update: Update, ctx: BotContext) -> None:
    query, uow, tr = update.callback_query, ctx.uow, ctx.tr
    assert query is not None and query.message is not None and uow.user_key is not None
    uow.send(answer_callback(query.id))
    if query.data != "del:yes":
        uow.send(edit_text(uow.me, query.message.message_id, tr._("Okay, nothing was deleted.")))
        return
    erased = await erasure.erase(uow, uow.contact, uow.user_key, query.from_user.id)
    uow.contact, uow.conversation = None, None
    text = tr._("Done: everything we had stored about you is deleted. If you want to talk again, send /start.")
    params = {"chat_id": query.message.chat.id, "message_id": query.message.message_id, "text": text}
    uow.send(Outgoing("editMessageText", params, erasure.erased_lane()))  # no trace of their pseudonym
    staff_chat = uow.services.settings.staff_chat_id
    if erased.aliases and staff_chat is not None:
        told = uow.staff_tr.ngettext(
            "Case {aliases} was deleted at the young person's request.",
            "Cases {aliases} were deleted at the young person's request.",
            len(erased.aliases),
            aliases=", ".join(erased.aliases),
        )
        uow.send(Outgoing("sendMessage", {"chat_id": staff_chat, "text": told}, STAFF_LANE, Priority.RELAY))


async def mydata_command(update: Update, ctx: BotContext) -> None:
    """A file with everything stored about them, in their language, through the outbox."""
    uow, tr = ctx.uow, ctx.tr
    assert uow.user_key is not None
    data = await personal.collect(uow.session, uow.user_key)
    if data.empty:
        uow.send(text_message(uow.me, tr._("We have nothing stored about you.")))
        return
    content = mydata.render(data, tr, uow.services.keyring, uow.services.clock.now())
    me = uow.me
    params = {
        "chat_id": me.chat_id,
        "document": upload(mydata.FILENAME, content),
        "caption": tr._("Everything we have stored about you. /delete deletes it."),
    }
    uow.send(
        Outgoing("sendDocument", params, private_lane(me.user_key), contact_id=me.contact_id, user_key=me.user_key)
    )


async def unknown_command(update: Update, ctx: BotContext) -> None:
    text = ctx.tr._("I don't know this command. /help shows what you can do here.")
    ctx.uow.send(text_message(ctx.uow.me, text))


async def not_started(update: Update, ctx: BotContext) -> None:
    """Anything from someone who has not agreed yet (and is not mid-intake) starts intake."""
    await intake.begin(ctx.uow, source=None)


async def during_intake(update: Update, ctx: BotContext) -> None:
    """A photo, sticker or location while intake waits for an answer: ask for the answer again."""
    text = ctx.tr._("Let's finish the first questions, then you can send us anything you like.")
    ctx.uow.send(text_message(ctx.uow.me, text))


async def message_received(update: Update, ctx: BotContext) -> None:
    """A message from a known contact that no other handler took."""
    text = ctx.tr._("Thanks, your message has arrived. A social worker will answer you here.")
    ctx.uow.send(text_message(ctx.uow.me, text))


async def bot_blocked_or_unblocked(update: Update, ctx: BotContext) -> None:
    """Telegram tells us when a person blocks the bot (or unblocks it)."""
    change, uow = update.my_chat_member, ctx.uow
    assert change is not None
    if change.chat.type != change.chat.PRIVATE or uow.contact is None:
        return
    if change.new_chat_member.status == ChatMember.BANNED:
        await contacts.mark_unreachable(uow.session, uow.contact.id)
    else:
        await contacts.touch(uow.session, uow.contact.id)

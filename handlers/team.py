"""Managing the team from the group (admins), and commands sent to the wrong audience."""

from __future__ import annotations

from telegram import Update

from bot import relaying
from bot.context import BotContext
from bot.delivery.outgoing import text_message
from handlers.staff import say
from storage import staff


async def staff_command(update: Update, ctx: BotContext) -> None:
    """/staff lists the team; an admin adds or removes someone by answering one of their messages with
    `/staff add worker|coordinator|admin Display Name` or `/staff remove`."""
    uow, message = ctx.uow, update.effective_message
    assert message is not None and uow.staff is not None
    tr, args = uow.staff_tr, ctx.args or []
    action = args[0].lower() if args else "list"
    if action != "list" and not uow.staff.may("admin"):
        say(uow, message, tr._("Only admins can change the team."))
        return
    # Only an explicit answer names the person: in a topic, every message implicitly answers the topic's first
    # message, and that would pick whoever opened the topic.
    answered = message.reply_to_message if relaying.replied_message_id(message) is not None else None
    target = answered.from_user if answered else None
    if action == "add" and target and not target.is_bot and len(args) >= 3 and args[1] in staff.ROLES:
        member = await staff.add(uow.session, target.id, " ".join(args[2:])[:64], args[1])
        say(uow, message, tr._("{name} is now in the team ({role}).", name=member.display_name, role=member.role))
    elif action == "remove" and target and not target.is_bot:
        removed = await staff.remove(uow.session, target.id)
        say(uow, message, tr._("Removed from the team.") if removed else tr._("That person was not in the team."))
    elif action == "list":
        members = await staff.all_active(uow.session)
        lines = [f"• {m.display_name} ({m.role})" for m in members]
        say(uow, message, "\n".join([tr._("The team:"), *lines]))
    else:
        say(
            uow,
            message,
            tr._(
                "Answer a message of the person with /staff add worker|coordinator|admin Name, or with /staff remove."
            ),
        )


async def team_command_in_private(update: Update, ctx: BotContext) -> None:
    text = ctx.tr._("This command is for the team in the staff group.")
    ctx.uow.send(text_message(ctx.uow.me, text))


async def private_command_in_group(update: Update, ctx: BotContext) -> None:
    uow, message = ctx.uow, update.effective_message
    assert message is not None
    say(uow, message, uow.staff_tr._("This command works in a private chat with the bot."))

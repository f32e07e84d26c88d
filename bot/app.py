"""The composition root: builds the Application and registers every handler, in one place.

Groups run in order and the first matching handler of each group runs:
  -2  leaving groups that are not the staff group
  -1  a person blocked or unblocked the bot
   0  young people in private chats (commands, intake, the relay to their case), then the team in the staff
      group (commands, answers in case topics); anything from outside the team in the group matches nothing
"""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.filters import InConversation, KnownContact, StaffGroup, TeamMember
from bot.settings import Settings
from conversations import booking, intake
from handlers import appointments, errors, groups, hours, private, relay, staff, team

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
TEAM = StaffGroup() & TeamMember()
YOUTH_COMMANDS = ("start", "help", "privacy", "language", "delete", "appointment", "tour")
TEAM_COMMANDS = (
    "queue",
    "claim",
    "handover",
    "note",
    "close",
    "card",
    "staff",
    "today",
    "week",
    "hours",
    "pool",
    "report",
)

AnyApplication = Application[Any, BotContext, Any, Any, Any, Any]


def build_application(settings: Settings, token: str) -> AnyApplication:
    app: AnyApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .updater(None)  # intake is our own durable poll loop (bot.delivery.intake)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(False)  # updates are handled in order, each in its own transaction
        .build()
    )
    register_handlers(app)
    return app


def register_handlers(app: AnyApplication) -> None:
    # -2, -1: the bot was added to a group that is not ours (it leaves); a person blocked or unblocked the bot.
    app.add_handler(ChatMemberHandler(groups.bot_added, ChatMemberHandler.MY_CHAT_MEMBER), group=-2)
    app.add_handler(MessageHandler(GROUPS & ~StaffGroup(), groups.leave_unknown_group), group=-2)
    app.add_handler(ChatMemberHandler(private.bot_blocked_or_unblocked, ChatMemberHandler.MY_CHAT_MEMBER), group=-1)

    # 0: private chats. Commands first, so /help works in the middle of intake.
    for command, callback in (
        ("help", private.help_command),
        ("privacy", private.privacy_command),
        ("language", private.language_command),
        ("delete", private.delete_command),
        ("appointments", appointments.my_appointments),
        ("tour", appointments.tour_command),
    ):
        app.add_handler(CommandHandler(command, callback, filters=PRIVATE))
    for handler in [*intake.build_handlers(), *booking.build_handlers()]:
        app.add_handler(handler)
    app.add_handler(CallbackQueryHandler(appointments.appointment_button, pattern=r"^ap:"))
    app.add_handler(CallbackQueryHandler(private.language_chosen, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(private.delete_chosen, pattern=r"^del:"))
    app.add_handler(CommandHandler(TEAM_COMMANDS, team.team_command_in_private, filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, private.unknown_command))
    app.add_handler(MessageHandler(PRIVATE & InConversation(intake.NAME), private.during_intake))
    app.add_handler(MessageHandler(PRIVATE & ~KnownContact(), private.not_started))
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.MESSAGE, relay.youth_message))
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, relay.youth_edit))

    # 0, continued: the team in the staff group. Others there match nothing and are ignored.
    for command, callback in (
        ("queue", staff.queue),
        ("claim", staff.claim),
        ("handover", staff.handover),
        ("note", staff.note),
        ("close", staff.close),
        ("card", staff.card),
        ("staff", team.staff_command),
        ("today", appointments.today_command),
        ("week", appointments.week_command),
        ("appointments", appointments.case_appointments),
        ("hours", hours.hours_command),
        ("pool", hours.pool_command),
        ("report", hours.report_command),
    ):
        app.add_handler(CommandHandler(command, callback, filters=TEAM & filters.UpdateType.MESSAGE))
    app.add_handler(CommandHandler(YOUTH_COMMANDS, team.private_command_in_group, filters=TEAM))
    app.add_handler(CallbackQueryHandler(staff.close_chosen, pattern=r"^close:"))
    app.add_handler(CallbackQueryHandler(appointments.staff_appointment_button, pattern=r"^sa:"))
    app.add_handler(CallbackQueryHandler(hours.hours_button, pattern=r"^hr:"))
    app.add_handler(
        MessageHandler(
            TEAM & filters.IS_TOPIC_MESSAGE & ~filters.COMMAND & filters.UpdateType.MESSAGE, relay.staff_message
        )
    )
    app.add_handler(CallbackQueryHandler(intake.stale_button))  # any other button is from an old message

    app.add_error_handler(errors.on_error)

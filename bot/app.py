"""The composition root: builds the Application and registers every handler, in one place.

Groups run in order and the first matching handler of each group runs:
  -2  leaving groups that are not the staff group
  -1  a person blocked or unblocked the bot
   0  young people in private chats (commands, intake, the relay to their case), then the team in the staff
      group (commands, answers in case topics); anything from outside the team in the group matches nothing
   1  crisis words in a young person's text that did not go to a case (before consent, or a command): the card
      (texts that reach a case are checked by the relay, which also marks the case urgent)
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
from bot.delivery.connections import bot_api_request
from bot.filters import Coordinator, InConversation, KnownContact, PrivateButton, StaffGroup, TeamMember
from bot.settings import Settings
from conversations import booking, intake
from handlers import (
    abuse,
    announce,
    appointments,
    bus,
    errors,
    groups,
    hours,
    private,
    relay,
    replies,
    safety,
    staff,
    team,
)

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
TEAM = StaffGroup() & TeamMember()
YOUTH_COMMANDS = (
    "start",
    "help",
    "privacy",
    "language",
    "delete",
    "mydata",
    "appointment",
    "tour",
    "bus",
    "subscribe",
    "unsubscribe",
)
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
    "announce",
    "subscribers",
    "duty",
    "urgent",
    "reply",
    "block",
    "unblock",
)

AnyApplication = Application[Any, BotContext, Any, Any, Any, Any]


def build_application(settings: Settings, token: str) -> AnyApplication:
    app: AnyApplication = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .updater(None)  # intake is our own durable poll loop (bot.delivery.intake)
        .request(bot_api_request(pool_size=256))  # PTB's default pool sizes
        .get_updates_request(bot_api_request(pool_size=1))
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
        ("mydata", private.mydata_command),
        ("appointments", appointments.my_appointments),
        ("tour", appointments.tour_command),
        ("bus", bus.bus_command),
        ("subscribe", bus.subscribe_command),
        ("unsubscribe", bus.unsubscribe_command),
    ):
        app.add_handler(CommandHandler(command, callback, filters=PRIVATE))
    for handler in [*intake.build_handlers(), *booking.build_handlers()]:
        app.add_handler(handler)
    app.add_handler(PrivateButton(appointments.appointment_button, pattern=r"^ap:"))
    app.add_handler(PrivateButton(private.language_chosen, pattern=r"^lang:"))
    app.add_handler(PrivateButton(private.delete_chosen, pattern=r"^del:"))
    app.add_handler(CallbackQueryHandler(bus.subscription_button, pattern=r"^sub:"))
    app.add_handler(CallbackQueryHandler(bus.share_button, pattern=r"^bus:"))
    app.add_handler(CallbackQueryHandler(announce.button, pattern=r"^an:"))  # the coordinator's panel, anywhere
    # Coordinators publish from their private chat with the bot too; other team members are sent to the group.
    app.add_handler(CommandHandler("announce", announce.announce_command, filters=PRIVATE & Coordinator()))
    app.add_handler(CommandHandler("subscribers", bus.subscribers_command, filters=PRIVATE & Coordinator()))
    app.add_handler(PrivateButton(safety.help_now, pattern=r"^sos$"))  # "I need help now"
    app.add_handler(CommandHandler(TEAM_COMMANDS, team.team_command_in_private, filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, private.unknown_command))
    # A coordinator's live location (and its moves) is the bus's; their free text for a waiting panel.
    app.add_handler(MessageHandler(PRIVATE & Coordinator() & filters.LOCATION, bus.coordinator_location))
    app.add_handler(
        MessageHandler(
            PRIVATE
            & InConversation(announce.NAME, "text")
            & filters.TEXT
            & ~filters.COMMAND
            & filters.UpdateType.MESSAGE,
            announce.free_text,
        )
    )
    app.add_handler(MessageHandler(PRIVATE & InConversation(intake.NAME), private.during_intake))
    # A shared location outside a journey: the nearest stops (it reaches the team only if they tap to send it).
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION & filters.UpdateType.MESSAGE, bus.location_shared))
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
        ("block", abuse.block),  # the case's sender, never who they are (bot.abuse)
        ("unblock", abuse.unblock),
        ("announce", announce.announce_command),
        ("subscribers", bus.subscribers_command),
        ("reply", replies.reply_command),
        ("duty", safety.duty),
        ("urgent", safety.urgent),
    ):
        app.add_handler(CommandHandler(command, callback, filters=TEAM & filters.UpdateType.MESSAGE))
    app.add_handler(CommandHandler(YOUTH_COMMANDS, team.private_command_in_group, filters=TEAM))
    app.add_handler(CallbackQueryHandler(staff.close_chosen, pattern=r"^close:"))
    # Outside the case topics: a coordinator's live location, and the free text for a waiting announcement panel.
    app.add_handler(
        MessageHandler(TEAM & Coordinator() & filters.LOCATION & ~filters.IS_TOPIC_MESSAGE, bus.coordinator_location)
    )
    app.add_handler(
        MessageHandler(
            TEAM & filters.TEXT & ~filters.COMMAND & ~filters.IS_TOPIC_MESSAGE & filters.UpdateType.MESSAGE,
            announce.free_text,
        )
    )
    app.add_handler(CallbackQueryHandler(replies.reply_button, pattern=r"^pr:"))  # prepared replies
    app.add_handler(CallbackQueryHandler(appointments.staff_appointment_button, pattern=r"^sa:"))
    app.add_handler(CallbackQueryHandler(hours.hours_button, pattern=r"^hr:"))
    app.add_handler(
        MessageHandler(
            TEAM & filters.IS_TOPIC_MESSAGE & ~filters.COMMAND & filters.UpdateType.MESSAGE, relay.staff_message
        )
    )
    app.add_handler(CallbackQueryHandler(intake.stale_button))  # any other button is from an old message

    # 1: after group 0 handled it, a text that reached no case is still read for crisis words.
    app.add_handler(
        MessageHandler(
            PRIVATE & (filters.TEXT | filters.CAPTION) & (~KnownContact() | filters.COMMAND), safety.crisis_words
        ),
        group=1,
    )

    app.add_error_handler(errors.on_error)

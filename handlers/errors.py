"""The error handler: a failing handler makes its update's transaction roll back (see bot.delivery.intake)."""

from __future__ import annotations

from bot.context import BotContext, current_uow


async def on_error(update: object, ctx: BotContext) -> None:
    try:
        uow = current_uow()
    except RuntimeError:
        return  # an error outside update processing (a job): PTB has logged it
    uow.error = ctx.error or RuntimeError("unknown handler error")

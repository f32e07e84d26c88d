"""Bot API method implementations; importing this package registers all of them."""

from sandbox.methods import bot, chats, editing, forum, media, messages, updates
from sandbox.methods.registry import REGISTRY, Ctx, Handler

__all__ = ["REGISTRY", "Ctx", "Handler", "bot", "chats", "editing", "forum", "media", "messages", "updates"]

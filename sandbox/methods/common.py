"""Checks shared by the sending and editing methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.entities import Formatted, format_text
from sandbox.errors import ApiError, bad_request, forbidden, too_many_requests
from sandbox.methods.registry import Ctx
from sandbox.models import ChatRecord, StoredMessage
from sandbox.state import GENERAL_TOPIC, State
from sandbox.textutil import EntityParseError

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)  # fmt: skip
_MAX_BUTTONS = 100


def ensure_bot_member(chat: ChatRecord) -> None:
    """403 if the bot cannot act in ``chat`` (blocked, never started, left or kicked)."""
    if chat.type == "private":
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        return
    kind = "supergroup" if chat.type == "supergroup" else "group"
    if chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {kind} chat")
    if chat.bot_status == "left":
        raise forbidden(f"bot is not a member of the {kind} chat")


def sendable_chat(state: State, chat_id: Any) -> ChatRecord:
    chat = state.get_chat(chat_id)
    ensure_bot_member(chat)
    return chat


def resolve_thread(chat: ChatRecord, thread_id: int | None, *, can_manage: bool) -> int | None:
    """The topic to post into (None: no topic / General). Enforces deleted and closed topics."""
    if thread_id is None:
        return None
    if not chat.is_forum:
        if chat.type == "supergroup" and thread_id in chat.messages:
            return None
        raise bad_request("message thread not found")
    if thread_id == GENERAL_TOPIC:
        return None
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise bad_request("message thread not found")
    if topic.closed and not can_manage:
        raise bad_request("TOPIC_CLOSED")
    return thread_id


def reply_target(state: State, chat: ChatRecord, params: dict[str, Any] | None) -> StoredMessage | None:
    if not params:
        return None
    target_chat = chat
    if params.get("chat_id") is not None:
        target_chat = state.get_chat(params["chat_id"])
    found = target_chat.messages.get(int(params["message_id"]))
    if found is None or target_chat is not chat:
        if params.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return found


def check_markup(chat: ChatRecord, markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Semantic checks of reply_markup; returns the inline keyboard to store on the message."""
    if not markup:
        return None
    if "inline_keyboard" not in markup:
        return None
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    if len(buttons) > _MAX_BUTTONS:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    for button in buttons:
        actions = [name for name in _INLINE_ACTIONS if name in button]
        if not actions:
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button and not 1 <= len(button["callback_data"].encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button and not str(button["url"]).lower().startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")
        if "web_app" in button and chat.type != "private":
            raise bad_request("BUTTON_TYPE_INVALID")
        if not button.get("text"):
            raise bad_request("BUTTON_TEXT_INVALID")
    return {"inline_keyboard": markup["inline_keyboard"]}


def format_checked(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None, *, caption: bool
) -> Formatted:
    try:
        formatted = format_text(text, parse_mode, entities)
    except EntityParseError as exc:
        raise bad_request(exc.description) from None
    except ValueError:
        raise bad_request("unsupported parse_mode") from None
    if caption:
        if len(formatted.text) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
    else:
        if not formatted.text:
            raise bad_request("message text is empty")
        if len(formatted.text) > TEXT_LIMIT:
            raise bad_request("message is too long")
    return formatted


def text_content(params: dict[str, Any]) -> dict[str, Any]:
    formatted = format_checked(params.get("text", ""), params.get("parse_mode"), params.get("entities"), caption=False)
    content: dict[str, Any] = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    return content


def caption_content(params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("caption"):
        return {}
    formatted = format_checked(
        params["caption"], params.get("parse_mode"), params.get("caption_entities"), caption=True
    )
    content: dict[str, Any] = {"caption": formatted.text} if formatted.text else {}
    if formatted.entities:
        content["caption_entities"] = formatted.entities
    if params.get("show_caption_above_media") and formatted.text:
        content["show_caption_above_media"] = True
    return content


def rate_limit(state: State, chat: ChatRecord) -> None:
    wait = state.limiter.acquire(chat.id, chat.is_group)
    if wait is not None:
        raise too_many_requests(wait)


def deliver(ctx: Ctx, build: Callable[[ChatRecord], dict[str, Any]], *, limit: bool = True) -> StoredMessage:
    """Common path of every send: access, topic, reply, markup, content, flood limit, store."""
    state, params = ctx.state, ctx.params
    chat = sendable_chat(state, params["chat_id"])
    thread = resolve_thread(chat, params.get("message_thread_id"), can_manage=chat.bot_can("can_manage_topics"))
    reply_to = reply_target(state, chat, params.get("reply_parameters"))
    markup = check_markup(chat, params.get("reply_markup"))
    content = build(chat)
    if limit:
        rate_limit(state, chat)
    if markup is not None:
        content["reply_markup"] = markup
    if params.get("protect_content"):
        content["has_protected_content"] = True
    stored = state.create_message(chat, state.bot, content, thread_id=thread, reply_to=reply_to)
    remember_keyboard(state, chat, params.get("reply_markup"))
    return stored


def remember_keyboard(state: State, chat: ChatRecord, markup: dict[str, Any] | None) -> None:
    """Keep the chat's current reply keyboard: set by ``keyboard``, cleared by ``remove_keyboard``."""
    if markup and ("keyboard" in markup or "remove_keyboard" in markup):
        chat.reply_keyboard = markup if "keyboard" in markup else None
        state.emit("keyboard", chat_id=chat.id, keyboard=chat.reply_keyboard)


def message_in(chat: ChatRecord, message_id: int, error: str) -> StoredMessage:
    found = chat.messages.get(message_id)
    if found is None:
        raise bad_request(error)
    return found


def require(condition: bool, error: ApiError) -> None:
    if not condition:
        raise error

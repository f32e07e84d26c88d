"""getMe, logOut/close, commands, names/descriptions, menu button, answerCallbackQuery."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.errors import bad_request
from sandbox.methods.registry import Ctx, method
from sandbox.state import State

CALLBACK_TTL = 15 * 60
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANG = re.compile(r"^([a-z]{2})?$")
_TEXTS = {"name": ("setMyName", "getMyName", 64), "description": ("setMyDescription", "getMyDescription", 512)}
_TEXTS["short_description"] = ("setMyShortDescription", "getMyShortDescription", 120)


@method("getMe")
async def get_me(ctx: Ctx) -> Any:
    state = ctx.state
    return {
        **state.bot.as_dict(),
        "can_join_groups": True,
        "can_read_all_group_messages": not state.config.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("logOut", "close")
async def log_out(ctx: Ctx) -> Any:
    return True


@method("answerCallbackQuery")
async def answer_callback_query(ctx: Ctx) -> Any:
    state, params = ctx.state, ctx.params
    record = state.callback_queries.get(params["callback_query_id"])
    if record is None or record.answered or state.clock() - record.created_at > CALLBACK_TTL:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(params.get("text") or "") > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    if params.get("url"):
        raise bad_request("URL_INVALID")
    record.answered = True
    record.answer = {key: params[key] for key in ("text", "show_alert", "cache_time") if key in params}
    state.emit("callback_answer", callback_query_id=record.id, answer=record.answer, chat_id=record.chat_id)
    return True


def _scope_key(state: State, scope: dict[str, Any] | None) -> str:
    if not scope:
        return "default"
    if "chat_id" in scope:
        chat = state.get_chat(scope["chat_id"])
        scope = {**scope, "chat_id": chat.id}
        if "user_id" in scope:
            state.user_of(int(scope["user_id"]))
    return json.dumps(scope, sort_keys=True)


def _language(params: dict[str, Any]) -> str:
    language = params.get("language_code") or ""
    if not _LANG.match(language):
        raise bad_request("LANG_CODE_INVALID")
    return str(language)


@method("setMyCommands")
async def set_my_commands(ctx: Ctx) -> Any:
    params = ctx.params
    commands: list[dict[str, Any]] = params["commands"]
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not _COMMAND.match(command["command"].lstrip("/")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"].strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = (_scope_key(ctx.state, params.get("scope")), _language(params))
    ctx.state.commands[key] = [{"command": c["command"].lstrip("/"), "description": c["description"]} for c in commands]
    ctx.state.emit("commands", scope=key[0], language_code=key[1])
    return True


@method("getMyCommands")
async def get_my_commands(ctx: Ctx) -> Any:
    key = (_scope_key(ctx.state, ctx.params.get("scope")), _language(ctx.params))
    return ctx.state.commands.get(key, [])


@method("deleteMyCommands")
async def delete_my_commands(ctx: Ctx) -> Any:
    key = (_scope_key(ctx.state, ctx.params.get("scope")), _language(ctx.params))
    ctx.state.commands.pop(key, None)
    ctx.state.emit("commands", scope=key[0], language_code=key[1])
    return True


def _text_handlers(field: str, setter: str, getter: str, limit: int) -> None:
    async def set_text(ctx: Ctx) -> Any:
        value = ctx.params.get(field) or ""
        if len(value) > limit:
            raise bad_request(f"{field.upper()}_INVALID" if field != "name" else "BOT_TITLE_INVALID")
        key = (field, _language(ctx.params))
        if value:
            ctx.state.bot_texts[key] = value
        else:
            ctx.state.bot_texts.pop(key, None)
        ctx.state.emit("bot_text", field=field, language_code=key[1])
        return True

    async def get_text(ctx: Ctx) -> Any:
        language = _language(ctx.params)
        texts = ctx.state.bot_texts
        fallback = ctx.state.bot.first_name if field == "name" else ""
        return {field: texts.get((field, language), texts.get((field, ""), fallback))}

    method(setter)(set_text)
    method(getter)(get_text)


for _field, (_setter, _getter, _limit) in _TEXTS.items():
    _text_handlers(_field, _setter, _getter, _limit)


@method("setChatMenuButton")
async def set_chat_menu_button(ctx: Ctx) -> Any:
    chat_id = ctx.params.get("chat_id")
    if chat_id is not None:
        chat = ctx.state.get_chat(chat_id)
        if chat.type != "private":
            raise bad_request("chat not found")
    ctx.state.menu_buttons[chat_id] = ctx.params.get("menu_button") or {"type": "default"}
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(ctx: Ctx) -> Any:
    buttons = ctx.state.menu_buttons
    chat_id = ctx.params.get("chat_id")
    return buttons.get(chat_id) or buttons.get(None) or {"type": "commands"}

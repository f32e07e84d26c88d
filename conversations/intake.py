"""First contact: greeting, language, privacy consent, then nickname, age band and place, each skippable.

Nothing is stored about a person until they agree: before that only the conversation row exists (keyed by the
pseudonym), and declining deletes it. The answers are kept in the conversation's draft and written to the
contact at the last step. Every button carries its step, so a button from an earlier step is recognised as stale.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot import crisis_help, profile
from bot.context import BotContext, UnitOfWork
from bot.delivery.outgoing import Keyboard, answer_callback, edit_text, remove_keyboard, text_message
from bot.filters import InConversation, PrivateButton
from bot.i18n import Translator
from storage import contacts

NAME = "intake"


class State(StrEnum):
    LANGUAGE = "language"
    CONSENT = "consent"
    NICKNAME = "nickname"
    AGE = "age"
    PLACE = "place"


@dataclass
class Draft:
    language: str
    source: str | None = None
    nickname: str | None = None
    age_band: str | None = None
    place: str | None = None
    message_id: int | None = None  # the message whose buttons belong to the current step

    @classmethod
    def of(cls, uow: UnitOfWork) -> Draft:
        assert uow.conversation is not None
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in uow.conversation.draft.items() if k in known}
        values.setdefault("language", uow.services.catalogs.default_language)
        return cls(**values)


def build_handlers() -> list[BaseHandler[Any, Any, Any]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        PrivateButton(on_button, pattern=r"^in:"),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND & InConversation(NAME), on_text),
    ]


# -- questions ---------------------------------------------------------------------------------------------------


def language_keyboard(uow: UnitOfWork, prefix: str) -> Keyboard:
    names = [(lang.native_name, f"{prefix}{lang.code}") for lang in uow.services.catalogs.available]
    return [names[i : i + 2] for i in range(0, len(names), 2)]


def privacy_notice(tr: Translator) -> str:
    return tr._(
        "How we handle your data:\n\n"
        "• Writing to us is voluntary. You can stay anonymous – a nickname is enough.\n"
        "• Our social workers never see your Telegram name, username, phone number or profile picture.\n"
        "• We store the language you chose, the answers you give (nickname, age group, place – all optional) "
        "and your messages to us. The code for your chat is stored encrypted.\n"
        "• You can delete everything at any time with /delete."
    )


def ask_consent(tr: Translator) -> tuple[str, Keyboard]:
    text = tr._("Before we start:") + "\n\n" + privacy_notice(tr) + "\n\n" + tr._("Is that okay for you?")
    return text, [[(tr._("Yes, okay"), "in:yes"), (tr._("No, thanks"), "in:no")]]


def ask_nickname(tr: Translator) -> tuple[str, Keyboard]:
    text = tr._("Thank you! How should we call you? Type a nickname – or stay anonymous.")
    return text, [[(tr._("Stay anonymous"), "in:anon")]]


def ask_age(tr: Translator) -> tuple[str, Keyboard]:
    buttons = [(tr._(label), f"in:age:{code}") for code, label in profile.AGE_BANDS.items()]
    return tr._("How old are you?"), [buttons[:3], buttons[3:]]


def ask_place(tr: Translator) -> tuple[str, Keyboard]:
    buttons = [(tr._(label), f"in:place:{code}") for code, label in profile.PLACES.items()]
    return tr._("Where do you live?"), [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


# -- handlers ----------------------------------------------------------------------------------------------------


async def start(update: Update, ctx: BotContext) -> None:
    uow = ctx.uow
    if uow.contact is not None:
        await uow.end_conversation()
        text = uow.tr._("Welcome back! Just write us what's on your mind.")
        uow.send(text_message(uow.me, text, crisis_help.help_keyboard(uow.tr)))
        return
    await begin(uow, source=profile.clean_source(ctx.args[0] if ctx.args else None))


async def begin(uow: UnitOfWork, source: str | None) -> None:
    """Greet someone we do not know yet and offer the languages."""
    if uow.in_state(NAME) and source is None:
        source = Draft.of(uow).source
    language = uow.language or uow.services.catalogs.default_language
    await uow.set_conversation(NAME, State.LANGUAGE, asdict(Draft(language=language, source=source)))
    tr = uow.services.catalogs.translator(language)
    greeting = tr._(
        "Hi! This is the Anlaufstelle, the mobile office for young people in the county of Peine. "
        "You can write to us here – in your language, and without giving your name."
    )
    question = tr._("Which language do you want to write in?")
    uow.send(text_message(uow.me, f"{greeting}\n\n{question}", language_keyboard(uow, "in:lang:")))


async def on_button(update: Update, ctx: BotContext) -> None:
    query, uow = update.callback_query, ctx.uow
    assert query is not None and query.data is not None and query.message is not None
    step, _, value = query.data.removeprefix("in:").partition(":")
    expected = {
        "lang": State.LANGUAGE,
        "yes": State.CONSENT,
        "no": State.CONSENT,
        "anon": State.NICKNAME,
        "age": State.AGE,
        "place": State.PLACE,
    }.get(step)
    if expected is None or not uow.in_state(NAME, expected) or uow.private_chat_id is None:
        await stale_button(update, ctx)
        return
    draft = Draft.of(uow)
    draft.message_id = query.message.message_id
    uow.send(answer_callback(query.id))
    await STEPS[step](uow, draft, value)


async def on_text(update: Update, ctx: BotContext) -> None:
    uow, text = ctx.uow, update.effective_message.text if update.effective_message else None
    assert uow.conversation is not None and text is not None
    draft, state = Draft.of(uow), uow.conversation.state
    if draft.message_id is not None:
        uow.send(remove_keyboard(uow.me, draft.message_id))
        draft.message_id = None
    if state == State.NICKNAME and (nickname := profile.clean_nickname(text)):
        await _chose_nickname(uow, draft, nickname)
    elif state == State.AGE and (band := profile.age_band_for(text)):
        await _chose_age(uow, draft, band)
    elif state == State.PLACE and (place := profile.place_for(text)):
        await _chose_place(uow, draft, place)
    else:
        await _ask_again(uow, draft, State(state))


async def stale_button(update: Update, ctx: BotContext) -> None:
    """A button from an old message: say so kindly and take its buttons away."""
    query, uow = update.callback_query, ctx.uow
    assert query is not None
    uow.send(answer_callback(query.id, uow.tr._("This button is no longer active.")))
    markup = getattr(query.message, "reply_markup", None)
    has_buttons = markup is not None and any(markup.inline_keyboard)  # else Telegram says "not modified"
    if query.message is not None and has_buttons and uow.private_chat_id is not None and uow.user_key is not None:
        uow.send(remove_keyboard(uow.me, query.message.message_id))


# -- steps -------------------------------------------------------------------------------------------------------


async def _chose_language(uow: UnitOfWork, draft: Draft, code: str) -> None:
    if uow.services.catalogs.has(code):
        draft.language = code
    text, keyboard = ask_consent(uow.services.catalogs.translator(draft.language))
    await _next(uow, draft, State.CONSENT, text, keyboard)


async def _agreed(uow: UnitOfWork, draft: Draft, _value: str) -> None:
    assert uow.user_key is not None and uow.private_chat_id is not None
    chat_enc = uow.services.keyring.encrypt_int(uow.private_chat_id)
    uow.contact = await contacts.create(
        uow.session, contacts.NewContact(uow.user_key, chat_enc, draft.language, draft.source)
    )
    text, keyboard = ask_nickname(uow.tr)
    await _next(uow, draft, State.NICKNAME, text, keyboard)


async def _declined(uow: UnitOfWork, draft: Draft, _value: str) -> None:
    await uow.end_conversation()
    tr = uow.services.catalogs.translator(draft.language)
    text = tr._("That's okay. Nothing about you has been stored. If you change your mind, just send /start.")
    assert draft.message_id is not None
    uow.send(edit_text(uow.me, draft.message_id, text))


async def _anonymous(uow: UnitOfWork, draft: Draft, _value: str) -> None:
    await _chose_nickname(uow, draft, None)


async def _chose_nickname(uow: UnitOfWork, draft: Draft, nickname: str | None) -> None:
    draft.nickname = nickname
    await _next(uow, draft, State.AGE, *ask_age(uow.tr))


async def _chose_age(uow: UnitOfWork, draft: Draft, band: str) -> None:
    draft.age_band = band if band in profile.AGE_BANDS else None
    await _next(uow, draft, State.PLACE, *ask_place(uow.tr))


async def _chose_place(uow: UnitOfWork, draft: Draft, place: str) -> None:
    assert uow.contact is not None
    draft.place = place if place in profile.PLACES else None
    await contacts.update_profile(
        uow.session,
        uow.contact.id,
        nickname=draft.nickname,
        age_band=_known(draft.age_band),
        place=_known(draft.place),
    )
    await uow.end_conversation()
    tr = uow.tr
    thanks = tr._("Thanks, {name}!", name=draft.nickname) if draft.nickname else tr._("Thanks!")
    text = thanks + " " + tr._("Now write us what's on your mind – a social worker will answer you here.")
    text += "\n\n" + tr._("/help shows what else you can do here.")
    _show(uow, draft, text, [[(tr._("Book a time with the bus"), "bk:start")], *crisis_help.help_keyboard(tr)])


async def _ask_again(uow: UnitOfWork, draft: Draft, state: State) -> None:
    tr = uow.tr
    if state == State.NICKNAME:
        hint = tr._("Please type a nickname of up to {max} characters – or stay anonymous.", max=profile.NICKNAME_MAX)
        text, keyboard = hint, ask_nickname(tr)[1]
    elif state in (State.AGE, State.PLACE):
        text, keyboard = (ask_age if state == State.AGE else ask_place)(tr)
        text = tr._("Please tap one of the buttons – or “Rather not say”.") + "\n\n" + text
    elif state == State.LANGUAGE:
        text, keyboard = tr._("Which language do you want to write in?"), language_keyboard(uow, "in:lang:")
    else:
        text, keyboard = ask_consent(tr)
    uow.send(text_message(uow.me, text, keyboard))
    await uow.set_conversation(NAME, state, asdict(draft))


async def _next(uow: UnitOfWork, draft: Draft, state: State, text: str, keyboard: Keyboard | None) -> None:
    _show(uow, draft, text, keyboard)
    await uow.set_conversation(NAME, state, asdict(draft))


def _show(uow: UnitOfWork, draft: Draft, text: str, keyboard: Keyboard | None) -> None:
    """Turn the message whose button was pressed into the next step; after typed text, send a new one."""
    if draft.message_id is not None:
        uow.send(edit_text(uow.me, draft.message_id, text, keyboard))
    else:
        uow.send(text_message(uow.me, text, keyboard))


def _known(code: str | None) -> str | None:
    return None if code in (None, "na") else code


STEPS: dict[str, Callable[[UnitOfWork, Draft, str], Awaitable[None]]] = {
    "lang": _chose_language,
    "yes": _agreed,
    "no": _declined,
    "anon": _anonymous,
    "age": _chose_age,
    "place": _chose_place,
}

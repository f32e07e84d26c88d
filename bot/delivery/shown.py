"""What the bot's recent messages show, so that an edit which would change nothing is not sent at all.

Telegram refuses such an edit with 400 "message is not modified". It happens when a button is tapped twice before
the first edit arrived, or a button on a message that already says what the press would write: each press edits
the message to the same text. The sender asks ``unchanged`` before an edit and records what every text it sent
or edited shows. Kept in memory for the most recent messages only: after a restart an edit may go once more, and
Telegram's refusal of it is harmless (the sender treats it so).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

EDITS = ("editMessageText", "editMessageReplyMarkup")
RECENT = 10_000

Buttons = tuple[tuple[tuple[str, str], ...], ...]
_UNKNOWN = object()


def _buttons(markup: Any) -> Buttons:
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return tuple(tuple((str(b.get("text")), str(b.get("callback_data"))) for b in row) for row in rows if row)


def _text(params: dict[str, Any]) -> object:
    """The text as Telegram keeps it (trimmed); unknown when formatting could change what it shows."""
    if params.get("entities") or params.get("parse_mode") or not isinstance(params.get("text"), str):
        return _UNKNOWN
    return str(params["text"]).strip()


class ShownMessages:
    def __init__(self, recent: int = RECENT) -> None:
        self._shown: OrderedDict[tuple[str, int], tuple[object, Buttons]] = OrderedDict()
        self._recent = recent

    @staticmethod
    def _key(chat_id: Any, message_id: Any) -> tuple[str, int] | None:
        return (str(chat_id), message_id) if isinstance(message_id, int) and chat_id is not None else None

    def unchanged(self, method: str, params: dict[str, Any]) -> bool:
        """Whether this edit would leave the message exactly as it is shown now (as far as we know)."""
        key = self._key(params.get("chat_id"), params.get("message_id"))
        if method not in EDITS or key is None or key not in self._shown:
            return False
        text, buttons = self._shown[key]
        if buttons != _buttons(params.get("reply_markup")):
            return False
        return method == "editMessageReplyMarkup" or (text is not _UNKNOWN and text == _text(params))

    def record(self, method: str, params: dict[str, Any], result: Any) -> None:
        """After a message was sent or edited (or refused as not modified): what it shows now."""
        if method == "sendMessage" and isinstance(result, dict):
            key = self._key(params.get("chat_id"), result.get("message_id"))
            text: object = _text(params)
        elif method in EDITS:
            key = self._key(params.get("chat_id"), params.get("message_id"))
            known = self._shown.get(key, (_UNKNOWN, ())) if key is not None else (_UNKNOWN, ())
            text = _text(params) if method == "editMessageText" else known[0]
        else:
            return
        if key is None:
            return
        self._shown[key] = (text, _buttons(params.get("reply_markup")))
        self._shown.move_to_end(key)
        while len(self._shown) > self._recent:
            self._shown.popitem(last=False)

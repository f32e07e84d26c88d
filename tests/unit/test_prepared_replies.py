"""The prepared replies' file (bot/data/prepared_replies.yaml): the shipped one is valid, a broken one is refused
with a useful message, the buttons' data round-trips, and Babel's extraction finds every label and text."""

from __future__ import annotations

import io
from datetime import date, time
from importlib import resources
from typing import Any

import pytest

from bot import prepared_replies as prepared


def test_the_shipped_replies_are_valid() -> None:
    replies = prepared.load()
    assert {"more", "bus", "comeby", "hours"} <= set(replies)
    assert replies["bus"].fields == ("stop", "stop_day", "stop_time")
    assert replies["hours"].placeholders() == {"bus_times"}
    for reply in replies.values():
        filled = {prepared.FIELDS[field][0] for field in reply.fields}
        assert reply.placeholders() - set(prepared.AUTOMATIC) == filled


def entry(**changes: Any) -> dict[str, Any]:
    return {"replies": [{"key": "x", "label": "X", "text": "T", **changes}]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "expected 'replies:'"),
        ({"replies": []}, "expected 'replies:'"),
        ({"replies": ["text"]}, "expected key, label, text"),
        (entry(key="Bad Key"), "key must be"),
        (entry(key="waytoolongkey1"), "key must be"),
        (entry(label=""), "label and text"),
        (entry(colour="red"), "unknown colour"),
        (entry(fields=["place"]), "fields must be a list"),
        (entry(fields=["stop_day"]), "stop_day must come once, after stop"),
        (entry(fields=["day", "stop_day"], text="{day}"), "must come once, after stop"),
        (entry(text="See you {day}"), "do not match"),
        (entry(text="See you", fields=["day"]), "do not match"),
        (entry(text="{bus_times} {name}"), "do not match"),
        ({"replies": [{"key": "a", "label": "A", "text": "T"}, {"key": "a", "label": "B", "text": "U"}]}, "twice"),
    ],
)
def test_a_broken_file_is_refused_with_a_reason(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        prepared.parse(data)


def test_a_valid_entry_is_read() -> None:
    [reply] = prepared.parse(entry(text="Come on {day} at {time}.", fields=["day", "time"])).values()
    assert reply == prepared.PreparedReply("x", "X", "Come on {day} at {time}.", ("day", "time"))


def test_button_data_round_trips_and_rejects_garbage() -> None:
    pick = prepared.Pick(12, 3, "bus", 7, date(2026, 11, 23), time(14, 30))
    for action in prepared.ACTIONS:
        again = prepared.decode(pick.data(action))
        assert again == prepared.Pick(12, 3, "bus", 7, date(2026, 11, 23), time(14, 30), action)
    assert prepared.decode(prepared.Pick(12, 3).data("list")) == prepared.Pick(12, 3, action="list")
    assert pick.missing(prepared.load()["bus"]) is None
    assert prepared.Pick(12, 3, "bus", 7).missing(prepared.load()["bus"]) == "stop_day"
    for garbage in ("pr:go:1:2:bus", "pr:boom:1:2:bus:", "pr:go:x:2:bus:", "pr:go:1:2:BUS:", "pr:go:1:2:bus:d20261399"):
        assert prepared.decode(garbage) is None


def test_extraction_finds_every_label_and_text_with_its_line() -> None:
    raw = resources.files("bot.data").joinpath(prepared.DATA_FILE).read_bytes()
    found = list(prepared.extract_messages(io.BytesIO(raw), {}, [], {}))
    replies = prepared.load().values()
    assert {message for _line, _func, message, _comments in found} == {
        *(r.label for r in replies),
        *(r.text for r in replies),
    }
    lines = raw.decode().splitlines()
    for line, _func, message, comments in found:
        assert message.split("\n")[0].split("{")[0][:20] in lines[line - 1].replace("\\n", "\n")
        assert all(comment.startswith("TRANSLATORS:") for comment in comments)

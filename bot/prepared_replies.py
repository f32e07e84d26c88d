"""Prepared replies for the team (``bot/data/prepared_replies.yaml``): reading and checking the file, what the
buttons carry, and the Babel extractor that puts each reply's label and text into the catalogs.

The file's format is described at its top. Each text is an English msgid, translated like every other text; its
placeholders are filled in by the bot from what the worker picked (see ``FIELDS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, time
from functools import cache
from importlib import resources
from typing import IO, Any

import yaml

from bot.data import SAFE_LOADER
from bot.settings import ConfigError

# What each field fills in, and which field must come before it.
FIELDS: dict[str, tuple[str, str | None]] = {
    "stop": ("stop", None),
    "stop_day": ("day", "stop"),
    "stop_time": ("time", "stop_day"),
    "day": ("day", None),
    "time": ("time", None),
}
AUTOMATIC = ("bus_times",)  # placeholders the bot fills in without asking
PLACEHOLDER = re.compile(r"\{(\w*)\}")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,11}$")
DATA_FILE = "prepared_replies.yaml"


@dataclass(frozen=True)
class PreparedReply:
    key: str
    label: str  # msgid of the team's button
    text: str  # msgid of the message
    fields: tuple[str, ...] = ()

    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.text))


def parse(data: Any) -> dict[str, PreparedReply]:
    """The replies in a parsed YAML document; ValueError names what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("replies"), list) or not data["replies"]:
        raise ValueError("expected 'replies:' with a list of entries")
    found: dict[str, PreparedReply] = {}
    for index, entry in enumerate(data["replies"]):
        where = f"replies[{index}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected key, label, text (and fields)")
        unknown = set(entry) - {"key", "label", "text", "fields", "comment"}
        if unknown:
            raise ValueError(f"{where}: unknown {', '.join(sorted(unknown))}")
        key, label, text = (entry.get(name) for name in ("key", "label", "text"))
        if not isinstance(key, str) or not KEY.match(key):
            raise ValueError(f"{where}: key must be lower-case letters, digits or dashes, at most 12")
        if key in found:
            raise ValueError(f"{where}: key {key!r} is used twice")
        if not isinstance(label, str) or not label.strip() or not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where} ({key}): label and text must be texts")
        fields = entry.get("fields") or []
        if not isinstance(fields, list) or any(f not in FIELDS for f in fields):
            raise ValueError(f"{where} ({key}): fields must be a list of {', '.join(FIELDS)}")
        for position, name in enumerate(fields):
            before = FIELDS[name][1]
            if fields.count(name) > 1 or (before is not None and before not in fields[:position]):
                raise ValueError(f"{where} ({key}): {name} must come once, after {before}")
        filled = {FIELDS[name][0] for name in fields}
        if len(filled) < len(fields):
            raise ValueError(f"{where} ({key}): two fields fill in the same placeholder")
        used = set(PLACEHOLDER.findall(text))
        if used != filled | (used & set(AUTOMATIC)):
            raise ValueError(
                f"{where} ({key}): the text's placeholders {sorted(used)} do not match its fields {sorted(filled)}"
            )
        found[key] = PreparedReply(key, label, text, tuple(fields))
    return found


@cache
def load() -> dict[str, PreparedReply]:
    """The shipped replies, read once; the bot reads them at start, so a broken file stops it with the reason."""
    text = resources.files("bot.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    try:
        return parse(yaml.load(text, Loader=SAFE_LOADER))  # noqa: S506 (the safe loader, in C where libyaml is)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"bot/data/{DATA_FILE}: {exc}") from None


# -- what a button carries ------------------------------------------------------------------------------------

ACTIONS = ("go", "send", "list", "x")  # go on (next field or preview), send, back to the list, cancel
_PICKED = re.compile(r"^(?:s(?P<stop>\d{1,9}))?(?:d(?P<day>\d{8}))?(?:t(?P<time>\d{4}))?$")


@dataclass(frozen=True)
class Pick:
    """A reply being prepared: by whom, for which case, and what was picked so far."""

    case_id: int
    staff_id: int
    key: str = ""
    stop_id: int | None = None
    day: date | None = None
    time: time | None = None
    action: str = "go"

    def data(self, action: str = "go", **changes: Any) -> str:
        """The callback data of a button that does `action` with `changes` picked (at most 64 bytes)."""
        pick = replace(self, **changes)
        picked = (
            (f"s{pick.stop_id}" if pick.stop_id is not None else "")
            + (f"d{pick.day:%Y%m%d}" if pick.day is not None else "")
            + (f"t{pick.time:%H%M}" if pick.time is not None else "")
        )
        data = f"pr:{action}:{pick.case_id}:{pick.staff_id}:{pick.key}:{picked}"
        if len(data.encode()) > 64:
            raise ValueError("callback data over 64 bytes")
        return data

    def missing(self, reply: PreparedReply) -> str | None:
        """The next field to pick, or None when the reply is complete."""
        have = {"stop": self.stop_id is not None, "day": self.day is not None, "time": self.time is not None}
        return next((name for name in reply.fields if not have[FIELDS[name][0]]), None)


def decode(data: str) -> Pick | None:
    """The pick a button carries, or None if the data is not one of ours (or is malformed)."""
    parts = data.split(":")
    if len(parts) != 6 or parts[0] != "pr" or parts[1] not in ACTIONS:
        return None
    _, action, case_id, staff_id, key, picked = parts
    found = _PICKED.match(picked)
    if not case_id.isdigit() or not staff_id.isdigit() or found is None or (key and not KEY.match(key)):
        return None
    try:
        day = date(int(found["day"][:4]), int(found["day"][4:6]), int(found["day"][6:])) if found["day"] else None
        at = time(int(found["time"][:2]), int(found["time"][2:])) if found["time"] else None
    except ValueError:
        return None
    stop = int(found["stop"]) if found["stop"] else None
    return Pick(int(case_id), int(staff_id), key, stop, day, at, action)


# -- extraction -----------------------------------------------------------------------------------------------


def extract_messages(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A Babel extraction method (babel.cfg names it): each reply's label and text, with their line numbers."""
    document = fileobj.read().decode("utf-8")
    node = yaml.compose(document)
    replies = parse(yaml.safe_load(document))
    entries = _entry_nodes(node)
    for reply in replies.values():
        entry = entries.get(reply.key, {})
        comment = entry.get("comment")
        notes = [f"TRANSLATORS: {comment[1]}"] if comment else []
        yield entry.get("label", (0, ""))[0], "_", reply.label, ["TRANSLATORS: a button for the team", *notes]
        yield entry.get("text", (0, ""))[0], "_", reply.text, ["TRANSLATORS: a prepared reply", *notes]


def _entry_nodes(node: yaml.Node | None) -> dict[str, dict[str, tuple[int, str]]]:
    """For each entry's key: its fields' (line number, value) in the file."""
    found: dict[str, dict[str, tuple[int, str]]] = {}
    if not isinstance(node, yaml.MappingNode):
        return found
    for key_node, value in node.value:
        if key_node.value != "replies" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            fields = {
                k.value: (v.start_mark.line + 1, str(v.value)) for k, v in item.value if not isinstance(v.value, list)
            }
            if "key" in fields:
                found[fields["key"][1]] = fields
    return found

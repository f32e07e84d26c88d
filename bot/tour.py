"""The tour plan: where the bus stops and when, read from a documented YAML file and checked line by line.

The format (see tour.example.yaml, the plan for the county of Peine):

    slot_minutes: 30              # length of one conversation slot (10–120), default 30
    stops:
      - id: peine-markt           # a short key: lower-case letters, digits and dashes
        name: Peine, Marktplatz   # as young people know the place
        place: peine              # peine, edemissen, hohenhameln, ilsede, lengede, vechelde or wendeburg
        address: Marktplatz, 31224 Peine
        lat: 52.3203
        lon: 10.2336
        capacity: 2               # conversations at the same time (1–20), default 1
        schedule:
          - weekdays: [mon, thu]  # or: dates: [2026-12-05, 2026-12-19]
            from: "14:00"
            to: "17:00"
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.profile import PLACES

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TOWNS = tuple(code for code in PLACES if code not in ("elsewhere", "na"))


class TourError(Exception):
    """The plan cannot be used; the message names the file and line."""


class WindowPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    weekdays: list[str] | None = None
    dates: list[date] | None = None
    starts: time = Field(alias="from")
    ends: time = Field(alias="to")

    @field_validator("weekdays", mode="before")
    @classmethod
    def _weekdays(cls, value: Any) -> Any:
        """mon … sun, or the full English names; anything else (a typo) is named in the error."""
        if value is None:
            return value
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected a list like [mon, thu] (weekdays are {', '.join(WEEKDAYS)})")
        days = []
        for item in value:
            word = str(item).strip().lower() if isinstance(item, str) else None
            if word in WEEKDAY_NAMES:
                word = WEEKDAYS[WEEKDAY_NAMES.index(word)]
            if word not in WEEKDAYS:
                raise ValueError(f"unknown weekday {item!r} (weekdays are {', '.join(WEEKDAYS)})")
            days.append(word)
        return days

    @field_validator("starts", "ends", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> Any:
        if isinstance(value, int):  # YAML reads an unquoted 14:00 as 840 (minutes, sexagesimal)
            return time(value // 60, value % 60)
        if isinstance(value, str) and not re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
            raise ValueError('expected a time like "14:00"')
        return value

    @field_validator("ends")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        starts = info.data.get("starts")
        if isinstance(starts, time) and starts >= value:
            raise ValueError(f"'to' ({value:%H:%M}) must be after 'from' ({starts:%H:%M})")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> WindowPlan:
        if (self.weekdays is None) == (self.dates is None):
            raise ValueError("give either weekdays or dates")
        return self

    def weekday_numbers(self) -> list[int]:
        return [WEEKDAYS.index(day) for day in self.weekdays or []]


class StopPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")
    name: str = Field(min_length=1, max_length=120)
    place: str
    address: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    capacity: int = Field(default=1, ge=1, le=20)
    schedule: list[WindowPlan] = Field(min_length=1)

    @field_validator("place")
    @classmethod
    def _place(cls, value: str) -> str:
        if value not in TOWNS:
            raise ValueError(f"place must be one of {', '.join(TOWNS)}")
        return value


class TourPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_minutes: int = Field(default=30, ge=10, le=120)
    stops: list[StopPlan] = Field(min_length=1)


def load_tour(path: Path) -> TourPlan:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise TourError(f"{path} line {line}: not UTF-8 text") from None
    except OSError as exc:
        raise TourError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        lines = _line_map(yaml.compose(text))
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "line ?"
        raise TourError(f"{path} {where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        what = "the file is empty" if data is None else "expected 'slot_minutes:' and 'stops:' (see tour.example.yaml)"
        raise TourError(f"{path} line 1: {what}")
    try:
        plan = TourPlan.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        line = _nearest_line(lines, loc)
        field = ".".join(str(part) for part in loc) or "the file"
        message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
        raise TourError(f"{path} line {line}: {field}: {message}") from None
    first_seen: dict[str, int] = {}
    for index, stop in enumerate(plan.stops):
        if stop.id in first_seen:
            line = _nearest_line(lines, ("stops", index, "id"))
            first = _nearest_line(lines, ("stops", first_seen[stop.id], "id"))
            raise TourError(f"{path} line {line}: stops.{index}.id: {stop.id!r} is used already (line {first})")
        first_seen[stop.id] = index
    return plan


def _line_map(node: yaml.Node | None, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Every path in the document (('stops', 0, 'schedule', 1, 'from') …) with the line it starts on."""
    found: dict[tuple[Any, ...], int] = {}
    if node is None:
        return found
    found[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found[(*path, key.value)] = key.start_mark.line + 1
            found.update({k: v for k, v in _line_map(value, (*path, key.value)).items() if k != (*path, key.value)})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.update(_line_map(item, (*path, index)))
    return found


def _nearest_line(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int:
    aliases = {"starts": "from", "ends": "to"}
    wanted = tuple(aliases.get(part, part) if isinstance(part, str) else part for part in loc)
    while wanted and wanted not in lines:
        wanted = wanted[:-1]
    return lines.get(wanted, 1)

"""The reduced Bot API specification (``botapi.json``), loaded via :mod:`importlib.resources`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

PRIMITIVES = frozenset({"Integer", "Float", "Boolean", "True", "String", "InputFile"})
ARRAY_PREFIX = "Array of "


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: tuple[FieldSpec, ...]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    name: str
    fields: tuple[FieldSpec, ...]
    subtypes: tuple[str, ...]
    tag: tuple[str, str] | None

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True, eq=False)
class Spec:
    version: str
    release_date: str
    methods: dict[str, MethodSpec]
    types: dict[str, TypeSpec]
    lower_names: dict[str, str]

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, as Telegram does."""
        canonical = self.lower_names.get(name.lower())
        return self.methods[canonical] if canonical else None


def _field_list(raw: list[list[Any]]) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(str(f[0]), tuple(str(t) for t in f[1]), bool(f[2])) for f in raw)


def parse_spec(data: dict[str, Any]) -> Spec:
    methods = {
        name: MethodSpec(name, _field_list(m.get("fields", [])), tuple(m.get("returns", [])))
        for name, m in data["methods"].items()
    }
    types = {}
    for name, t in data["types"].items():
        tag = t.get("tag")
        types[name] = TypeSpec(
            name,
            _field_list(t.get("fields", [])),
            tuple(t.get("subtypes", [])),
            (str(tag[0]), str(tag[1])) if tag else None,
        )
    lower = {name.lower(): name for name in methods}
    return Spec(str(data["version"]), str(data["release_date"]), methods, types, lower)


@cache
def load_spec() -> Spec:
    """Load the bundled reduced spec (works from an installed package, too)."""
    text = resources.files(__package__).joinpath("botapi.json").read_text(encoding="utf-8")
    return parse_spec(json.loads(text))


__all__ = ["ARRAY_PREFIX", "PRIMITIVES", "FieldSpec", "MethodSpec", "Spec", "TypeSpec", "load_spec"]

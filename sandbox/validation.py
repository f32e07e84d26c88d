"""Validate and decode request parameters against the Bot API spec.

Values arrive as strings (query string, urlencoded or multipart form; objects and arrays JSON-encoded),
as JSON values (JSON body) or as file parts. ``coerce_params`` returns the decoded parameters or raises
an :class:`ApiError` with a Telegram-like description.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sandbox.errors import ApiError, bad_request
from sandbox.models import Upload
from sandbox.spec import ARRAY_PREFIX, MethodSpec, Spec, TypeSpec

_INT = re.compile(r"^[+-]?\d+$")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
# Telegram's wording for a few required parameters.
_MISSING_TEXT = {"text": "message text is empty"}


class _Invalid(Exception):
    def __init__(self, path: str, expected: str, *, missing: bool = False, unparsable: bool = False) -> None:
        super().__init__(path)
        self.path = path
        self.expected = expected
        self.missing = missing
        self.unparsable = unparsable

    @property
    def depth(self) -> int:
        return self.path.count(".") + self.path.count("[")


class Validator:
    def __init__(self, spec: Spec, uploads: Mapping[str, Upload]) -> None:
        self.spec = spec
        self.uploads = uploads

    def value(self, value: Any, types: tuple[str, ...], path: str) -> Any:
        """Decode ``value`` as one of ``types``; the first alternative that fits wins."""
        errors: list[_Invalid] = []
        for type_name in types:
            try:
                return self.one(value, type_name, path)
            except _Invalid as exc:
                errors.append(exc)
        nested = [e for e in errors if e.depth > path.count(".") + path.count("[")]
        if nested:
            raise max(nested, key=lambda e: e.depth)
        unparsable = next((e for e in errors if e.unparsable), None)
        raise unparsable or _Invalid(path, " or ".join(types))

    def one(self, value: Any, type_name: str, path: str) -> Any:
        if isinstance(value, Upload):
            if type_name == "InputFile":
                return value
            raise _Invalid(path, type_name)
        if type_name.startswith(ARRAY_PREFIX):
            items = self._json(value, path, type_name)
            if not isinstance(items, list):
                raise _Invalid(path, type_name)
            inner = (type_name[len(ARRAY_PREFIX) :],)
            return [self.value(item, inner, f"{path}[{i}]") for i, item in enumerate(items)]
        scalar = _SCALARS.get(type_name)
        if scalar is not None:
            result = scalar(self, value)
            if result is None:
                raise _Invalid(path, type_name)
            return result
        spec_type = self.spec.types.get(type_name)
        if spec_type is None:
            return value
        if type_name == "KeyboardButton" and isinstance(value, str):
            return {"text": value}
        obj = self._json(value, path, type_name)
        if not isinstance(obj, dict):
            raise _Invalid(path, type_name)
        return self.obj(obj, spec_type, path)

    def obj(self, obj: dict[str, Any], spec_type: TypeSpec, path: str) -> dict[str, Any]:
        if spec_type.subtypes:
            return self._union(obj, spec_type, path)
        if not spec_type.fields:
            return obj
        if spec_type.tag is not None:
            tag_field, tag_value = spec_type.tag
            if obj.get(tag_field) != tag_value:
                raise _Invalid(f"{path}.{tag_field}", f'"{tag_value}"')
        result: dict[str, Any] = {}
        for field in spec_type.fields:
            sub_path = f"{path}.{field.name}"
            if field.name in obj and obj[field.name] is not None:
                result[field.name] = self.value(obj[field.name], field.types, sub_path)
            elif field.required:
                raise _Invalid(sub_path, " or ".join(field.types), missing=True)
        return result

    def _union(self, obj: dict[str, Any], spec_type: TypeSpec, path: str) -> dict[str, Any]:
        members = [self.spec.types[s] for s in spec_type.subtypes if s in self.spec.types]
        tagged = [m for m in members if m.tag is not None]
        if tagged:
            tag_field = tagged[0].tag[0] if tagged[0].tag else "type"
            for member in tagged:
                if member.tag and obj.get(tag_field) == member.tag[1]:
                    return self.obj(obj, member, path)
            allowed = ", ".join(f'"{m.tag[1]}"' for m in tagged if m.tag)
            raise _Invalid(f"{path}.{tag_field}", f"one of {allowed}")
        return dict(self.value(obj, tuple(m.name for m in members), path))

    def _json(self, value: Any, path: str, type_name: str) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise _Invalid(path, type_name, unparsable=True) from None


def _integer(_: Validator, value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip())
    return None


def _float(_: Validator, value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _boolean(_: Validator, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return None


def _string(_: Validator, value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _input_file(validator: Validator, value: Any) -> Upload | None:
    if isinstance(value, str) and value.startswith("attach://"):
        return validator.uploads.get(value[len("attach://") :])
    return None


_SCALARS = {
    "Integer": _integer,
    "Float": _float,
    "Boolean": _boolean,
    "True": _boolean,
    "String": _string,
    "InputFile": _input_file,
}


def _describe(exc: _Invalid, method: str, top: str) -> str:
    if exc.path == top:
        if exc.missing:
            return _MISSING_TEXT.get(top, f'parameter "{top}" is required')
        if exc.unparsable:
            return f"can't parse {top} JSON object"
        return f'field "{top}" must be {_kind(exc.expected)}'
    if exc.missing:
        return f'can\'t parse {top}: field "{exc.path}" is required'
    return f'can\'t parse {top}: field "{exc.path}" must be {_kind(exc.expected)}'


def _kind(expected: str) -> str:
    return expected if expected.startswith(("one of", '"')) else f"of type {expected}"


def coerce_params(
    spec: Spec, method: MethodSpec, raw: Mapping[str, Any], uploads: Mapping[str, Upload]
) -> dict[str, Any]:
    """Decode all known parameters of ``method``; unknown parameters are ignored, as by Telegram."""
    validator = Validator(spec, uploads)
    result: dict[str, Any] = {}
    for field in method.fields:
        value = raw.get(field.name)
        if value is None or (value == "" and not field.required and "String" not in field.types):
            if field.required:
                raise bad_request(_describe(_Invalid(field.name, "", missing=True), method.name, field.name))
            continue
        try:
            result[field.name] = validator.value(value, field.types, field.name)
        except _Invalid as exc:
            raise bad_request(_describe(exc, method.name, field.name)) from None
    return result


def decode_for_log(spec: Spec, method: MethodSpec | None, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Best-effort decoding of the raw parameters for :class:`Call` records (never raises)."""
    validator = Validator(spec, {})
    types = {f.name: f.types for f in method.fields} if method else {}
    result: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, Upload):
            result[key] = value.describe()
            continue
        try:
            result[key] = validator.value(value, types[key], key) if key in types else value
        except (_Invalid, ApiError):
            result[key] = value
    return result


def check_object(spec: Spec, type_name: str, obj: Any) -> str | None:
    """Check an outgoing object against the spec; return a problem description or None (tests use it)."""
    try:
        Validator(spec, {}).value(obj, (type_name,), type_name)
    except _Invalid as exc:
        return f"{exc.path}: {'missing' if exc.missing else 'expected ' + exc.expected}"
    return None

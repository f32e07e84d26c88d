"""Method handler registry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.models import Upload
from sandbox.state import State


@dataclass
class Ctx:
    """Everything a method handler gets: the world, decoded parameters and the uploaded file parts."""

    state: State
    params: dict[str, Any]
    uploads: Mapping[str, Upload]


Handler = Callable[[Ctx], Awaitable[Any]]
REGISTRY: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under the canonical (spec) method names."""

    def register(handler: Handler) -> Handler:
        for name in names:
            REGISTRY[name] = handler
        return handler

    return register

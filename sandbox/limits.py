"""Telegram's flood limits: a token bucket per private chat, a rolling minute per group, a rolling
second for the whole bot. Exceeding one answers 429 with ``retry_after``."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Limits:
    enabled: bool = True
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    group_per_minute: int = 20
    global_per_second: int = 30


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    limits: Callable[[], Limits]
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[int, _Bucket] = field(default_factory=dict)
    _groups: dict[int, deque[float]] = field(default_factory=dict)
    _global: deque[float] = field(default_factory=deque)

    def acquire(self, chat_id: int, is_group: bool) -> int | None:
        """Count one message to ``chat_id``; return None if allowed, else the seconds to wait."""
        limits = self.limits()
        if not limits.enabled:
            return None
        now = self.clock()
        waits = [self._global_wait(limits, now)]
        bucket: _Bucket | None = None
        if is_group:
            waits.append(self._group_wait(chat_id, limits, now))
        else:
            bucket = self._bucket(chat_id, limits, now)
            if bucket.tokens < 1.0:
                rate = max(limits.per_chat_per_second, 1e-9)
                waits.append((1.0 - bucket.tokens) / rate)
        wait = max(w for w in waits if w is not None) if any(w is not None for w in waits) else None
        if wait is not None:
            return max(1, math.ceil(wait - 1e-9))
        self._global.append(now)
        if is_group:
            self._groups.setdefault(chat_id, deque()).append(now)
        elif bucket is not None:
            bucket.tokens -= 1.0
        return None

    def reset(self) -> None:
        self._buckets.clear()
        self._groups.clear()
        self._global.clear()

    def _bucket(self, chat_id: int, limits: Limits, now: float) -> _Bucket:
        bucket = self._buckets.get(chat_id)
        burst = float(max(limits.per_chat_burst, 1))
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * limits.per_chat_per_second)
        bucket.updated = now
        return bucket

    def _global_wait(self, limits: Limits, now: float) -> float | None:
        return _window_wait(self._global, limits.global_per_second, 1.0, now)

    def _group_wait(self, chat_id: int, limits: Limits, now: float) -> float | None:
        return _window_wait(self._groups.setdefault(chat_id, deque()), limits.group_per_minute, 60.0, now)


def _window_wait(stamps: deque[float], allowed: int, window: float, now: float) -> float | None:
    while stamps and stamps[0] <= now - window:
        stamps.popleft()
    if len(stamps) < max(allowed, 1):
        return None
    return stamps[len(stamps) - max(allowed, 1)] + window - now

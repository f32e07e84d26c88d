"""Telegram's sending limits, kept on our side so that we are not answered with 429 in the first place.

Token buckets: each private chat may burst a few messages, then about one a second; the staff group twenty a
minute; the whole bot thirty a second. A 429 that still comes pauses the chat (or everything) for retry_after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.delivery.outgoing import STAFF_LANE


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float = -1.0
    stamp: float = field(default=0.0)

    def _refill(self, now: float) -> None:
        if self.tokens < 0:
            self.tokens, self.stamp = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


class Pacer:
    def __init__(
        self,
        per_chat_per_second: float,
        per_chat_burst: int,
        group_per_minute: int,
        global_per_second: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._chat = (per_chat_per_second, float(per_chat_burst))
        self._group = (group_per_minute / 60.0, float(group_per_minute))
        self._global = TokenBucket(float(global_per_second), float(global_per_second))
        self._lanes: dict[str, TokenBucket] = {}
        self._paused_until: dict[str, float] = {}
        self._clock = clock

    def _bucket(self, lane: str) -> TokenBucket:
        bucket = self._lanes.get(lane)
        if bucket is None:
            rate, capacity = self._group if lane == STAFF_LANE else self._chat
            bucket = self._lanes[lane] = TokenBucket(rate, capacity)
        return bucket

    def wait_time(self, lane: str) -> float:
        """Seconds until one message may go to this lane (0 when it may go now)."""
        now = self._clock()
        paused = max(self._paused_until.get(lane, 0.0), self._paused_until.get("*", 0.0)) - now
        return max(paused, self._bucket(lane).wait_time(now), self._global.wait_time(now), 0.0)

    def take(self, lane: str) -> None:
        now = self._clock()
        self._bucket(lane).take(now)
        self._global.take(now)

    def pause(self, lane: str, seconds: float) -> None:
        """After a 429: nothing to this lane ('*' for all) for that long."""
        until = self._clock() + seconds
        self._paused_until[lane] = max(self._paused_until.get(lane, 0.0), until)

    def forget_idle(self, max_lanes: int = 10_000) -> None:
        """Keep memory bounded: full buckets carry no information and can be dropped."""
        if len(self._lanes) > max_lanes:
            now = self._clock()
            for lane in [k for k, b in self._lanes.items() if b.wait_time(now) == 0 and b.tokens >= b.capacity]:
                del self._lanes[lane]


def retry_seconds(value: object) -> float:
    """retry_after as PTB reports it (seconds, or a timedelta in newer versions) in seconds."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]

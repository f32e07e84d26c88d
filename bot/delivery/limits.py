"""Telegram's sending limits, kept on our side so that we are not answered with 429 in the first place.

Each private chat may burst a few messages, then about one a second (a token bucket); the staff group at most
twenty in any minute, the whole bot at most thirty in any second (sliding windows: a bucket of twenty that
refills at one every three seconds would allow a twenty-first message within the same minute, which Telegram
refuses). A send is counted when its answer has come back: Telegram counted it before answering, so our count
is never earlier than Telegram's, however long the request took. A 429 that still comes pauses the chat (or
everything) for retry_after. Broadcasts (bus announcements) have a budget of their own within the bot's overall
one (BROADCAST_PER_SECOND), so that a broadcast can be kept slower than everything else.
"""

from __future__ import annotations

import time
from collections import deque
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

    def allowance(self, now: float) -> int:
        self._refill(now)
        return max(int(self.tokens), 0)


@dataclass
class SlidingWindow:
    """At most `allowed` sends in any `window` seconds."""

    allowed: int
    window: float
    stamps: deque[float] = field(default_factory=deque)

    def _expire(self, now: float) -> None:
        while self.stamps and self.stamps[0] <= now - self.window:
            self.stamps.popleft()

    def wait_time(self, now: float) -> float:
        self._expire(now)
        if len(self.stamps) < self.allowed:
            return 0.0
        return max(0.0, self.stamps[len(self.stamps) - self.allowed] + self.window - now)

    def take(self, now: float) -> None:
        self._expire(now)
        self.stamps.append(now)

    def allowance(self, now: float) -> int:
        """How many may go now."""
        self._expire(now)
        return max(self.allowed - len(self.stamps), 0)

    def idle(self, now: float) -> bool:
        self._expire(now)
        return not self.stamps


class Pacer:
    def __init__(
        self,
        per_chat_per_second: float,
        per_chat_burst: int,
        group_per_minute: int,
        global_per_second: int,
        broadcast_per_second: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._chat = (per_chat_per_second, float(per_chat_burst))
        self._group_per_minute = max(group_per_minute, 1)
        self._global = SlidingWindow(max(global_per_second, 1), 1.0)
        self._broadcast = SlidingWindow(max(broadcast_per_second or global_per_second, 1), 1.0)
        self._lanes: dict[str, TokenBucket | SlidingWindow] = {}
        self._paused_until: dict[str, float] = {}
        self._clock = clock

    def _limit(self, lane: str) -> TokenBucket | SlidingWindow:
        limit = self._lanes.get(lane)
        if limit is None:
            group = lane == STAFF_LANE
            limit = SlidingWindow(self._group_per_minute, 60.0) if group else TokenBucket(*self._chat)
            self._lanes[lane] = limit
        return limit

    def wait_time(self, lane: str, broadcast: bool = False) -> float:
        """Seconds until one message may go to this lane (0 when it may go now); a broadcast also waits for the
        broadcasts' own budget."""
        now = self._clock()
        wait = max(self.budget_wait_time(lane), self._global.wait_time(now))
        return max(wait, self._broadcast.wait_time(now)) if broadcast else wait

    def budget_wait_time(self, lane: str) -> float:
        """Seconds until this lane's own budget (or a 429's pause) lets one message go, leaving aside the bot's
        overall limit (which frees up within a second)."""
        now = self._clock()
        return max(self._paused(lane) - now, self._limit(lane).wait_time(now), 0.0)

    def allowance(self, lane: str) -> int:
        """How many messages may go to this lane now, one after the other (a copyMessages counts each message it
        makes); not broadcasts."""
        now = self._clock()
        if self._paused(lane) > now:
            return 0
        return min(self._limit(lane).allowance(now), self._global.allowance(now))

    def _paused(self, lane: str) -> float:
        """Until when a 429 paused this lane, or everything (0: never)."""
        return max(self._paused_until.get(lane, 0.0), self._paused_until.get("*", 0.0))

    def take(self, lane: str, broadcast: bool = False, count: int = 1) -> None:
        """Count messages to this lane; call it when Telegram has answered the send."""
        now = self._clock()
        for _ in range(count):
            self._limit(lane).take(now)
            self._global.take(now)
            if broadcast:
                self._broadcast.take(now)

    def pause(self, lane: str, seconds: float) -> None:
        """After a 429: nothing to this lane ('*' for all) for that long."""
        until = self._clock() + seconds
        self._paused_until[lane] = max(self._paused_until.get(lane, 0.0), until)

    def forget_idle(self, max_lanes: int = 10_000) -> None:
        """Keep memory bounded: full buckets and empty windows carry no information and can be dropped."""
        if len(self._lanes) > max_lanes:
            now = self._clock()
            for lane in [k for k, limit in self._lanes.items() if _idle(limit, now)]:
                del self._lanes[lane]


def _idle(limit: TokenBucket | SlidingWindow, now: float) -> bool:
    if isinstance(limit, SlidingWindow):
        return limit.idle(now)
    return limit.wait_time(now) == 0 and limit.tokens >= limit.capacity


def retry_seconds(value: object) -> float:
    """retry_after as PTB reports it (seconds, or a timedelta in newer versions) in seconds."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]

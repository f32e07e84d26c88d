"""How fast a young person may write to the team: a token bucket per person, as plain functions.

Everyone may send a burst (FLOOD_BURST messages) at once; after that the bucket refills at FLOOD_PER_MINUTE.
What comes faster is not lost: it is *held back and passed on later*, one message per refill, so the team reads
it at a pace they can follow and other young people's messages go first. Only a backlog that would take longer
than FLOOD_MAX_DELAY_SECONDS to pass on is not passed on at all. The person is told once per flood, in their
language: first that their messages will arrive a little later, then (if it comes to that) that the last ones
were not passed on and should be sent again later. A flood is over when the bucket is full again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum


class Told(IntEnum):
    NOTHING = 0
    SLOWER = 1  # "your messages arrive a little later"
    NOT_PASSED_ON = 2  # "the last ones were not passed on"


@dataclass(frozen=True)
class Limits:
    burst: int
    per_minute: float
    max_delay: float  # seconds

    @property
    def rate(self) -> float:
        return self.per_minute / 60.0


@dataclass(frozen=True)
class Bucket:
    tokens: float  # below zero: that many messages are already held back
    at: datetime
    told: Told = Told.NOTHING


@dataclass(frozen=True)
class Verdict:
    bucket: Bucket  # to store
    delay: float | None  # seconds to hold this message back (0: at once); None: not passed on
    tell: Told | None = None  # a notice to send now


def full(limits: Limits, now: datetime) -> Bucket:
    return Bucket(float(limits.burst), now)


def refill(bucket: Bucket, limits: Limits, now: datetime) -> Bucket:
    elapsed = max((now - bucket.at).total_seconds(), 0.0)
    tokens = min(float(limits.burst), bucket.tokens + elapsed * limits.rate)
    told = Told.NOTHING if tokens >= limits.burst else bucket.told  # a full bucket: the flood is over
    return Bucket(tokens, now, told)


def admit(bucket: Bucket | None, limits: Limits, now: datetime) -> Verdict:
    """One message: at once, later, or not at all, and what to tell the person."""
    current = refill(bucket, limits, now) if bucket is not None else full(limits, now)
    if current.tokens >= 1:
        return Verdict(replace(current, tokens=current.tokens - 1), 0.0)
    delay = (1 - current.tokens) / limits.rate  # when the bucket would have a whole token for this one
    if delay > limits.max_delay:
        tell = Told.NOT_PASSED_ON if current.told < Told.NOT_PASSED_ON else None
        return Verdict(replace(current, told=max(current.told, Told.NOT_PASSED_ON)), None, tell)
    tell = Told.SLOWER if current.told < Told.SLOWER else None
    return Verdict(replace(current, tokens=current.tokens - 1, told=max(current.told, Told.SLOWER)), delay, tell)

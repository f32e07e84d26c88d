"""The flood limit as plain functions (bot.flood), and the staff group's fair order (bot.delivery.sender)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.delivery.outgoing import STAFF_LANE
from bot.delivery.sender import fair_order
from bot.flood import Bucket, Limits, Told, admit
from storage.outbox import OutboxRow

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LIMITS = Limits(burst=3, per_minute=6, max_delay=25)  # one message every 10 s after the burst


def run(times: list[float], limits: Limits = LIMITS) -> list[tuple[float | None, Told | None]]:
    bucket: Bucket | None = None
    out = []
    for t in times:
        verdict = admit(bucket, limits, T0 + timedelta(seconds=t))
        bucket = verdict.bucket
        out.append((verdict.delay, verdict.tell))
    return out


def test_a_burst_goes_at_once_then_messages_are_held_back_at_the_pace_then_refused() -> None:
    got = run([0.0] * 8)
    assert got[:3] == [(0.0, None)] * 3
    assert got[3] == (10.0, Told.SLOWER)  # told once
    assert got[4] == (20.0, None)
    assert got[5] == (None, Told.NOT_PASSED_ON)  # it would wait 30 s, more than 25
    assert got[6:] == [(None, None), (None, None)]  # told once, too


def test_held_back_messages_go_one_per_refill_and_keep_their_order() -> None:
    delays = [d for d, _ in run([0.0, 0.0, 0.0, 0.0, 0.0])]
    assert delays == [0.0, 0.0, 0.0, 10.0, 20.0]


def test_writing_at_the_pace_is_never_held_back() -> None:
    assert all(delay == 0.0 for delay, _ in run([10.0 * i for i in range(20)]))


def test_a_full_bucket_ends_the_flood_and_the_next_flood_is_told_again() -> None:
    first = run([0.0] * 5)
    assert [t for _, t in first].count(Told.SLOWER) == 1
    again = run([0.0] * 5 + [100.0] * 5)  # 100 s later the bucket is full again
    assert [t for _, t in again].count(Told.SLOWER) == 2


def test_time_running_backwards_does_not_refill() -> None:
    bucket = Bucket(0.0, T0)
    assert admit(bucket, LIMITS, T0 - timedelta(hours=1)).delay == 10.0


def row(row_id: int, case_id: int | None, lane: str = STAFF_LANE, priority: int = 10) -> OutboxRow:
    return OutboxRow(row_id, priority, lane, "copyMessage", b"", None, 0, case_id)


def test_the_case_served_longest_ago_goes_first_and_a_case_keeps_its_order() -> None:
    flood = [row(i, case_id=1) for i in range(1, 30)]
    other = row(30, case_id=2)
    served = {1: 7}  # case 1 has just had a message go out; case 2 never
    ordered = sorted([*flood, other], key=lambda r: fair_order(r, served))
    assert ordered[0] is other
    assert [r.id for r in ordered[1:]] == list(range(1, 30))
    served = {1: 7, 2: 8}  # now case 2 went last: case 1 is next
    assert sorted([*flood, other], key=lambda r: fair_order(r, served))[0].id == 1


def test_more_urgent_messages_and_other_chats_keep_the_plain_order() -> None:
    urgent = row(50, case_id=1, priority=0)
    private = row(3, case_id=1, lane="p:abc")
    ordered = sorted([row(1, 1), row(2, 2), private, urgent], key=lambda r: fair_order(r, {1: 5}))
    assert ordered[0] is urgent
    assert [r.id for r in ordered[1:]] == [2, 3, 1]

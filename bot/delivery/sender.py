"""The sender: one task that drains the outbox within Telegram's limits, most urgent first.

Within a chat, messages go in the order they were written. A 429 pauses that chat (or all sending) for
retry_after; 403 means the person blocked the bot: the contact is marked unreachable, what was waiting for them
is dropped, and the team is told in the case topic. When the staff group's budget (20 a minute) is used up,
pending texts of one case are combined into one message instead of queueing for minutes. A crash between
sending and recording means one message may go twice, never zero times.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from enum import Enum
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.delivery.limits import Pacer, retry_seconds
from bot.delivery.outgoing import COMBINABLE_KEY, MESSAGE_CREATING, STAFF_LANE, Priority, materialise
from bot.delivery.results import Recorder
from bot.delivery.shown import ShownMessages
from bot.relaying import utf16_len
from bot.services import Services
from storage import outbox

log = logging.getLogger(__name__)

HARMLESS = ("message is not modified",)
TOPIC_GONE = ("topic_id_invalid", "thread not found", "topic not found", "topic_deleted")  # deleting it again
TEXT_LIMIT = 4096


class Outcome(Enum):
    DONE = "done"  # sent, or settled for good (refused, unreachable) or for later (a topic to retry)
    LANE_WAITS = "lane waits"  # 429 or a network error: nothing more to this chat for now
    NO_TOPIC = "no topic"  # its case topic does not exist yet: that case waits, the rest of the group goes on


class Sender:
    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
        self._app = app
        self._services = services
        s = services.settings
        self.pacer = Pacer(
            s.rate_per_chat_per_second,
            s.rate_per_chat_burst,
            s.rate_group_per_minute,
            s.rate_global_per_second,
            broadcast_per_second=s.broadcast_per_second,
        )
        self._recorder = Recorder(services)
        self.shown = ShownMessages()  # what recent messages show: edits that change nothing are not sent
        self._wake = asyncio.Event()
        self._stopping = False
        self.sent = 0
        self._served: dict[int, int] = {}  # case id → the turn its last message into the staff group went
        self._turns = itertools.count(1)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the message in hand, then return from run_forever (a graceful stop sends nothing twice)."""
        self._stopping = True
        self._wake.set()

    async def run_forever(self) -> None:
        while not self._stopping:
            self._wake.clear()
            wait = await self.drain_once()
            if wait is None or wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=min(wait or 1.0, 1.0))

    async def drain_once(self) -> float | None:
        """Send what may go now. Returns seconds until something else may go (None: nothing waits)."""
        async with self._services.reads() as session:
            rows = await outbox.due(session, per_case_lanes=(STAFF_LANE,))
        if not rows:
            return None
        rows.sort(key=lambda row: fair_order(row, self._served))
        blocked: set[str] = set()
        without_topic: set[int] = set()  # cases whose topic does not exist yet: only they wait, not the group
        soonest: float | None = None
        progressed = False
        copied: set[int] = set()  # rows that went with an earlier one of their case (copyMessages)
        for index, row in enumerate(rows):
            if self._stopping:
                return None
            if row.id in copied:
                continue
            if row.lane in blocked or (row.case_id in without_topic and row.method != "createForumTopic"):
                continue
            wait = self.pacer.wait_time(row.lane, _broadcast(row)) if row.method in MESSAGE_CREATING else 0.0
            if wait > 0 and self.pacer.budget_wait_time(row.lane) == 0:
                # Only the bot's overall second (or the broadcasts' own budget) is used up, which frees within a
                # second: waiting here keeps the batch in hand, where querying it again for each message would cost
                # more than the message (a broadcast then falls short of its rate). Anything written meanwhile wakes
                # the sender, which then starts again with the most urgent.
                if not await self._wait_in_batch(wait):
                    return 0.0
                wait = self.pacer.wait_time(row.lane, _broadcast(row))
            if wait > 0:
                blocked.add(row.lane)
                soonest = wait if soonest is None else min(soonest, wait)
                if row.lane == STAFF_LANE and self.pacer.budget_wait_time(STAFF_LANE) > 0:
                    await self._combine_staff_backlog()  # the group's budget, not just this second's, is used up
                continue
            run = relayed_run(rows, index)
            if len(run) > 1:
                outcome, settled = await self._send_copies(run)
                copied.update(r.id for r in run[1:settled])
            else:
                outcome = await self._send(row)
            if outcome is Outcome.DONE and row.lane == STAFF_LANE and row.case_id is not None:
                self._served[row.case_id] = next(self._turns)
            if outcome is Outcome.NO_TOPIC and row.case_id is not None:
                without_topic.add(row.case_id)
            elif outcome is Outcome.LANE_WAITS:
                blocked.add(row.lane)
                soonest = 0.05 if soonest is None else min(soonest, 0.05)
            else:
                progressed = True
        self.pacer.forget_idle()
        if soonest is None:  # again at once while sending goes on; rows waiting for a topic are no reason to spin
            return 0.0 if progressed else 1.0
        return soonest

    async def _wait_in_batch(self, seconds: float) -> bool:
        """Wait for the rate limit to free up; False when woken first (new messages, or a stop) instead."""
        if self._wake.is_set():
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        return not self._wake.is_set()

    async def _send(self, row: outbox.OutboxRow) -> Outcome:
        """Send one row and record the outcome."""
        params = self._params(row)
        params.pop(COMBINABLE_KEY, None)
        if not await self._recorder.resolve(row, params):
            return Outcome.NO_TOPIC
        if self.shown.unchanged(row.method, params):  # Telegram would refuse it: "message is not modified"
            await self._recorder.sent(row, None)
            return Outcome.DONE
        try:
            result = await self._call(row, params)
        except RetryAfter as exc:
            seconds = retry_seconds(exc.retry_after)
            self.pacer.pause(row.lane, seconds)
            await self._recorder.retry_later(row, seconds, "429")
            return Outcome.LANE_WAITS
        except Forbidden:
            await self._recorder.unreachable(row)
            return Outcome.DONE
        except BadRequest as exc:
            gone = row.method == "deleteForumTopic" and any(g in exc.message.lower() for g in TOPIC_GONE)
            if gone or any(h in exc.message for h in HARMLESS):
                self.shown.record(row.method, params, None)
                await self._recorder.sent(row, None)
            else:
                log.warning("Telegram refused %s: %s", row.method, exc.message)
                await self._recorder.refused(row, exc.message)
            return Outcome.DONE
        except (TimedOut, NetworkError) as exc:
            await self._recorder.retry_later(row, _backoff(row), type(exc).__name__)
            return Outcome.LANE_WAITS
        self.shown.record(row.method, params, result)
        await self._recorder.sent(row, result)
        self.sent += 1
        return Outcome.DONE

    async def _send_copies(self, run: list[outbox.OutboxRow]) -> tuple[Outcome, int]:
        """A young person's waiting texts into their topic with one copyMessages instead of one call each (under
        load: the call is most of what a relayed message costs). Returns the outcome and how many of the run went.

        Only plain texts go together, as many as the limits allow now: copyMessages makes them as single copies
        would, but skips what it cannot copy without saying which. Anything else of the run goes by itself. When
        Telegram refuses the call, the first message goes alone, to get its own answer (and its own handling).
        """
        waiting = [self._params(row) for row in run[: self.pacer.allowance(STAFF_LANE)]]
        together = plain_copies(waiting)
        if together < 2:
            return await self._send(run[0]), 1
        first, rows = waiting[0], run[:together]
        if not await self._recorder.resolve(rows[0], first):
            return Outcome.NO_TOPIC, 0
        call = {
            "chat_id": first["chat_id"],
            "message_thread_id": first["message_thread_id"],
            "from_chat_id": first["from_chat_id"],
            "message_ids": [params["message_id"] for params in waiting[:together]],
        }
        try:
            result = await self._call(rows[0], call, "copyMessages", together)
        except RetryAfter as exc:
            seconds = retry_seconds(exc.retry_after)
            self.pacer.pause(STAFF_LANE, seconds)
            for row in rows:
                await self._recorder.retry_later(row, seconds, "429")
            return Outcome.LANE_WAITS, 0
        except (BadRequest, Forbidden):
            return await self._send(rows[0]), 1
        except (TimedOut, NetworkError) as exc:  # (after BadRequest, which is a NetworkError in PTB)
            for row in rows:
                await self._recorder.retry_later(row, _backoff(row), type(exc).__name__)
            return Outcome.LANE_WAITS, 0
        await self._recorder.copied(rows, [int(m["message_id"]) for m in result] if isinstance(result, list) else [])
        self.sent += together
        return Outcome.DONE, together

    def _params(self, row: outbox.OutboxRow) -> dict[str, Any]:
        params: dict[str, Any] = json.loads(self._services.keyring.decrypt(row.payload_enc))
        return params

    async def _call(
        self, row: outbox.OutboxRow, params: dict[str, Any], method: str | None = None, messages: int = 1
    ) -> Any:
        """Make the call (the row's, or `method` making `messages` messages in the row's lane). A message counts
        against the limits once Telegram has answered: Telegram counted it before answering, so we never count it
        earlier than Telegram did, however long the request took. A 429 was not counted; a lost answer may have
        been, so it is."""
        method = method or row.method
        refused = False
        try:
            return await self._app.bot.do_api_request(method, materialise(params))
        except RetryAfter:
            refused = True
            raise
        finally:
            if method in MESSAGE_CREATING and not refused:
                self.pacer.take(row.lane, _broadcast(row), messages)

    async def _combine_staff_backlog(self) -> None:
        """The group's budget is used up: merge each case's waiting texts into as few messages as fit."""
        keyring = self._services.keyring
        async with self._services.loops() as session, session.begin():
            pending = await outbox.pending_in_lane(session, STAFF_LANE)
            rows = [(row, self._params(row) if row.case_id else {}) for row in pending]
            for run in combinable_runs(rows):
                for group in _fitting_groups(run):
                    if len(group) < 2:
                        continue
                    first, params = group[0]
                    text = "\n\n".join(str(p[COMBINABLE_KEY]) for _r, p in group)
                    combined = {"chat_id": params["chat_id"], "text": text, COMBINABLE_KEY: text}
                    payload = keyring.encrypt(json.dumps(combined, ensure_ascii=False).encode())
                    await outbox.merge(session, first, payload, [r.id for r, _p in group[1:]])
                    log.info("combined %d waiting messages of one case into one", len(group))


def fair_order(row: outbox.OutboxRow, served: dict[int, int]) -> tuple[int, int, int]:
    """Most urgent first; in the staff group, among equally urgent messages, the case served longest ago first
    (never served: first of all), so that one young person writing a lot never delays the others. A case's own
    messages keep their order. `served`: case id → the turn its last message into the group went."""
    turn = served.get(row.case_id, 0) if row.lane == STAFF_LANE and row.case_id is not None else 0
    return row.priority, turn, row.id


Waiting = tuple[outbox.OutboxRow, dict[str, Any]]

COPIES_AT_ONCE = 100  # copyMessages takes 1 to 100 messages of one chat
PLAIN_COPY = frozenset({"chat_id", "from_chat_id", "message_id", COMBINABLE_KEY})  # a text, not a reply


def relayed_run(rows: list[outbox.OutboxRow], start: int) -> list[outbox.OutboxRow]:
    """rows[start] and, when it is a young person's message relayed into their topic, the messages of the same case
    that follow it in sending order, as long as each of them is relayed too (a card, an edit or the topic being
    closed ends the run: the team must read it in its place). Rows of other cases in between go to other topics."""
    first = rows[start]
    if not _relayed(first):
        return [first]
    run = [first]
    for row in rows[start + 1 :]:
        if len(run) == COPIES_AT_ONCE:
            break
        if row.case_id == first.case_id:
            if not _relayed(row) or row.priority != first.priority:
                break
            run.append(row)
    return run


def _relayed(row: outbox.OutboxRow) -> bool:
    return row.method == "copyMessage" and row.kind == "relay_in" and row.lane == STAFF_LANE and row.case_id is not None


def plain_copies(waiting: list[dict[str, Any]]) -> int:
    """How many of a run's first messages can go in one copyMessages: plain texts (what copyMessages can always
    copy), from one chat, in the order they were written there."""
    for count, params in enumerate(waiting):
        if not (COMBINABLE_KEY in params and params.keys() <= PLAIN_COPY):
            return count
        before = waiting[count - 1]
        if count and (params["from_chat_id"] != before["from_chat_id"] or params["message_id"] <= before["message_id"]):
            return count
    return len(waiting)


def _backoff(row: outbox.OutboxRow) -> float:
    """Seconds before a row whose call failed on the network is tried again."""
    return min(2.0 ** min(row.attempts, 6), 60.0)


def _broadcast(row: outbox.OutboxRow) -> bool:
    """Bus announcements and day-before notes: within BROADCAST_PER_SECOND as well as the overall limit."""
    return row.priority >= Priority.BROADCAST


def combinable_runs(rows: list[Waiting]) -> list[list[Waiting]]:
    """Per case, the runs of waiting texts that no other message of the same case separates.

    The combined text takes the place of the run's first text, so a run must not reach across a photo, an edit
    or the topic being closed: the team would read the later text before them. Messages of other cases go to
    other topics and do not break a run.
    """
    runs: dict[int, list[list[Waiting]]] = {}
    for row, params in rows:
        if row.case_id is None:
            continue
        case_runs = runs.setdefault(row.case_id, [[]])
        if COMBINABLE_KEY in params:
            case_runs[-1].append((row, params))
        elif case_runs[-1]:
            case_runs.append([])
    return [run for case_runs in runs.values() for run in case_runs if len(run) > 1]


def _fitting_groups(rows: list[Waiting]) -> list[list[Waiting]]:
    """Consecutive parts of a run whose combination stays within Telegram's 4096 characters."""
    groups: list[list[Waiting]] = [[]]
    length = 0
    for row, params in rows:
        size = utf16_len(str(params[COMBINABLE_KEY])) + 2  # Telegram counts UTF-16 code units
        if groups[-1] and length + size > TEXT_LIMIT:
            groups.append([])
            length = 0
        groups[-1].append((row, params))
        length += size
    return groups

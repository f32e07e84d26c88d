"""A young person's texts that wait for the sender together (under load, or while the bot was down) go into their
case topic with one copyMessages: in the order written, each copy known in its place (the team's answers to any of
them quote the right message), and never across a photo or an edit, which go by themselves in their place."""

from __future__ import annotations

import pytest
from handoff_helpers import STAFF_NAME, case_messages, case_of_topic, no_forwards, open_case, text_of, wait_topic_text
from test_intake import wait_text

from bot.delivery.outgoing import COMBINABLE_KEY, STAFF_LANE, Priority, private_lane
from bot.delivery.sender import plain_copies, relayed_run
from bot.runtime import BotRuntime
from bot.settings import Settings
from sandbox import Emulator
from storage.outbox import OutboxRow

pytestmark = pytest.mark.usefixtures("never_forwards")


async def test_texts_that_wait_together_go_in_one_copy_and_keep_their_places(
    settings: Settings, emulator: Emulator, staff_group, worker
) -> None:
    user = emulator.add_user(first_name="Amira", language_code="en")
    async with BotRuntime(settings):
        thread = await open_case(emulator, user, staff_group)
    # Written while the bot is down: it finds them all at once when it is back.
    texts = [f"while you were away {n}" for n in range(5)]
    originals = [user.send_text(text) for text in texts]
    user.send_photo(caption="the letter")
    after = [user.send_text("after the photo"), user.send_text("last one")]

    async with BotRuntime(settings) as bot:
        await wait_topic_text(emulator, staff_group, thread, "last one")
        together = [c.params for c in emulator.calls_to("copyMessages") if c.status == 200]
        assert [p["message_ids"] for p in together] == [
            [m["message_id"] for m in originals],
            [m["message_id"] for m in after],
        ], "the five texts with one call, the photo by itself, the two after it with one call"
        assert {p["message_thread_id"] for p in together} == {thread}

        in_topic = [text_of(m) for m in staff_group.messages(thread_id=thread)]
        written = [*texts, "the letter", "after the photo", "last one"]
        assert [t for t in in_topic if t in written] == written, "in the order written"

        case = await case_of_topic(bot, thread)
        copies = {text_of(m): m["message_id"] for m in staff_group.messages(thread_id=thread)}
        entries = {e.youth_message_id: e.staff_message_id for e in await case_messages(bot, case.id)}
        for original, text in zip(originals, texts, strict=True):
            assert entries[original["message_id"]] == copies[text], "each copy is known in its place"

        # The team answers the third copy: the young person sees the answer quoting their third text.
        worker.reply_to(copies[texts[2]], "We read it", chat=staff_group)
        answer = await wait_text(emulator, user, "We read it")
        assert answer["text"].startswith(f"{STAFF_NAME}:")
        assert answer["reply_to_message"]["message_id"] == originals[2]["message_id"]
    no_forwards(emulator)


def _row(row_id: int, case_id: int, method: str = "copyMessage", kind: str = "relay_in") -> OutboxRow:
    return OutboxRow(row_id, int(Priority.RELAY), STAFF_LANE, method, b"", None, 0, case_id, row_id, kind)


def test_a_run_is_one_cases_relayed_messages_until_anything_else_of_that_case() -> None:
    rows = [
        _row(1, 7),
        _row(2, 8),  # another case, another topic: no reason to stop
        _row(3, 7),
        _row(4, 7, "sendMessage", "relay_in"),  # an edit, marked as such: the team must read it in its place
        _row(5, 7),
    ]
    assert [r.id for r in relayed_run(rows, 0)] == [1, 3]
    assert [r.id for r in relayed_run(rows, 4)] == [5]
    card = _row(9, 7, "sendMessage", "card")
    assert relayed_run([card, *rows], 0) == [card]
    private = OutboxRow(
        10, int(Priority.RELAY), private_lane("k" * 64), "copyMessage", b"", None, 0, 7, None, "relay_in"
    )
    assert relayed_run([private, *rows], 0) == [private], "only copies into the case topic go together"


def test_only_plain_texts_of_one_chat_in_their_order_go_together() -> None:
    def text(message_id: int, **extra: object) -> dict[str, object]:
        return {"chat_id": -100, "from_chat_id": 42, "message_id": message_id, COMBINABLE_KEY: "hi", **extra}

    assert plain_copies([text(1), text(2), text(5)]) == 3
    assert plain_copies([text(1), text(2), {"chat_id": -100, "from_chat_id": 42, "message_id": 3}]) == 2, "a photo"
    assert plain_copies([text(1), text(2, reply_parameters={"message_id": 9})]) == 1, "a reply keeps its quote"
    assert plain_copies([text(2), text(1)]) == 1, "copyMessages takes them in increasing order only"
    assert plain_copies([text(1), text(2, from_chat_id=43)]) == 1
    assert plain_copies([{"chat_id": -100, "from_chat_id": 42, "message_id": 3}]) == 0

"""The emulated world saved to a file and read back (the local demo keeps it over a restart)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_testkit import TOKEN

from sandbox import Emulator, EmulatorConfig, persist


def world() -> Emulator:
    emu = Emulator(EmulatorConfig(token=TOKEN, seed=3))
    sam = emu.add_user("Sam", language_code="de")
    amira = emu.add_user("Amira", language_code="ar")
    group = emu.add_forum_group("Team", creator=sam)
    group.create_topic("K-1 · ar", by=sam)
    amira.send_text("مرحبا")
    amira.send_document("brief.pdf", b"%PDF-1.4 letter", caption="Mein Brief")
    amira.block()
    emu.page_hints["writer_id"] = sam.id
    return emu


async def test_a_saved_world_comes_back_as_it_was(tmp_path: Path) -> None:
    before = world()
    persist.save(before, tmp_path / "world.json", extra={"bot_offset": 42})
    after = Emulator(EmulatorConfig(token=TOKEN))
    assert persist.restore(after, persist.read(tmp_path / "world.json")) == {"bot_offset": 42}

    assert {u.first_name for u in after.users.values()} == {u.first_name for u in before.users.values()}
    amira = next(u for u in after.users.values() if u.first_name == "Amira")
    assert amira.blocked and amira.chat_history == before.users[amira.id].chat_history
    [group] = after.groups.values()
    assert [t.name for t in group.topics.values()] == ["K-1 · ar"]
    assert group.history == before.groups[group.id].history
    document = amira.chat_history[-1]["document"]
    assert after.state.files[document["file_id"]].data == b"%PDF-1.4 letter"
    assert after.state.updates == before.state.updates and after.updates_pending() > 0
    assert (after.state.seq, after.state.next_update_id) == (before.state.seq, before.state.next_update_id)

    async with after:  # and it goes on: a new message gets the next id in the chat
        amira.unblock()
        assert amira.send_text("noch da?")["message_id"] == before.state.chats[amira.id].next_message_id


@pytest.mark.parametrize("damage", ["cut short", "another format", "another bot"])
async def test_a_damaged_or_foreign_world_is_refused_and_changes_nothing(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "world.json"
    persist.save(world(), path)
    text = path.read_text(encoding="utf-8")
    if damage == "cut short":
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "another format":
        path.write_text(text.replace('"format": 1', '"format": 99'), encoding="utf-8")
    target = Emulator(EmulatorConfig(token="987654:OTHER-token" if damage == "another bot" else TOKEN))
    target.add_user("Lena")
    with pytest.raises(persist.StateError):
        persist.restore(target, persist.read(path))
    assert [u.first_name for u in target.users.values()] == ["Lena"]

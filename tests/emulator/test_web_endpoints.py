"""The chat page's server side without a browser: serving, snapshot, members, uploads, files, the guard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sandbox_testkit import TOKEN, Raw

from sandbox import Emulator, EmulatorConfig, Limits
from sandbox.web import serve


@pytest.fixture
async def web_emu() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(token=TOKEN, limits=Limits(enabled=False), seed=3, web=True)) as emulator:
        yield emulator


async def test_page_is_off_by_default(emu: Emulator, raw: Raw) -> None:
    assert (await raw.client.get("/")).status_code == 404
    assert (await raw.client.get("/_sandbox/snapshot")).json()["ok"] is True


async def test_page_on_the_emulator_port(web_emu: Emulator) -> None:
    async with httpx.AsyncClient(base_url=web_emu.api_url) as client:
        index = await client.get("/")
        assert index.status_code == 200 and "text/html" in index.headers["content-type"]
        assert "default-src 'none'" in index.headers["content-security-policy"]
        assert '<script type="module" src="app.js">' in index.text
        for name in ("app.js", "render.js", "dialogs.js", "style.css"):
            assert (await client.get(f"/{name}")).status_code == 200
        assert (await client.get("/__init__.py")).status_code == 404
        # The Bot API is untouched by the page's guard.
        assert (await client.post(f"/bot{TOKEN}/getMe", headers={"Origin": "http://elsewhere"})).json()["ok"]


async def test_snapshot_members_upload_and_files(web_emu: Emulator) -> None:
    amira = web_emu.add_user("Amira", language_code="ar")
    staff = web_emu.add_forum_group("Team")
    jonas = web_emu.add_user("Jonas")
    staff.add_member(jonas, "administrator")
    web_emu.page_hints["staff_chat_id"] = staff.id
    async with httpx.AsyncClient(base_url=web_emu.api_url) as client:
        members = (await client.get(f"/_sandbox/groups/{staff.id}/members")).json()["result"]
        assert {m["user"]["first_name"]: m["status"] for m in members} == {
            "Team owner": "creator",
            "Jonas": "administrator",
        }
        files = {"file": ("plan.html", b"<script>alert(1)</script>", "text/html")}
        sent = await client.post(f"/_sandbox/users/{amira.id}/upload", data={"kind": "document"}, files=files)
        document = sent.json()["result"]["document"]
        assert document["file_name"] == "plan.html"
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
        data = {"kind": "photo", "chat_id": str(staff.id), "caption": "Bus"}
        photo = await client.post(
            f"/_sandbox/users/{jonas.id}/upload", data=data, files={"file": ("bus.png", png, "image/png")}
        )
        assert photo.json()["result"]["caption"] == "Bus"
        bad = await client.post(f"/_sandbox/users/{amira.id}/upload", data={"kind": "movie"}, files=files)
        assert bad.status_code == 400

        snap = (await client.get("/_sandbox/snapshot")).json()["result"]
        assert snap["hints"] == {"staff_chat_id": staff.id}
        assert {u["first_name"] for u in snap["users"]} == {"Amira", "Team owner", "Jonas"}
        chats = {c["id"]: c for c in snap["chats"]}
        assert chats[amira.id]["messages"][-1]["document"]["file_name"] == "plan.html"
        assert chats[amira.id]["blocked"] is False
        assert chats[staff.id]["is_forum"] is True and chats[staff.id]["topics"] == []

        # Documents only ever as attachments (an uploaded HTML file must not run on the page's origin).
        served = await client.get(f"/_sandbox/files/{document['file_id']}")
        assert served.headers["content-disposition"].startswith("attachment")
        assert served.headers["content-type"] == "application/octet-stream" and served.content.startswith(b"<script>")
        image = await client.get(f"/_sandbox/files/{photo.json()['result']['photo'][-1]['file_id']}")
        assert image.headers["content-disposition"] == "inline" and image.headers["content-type"] == "image/png"
        assert (await client.get("/_sandbox/files/nope")).status_code == 404
    assert not [c for c in web_emu.calls if c.method == "file"]  # the page's downloads are not bot calls


async def test_commands_in_the_snapshot(web_emu: Emulator) -> None:
    async with httpx.AsyncClient(base_url=web_emu.api_url) as client:
        amira = web_emu.add_user("Amira", language_code="ar")
        bo = web_emu.add_user("Bo", language_code="en")
        await Raw(client).ok("setMyCommands", commands=[{"command": "help", "description": "Hilfe"}])
        arabic = [{"command": "help", "description": "مساعدة"}]
        await Raw(client).ok("setMyCommands", commands=arabic, language_code="ar")
        chats = {c["id"]: c for c in (await client.get("/_sandbox/snapshot")).json()["result"]["chats"]}
        assert chats[amira.id]["commands"] == arabic
        assert chats[bo.id]["commands"][0]["description"] == "Hilfe"


async def test_guard_refuses_foreign_hosts_and_origins(web_emu: Emulator) -> None:
    async with httpx.AsyncClient(base_url=web_emu.api_url) as client:
        assert (await client.get("/", headers={"Host": "evil.example"})).status_code == 403
        assert (await client.get("/_sandbox/snapshot", headers={"Host": "localhost:1"})).status_code == 200
        foreign = await client.post(
            "/_sandbox/users", json={"first_name": "X"}, headers={"Origin": "http://evil.example"}
        )
        assert foreign.status_code == 403
        same = await client.post("/_sandbox/users", json={"first_name": "Y"}, headers={"Origin": web_emu.api_url})
        assert same.json()["ok"] is True


async def test_serve_on_a_second_port_and_resume_events(emu: Emulator) -> None:
    runner = await serve(emu, port=0, coordinator_id=42)
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/")).status_code == 200
            assert (await client.get("/_sandbox/snapshot")).json()["result"]["hints"] == {"coordinator_id": 42}
            assert (await client.get(f"/bot{TOKEN}/getMe")).status_code == 404  # the Bot API stays on the emulator
            seq = emu.state.seq
            emu.add_user("Amira")
            async with client.stream("GET", "/_sandbox/events/stream", headers={"Last-Event-ID": str(seq)}) as stream:
                first = await asyncio.wait_for(anext(stream.aiter_lines()), 5)
            assert first == f"id: {seq + 1}"
    finally:
        await runner.cleanup()


async def test_reply_keyboard_is_remembered_per_chat(emu: Emulator, raw: Raw) -> None:
    user = emu.add_user("Amira")
    keyboard = {"keyboard": [["Peine", "Ilsede"]], "one_time_keyboard": True}
    sent = await raw.ok("sendMessage", chat_id=user.id, text="Where?", reply_markup=keyboard)
    assert "reply_markup" not in sent  # like Telegram: reply keyboards are not part of the Message
    snapshot = (await raw.client.get("/_sandbox/snapshot")).json()["result"]
    chat = next(c for c in snapshot["chats"] if c["id"] == user.id)
    assert chat["reply_keyboard"] == {"keyboard": [[{"text": "Peine"}, {"text": "Ilsede"}]], "one_time_keyboard": True}
    user.send_text("Peine")
    assert emu.state.chats[user.id].reply_keyboard is None  # one_time_keyboard: gone after use
    await raw.ok("sendMessage", chat_id=user.id, text="Again", reply_markup={"keyboard": [["A"]]})
    await raw.ok("sendMessage", chat_id=user.id, text="Done", reply_markup={"remove_keyboard": True})
    assert emu.state.chats[user.id].reply_keyboard is None
    assert [e["keyboard"] is None for e in emu.state.events if e["kind"] == "keyboard"] == [False, True, False, True]

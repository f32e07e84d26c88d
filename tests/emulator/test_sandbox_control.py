"""The /_sandbox/ control API, the standalone entry point, wait_for, and spec-conformant output."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sandbox_testkit import TOKEN, Raw

from sandbox import Emulator
from sandbox.validation import check_object

ROOT = Path(__file__).resolve().parents[2]


async def test_control_api_drives_users(emu: Emulator, raw: Raw) -> None:
    client = raw.client
    user = (await client.post("/_sandbox/users", json={"first_name": "Amira", "language_code": "ar"})).json()
    uid = user["result"]["id"]
    sent = (await client.post(f"/_sandbox/users/{uid}/command", json={"command": "start", "args": "x"})).json()
    assert sent["result"]["text"] == "/start x"
    updates = await raw.ok("getUpdates")
    assert updates[0]["message"]["from"]["id"] == uid
    await raw.ok(
        "sendMessage",
        chat_id=uid,
        text="Hallo",
        reply_markup={"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]},
    )
    pressed = (await client.post(f"/_sandbox/users/{uid}/press", json={"button": "OK"})).json()
    assert pressed["result"]["data"] == "ok"
    history = (await client.get(f"/_sandbox/chats/{uid}/messages")).json()["result"]
    assert [m.get("text") for m in history] == ["/start x", "Hallo"]
    missing = await client.post(f"/_sandbox/users/{uid}/press", json={"button": "nope"})
    assert missing.status_code == 404 and missing.json()["ok"] is False
    document = await client.post(
        f"/_sandbox/users/{uid}/document",
        json={"filename": "a.txt", "content_base64": "aGk=", "mime_type": "text/plain"},
    )
    assert document.json()["result"]["document"]["file_name"] == "a.txt"
    assert (await client.post(f"/_sandbox/users/{uid}/block")).json()["result"] is True
    assert await raw.error("sendMessage", 403, chat_id=uid, text="x") == "Forbidden: bot was blocked by the user"

    group = (await client.post("/_sandbox/groups", json={"title": "Team", "forum": True})).json()["result"]
    assert group["is_forum"] is True
    await client.post(f"/_sandbox/groups/{group['id']}/members", json={"user_id": uid, "status": "administrator"})
    topic = await raw.ok("createForumTopic", chat_id=group["id"], name="Fall")
    topics = (await client.get(f"/_sandbox/groups/{group['id']}/topics")).json()["result"]
    assert topics[0]["name"] == "Fall"
    await client.post(
        f"/_sandbox/users/{uid}/text",
        json={"text": "im Thema", "chat_id": group["id"], "thread_id": topic["message_thread_id"]},
    )
    await raw.ok("sendMessage", chat_id=group["id"], message_thread_id=topic["message_thread_id"], text="Antwort")
    bot_messages = (
        await client.get(f"/_sandbox/groups/{group['id']}/messages", params={"thread_id": topic["message_thread_id"]})
    ).json()["result"]
    assert [m["text"] for m in bot_messages] == ["Antwort"]
    limits = (await client.post("/_sandbox/limits", json={"enabled": True, "per_chat_burst": 9})).json()["result"]
    assert limits["enabled"] is True and emu.limits.per_chat_burst == 9
    calls = (await client.get("/_sandbox/calls")).json()["result"]
    assert calls[0]["method"] == "getUpdates"
    info = (await client.get("/_sandbox/")).json()["result"]
    assert info["bot"]["username"] == "anlaufstelle_test_bot" and info["api_version"].startswith("Bot API")


async def test_event_long_poll_and_stream(emu: Emulator, raw: Raw) -> None:
    client = raw.client
    seq = (await client.get("/_sandbox/")).json()["result"]["seq"]
    user = emu.add_user("Bo")
    waiting = asyncio.create_task(client.get("/_sandbox/events", params={"since": seq + 1, "timeout": 5}))
    await asyncio.sleep(0.05)
    user.send_text("ping")
    events = (await waiting).json()["result"]["events"]
    assert any(e["kind"] == "message" and e["message"]["text"] == "ping" for e in events)

    async def first_message_event() -> dict[str, object]:
        async with client.stream("GET", "/_sandbox/events/stream") as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    event: dict[str, object] = json.loads(line[6:])
                    if event["kind"] == "message":
                        return event
        raise AssertionError("stream ended")

    reader = asyncio.create_task(first_message_event())
    await asyncio.sleep(0.1)
    user.send_text("pong")
    event = await asyncio.wait_for(reader, 5)
    assert event["message"]["text"] == "pong"  # type: ignore[index]


async def test_wait_for(emu: Emulator, raw: Raw) -> None:
    user = emu.add_user("Chen")
    asyncio.get_running_loop().call_later(0.1, user.send_text, "x")
    assert await emu.wait_for(lambda: emu.updates_pending() == 1, timeout=2)
    await raw.error("sendMessage", chat_id=1, text="x")
    with pytest.raises(TimeoutError, match=r"not met within 0.2s.*sendMessage->400 Bad Request: chat not found"):
        await emu.wait_for(lambda: user.last_message, timeout=0.2)


async def test_outgoing_objects_follow_the_spec(emu: Emulator, raw: Raw) -> None:
    spec = emu.state.spec
    user = emu.add_user("Dana", last_name="D", username="dana", language_code="de")
    group = emu.add_forum_group("Team")
    group.add_member(user, "member")
    user.send_command("start")
    user.send_photo(caption="bild")
    user.send_document()
    user.send_location(1.5, 2.5)
    user.send_contact("+491", "Dana")
    sent = await raw.ok(
        "sendMessage",
        chat_id=user.id,
        text="<b>x</b>",
        parse_mode="HTML",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    )
    user.press("A")
    user.reply_to(sent["message_id"], "antwort")
    user.edit(user.chat_history[0]["message_id"], "/start neu")
    topic = await raw.ok("createForumTopic", chat_id=group.id, name="Thema")
    user.send_text("im thema", chat=group, thread_id=topic["message_thread_id"])
    user.block()
    results = {
        "Message": [
            sent,
            await raw.ok("sendPhoto", chat_id=group.id, photo=user.chat_history[1]["photo"][-1]["file_id"]),
            await raw.ok("sendLocation", chat_id=group.id, latitude=52.32, longitude=10.23),
        ],
        "ForumTopic": [topic],
        "ChatFullInfo": [await raw.ok("getChat", chat_id=group.id)],
        "ChatMember": [await raw.ok("getChatMember", chat_id=group.id, user_id=emu.state.bot.id)],
        "User": [await raw.ok("getMe")],
        "File": [await raw.ok("getFile", file_id=user.chat_history[2]["document"]["file_id"])],
        "WebhookInfo": [await raw.ok("getWebhookInfo")],
        "Update": await raw.ok("getUpdates"),
    }
    assert len(results["Update"]) >= 10
    for type_name, objects in results.items():
        for obj in objects:
            assert check_object(spec, type_name, obj) is None, (type_name, obj)


def test_standalone_entry_point() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--token", TOKEN, "--no-limits"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        api_url = process.stdout.readline().strip()
        assert api_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=api_url, timeout=5) as client:
            user = client.post("/_sandbox/users", json={"first_name": "Eli"}).json()["result"]
            client.post(f"/_sandbox/users/{user['id']}/text", json={"text": "hallo"})
            updates = client.get(f"/bot{TOKEN}/getUpdates").json()["result"]
            assert updates[0]["message"]["text"] == "hallo"
            assert client.get("/_sandbox/").json()["result"]["limits"]["enabled"] is False
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0

"""The local chat page (sandbox/web) in headless Chromium, against a stand-in python-telegram-bot Application.

Needs Debian's ``chromium`` (/usr/bin/chromium) and the ``playwright`` package (its driver only: never
``playwright install``). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import standin_bot
import telegram

from sandbox import Emulator, EmulatorConfig, Limits
from sandbox.web import serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.async_api", reason="needs the playwright package (test extra)")
expect = playwright_api.expect


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x33\x90\xec" * 24 for _ in range(16))
    header = struct.pack(">IIBBBBB", 24, 16, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
async def page_url() -> AsyncIterator[tuple[str, Emulator]]:
    async with Emulator(EmulatorConfig(token=standin_bot.TOKEN, limits=Limits(enabled=False), seed=11)) as emu:
        staff, mara, _ = standin_bot.world(emu)
        runner = await serve(emu, port=0, staff_chat_id=staff.id, coordinator_id=mara.id)
        try:
            async with standin_bot.running(emu, staff):
                yield f"http://127.0.0.1:{runner.addresses[0][1]}/", emu
        finally:
            await runner.cleanup()


@pytest.fixture
async def page(page_url: tuple[str, Emulator]) -> AsyncIterator[Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-GB")
            tab = await context.new_page()
            tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            tab.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
            tab.set_default_timeout(10_000)
            expect.set_options(timeout=10_000)
            await tab.goto(page_url[0])
            yield tab
        finally:
            await browser.close()
    assert not problems, problems


async def test_chat_page_end_to_end(page: Any, page_url: tuple[str, Emulator]) -> None:
    emu = page_url[1]
    await expect(page.locator("#status")).to_contain_text("bot connected")

    # A young person writing in Arabic.
    await page.click("#add-youth")
    await page.fill("input[name=first_name]", "Amira")
    await page.fill("input[name=language_code]", "ar")
    await page.screenshot(path=ARTIFACTS / "web-1-add-young-person.png")
    await page.click("dialog button[type=submit]")
    phone = page.locator(".phone-wrap", has_text="Amira")
    await expect(phone.locator(".phone")).to_have_attribute("dir", "rtl")
    await phone.get_by_role("button", name="START").click()
    await expect(phone.locator(".kb-button", has_text="Yes")).to_be_visible()

    arabic = "مرحبا، أحتاج مساعدة"
    await phone.locator("textarea").fill(arabic)
    await phone.locator("textarea").press("Enter")
    reply = phone.locator(".msg:not(.own) .text", has_text=arabic)
    await expect(reply).to_be_visible()
    await expect(reply).to_have_attribute("dir", "auto")
    await expect(reply).to_have_css("direction", "rtl")  # dir=auto resolved from the Arabic text

    # An inline button: callback answer as a toast, the message edited in place.
    await phone.locator(".kb-button", has_text="Yes").click()
    await expect(phone.locator(".toast", has_text="You chose yes")).to_be_visible()
    edited = phone.locator(".msg", has_text="You chose: yes")
    await expect(edited.locator(".edited")).to_be_visible()

    # A social worker answers in the case topic; the stand-in bot copies it to the young person.
    forum = page.locator(".forum")
    await forum.locator(".topic", has_text="Amira").click()
    await forum.locator("select.picker").select_option(label="Jonas")
    await expect(forum.locator(".msg .text", has_text=arabic)).to_be_visible()
    await forum.locator("textarea").fill("Hallo Amira, wir sind heute in Ilsede.")
    await forum.locator("textarea").press("Enter")
    await expect(forum.locator(".msg.own", has_text="wir sind heute in Ilsede")).to_be_visible()
    await expect(phone.locator(".msg:not(.own)", has_text="wir sind heute in Ilsede")).to_be_visible()

    # Location picker -> venue with a static map and an .ics document with a working download link.
    await phone.get_by_role("button", name="attach").click()
    await page.get_by_role("menuitem", name="Location").click()
    await page.locator("dialog .place", has_text="Ilsede").click()
    await expect(phone.locator(".venue-title", has_text="Bus stop Peine")).to_be_visible()
    await expect(phone.locator(".venue .map")).to_be_visible()
    link = phone.locator("a.doc-name", has_text="termine.ics")
    await expect(link).to_be_visible()
    download = await page.request.get(await link.evaluate("a => a.href"))
    assert download.ok and (await download.body()).startswith(b"BEGIN:VCALENDAR")

    # A photo from the file picker; reply to a message; edit the own last message with ArrowUp.
    async with page.expect_file_chooser() as chooser:
        await phone.get_by_role("button", name="attach").click()
        await page.get_by_role("menuitem", name="Photo").click()
    await (await chooser.value).set_files({"name": "bus.png", "mimeType": "image/png", "buffer": tiny_png()})
    await expect(phone.locator(".msg:not(.own)", has_text="Thanks for the photo!")).to_be_visible()
    await expect(phone.locator(".msg.own img.photo")).to_have_js_property("naturalWidth", 24)
    await phone.locator(".msg:not(.own) .bubble", has_text="wir sind heute in Ilsede").click()
    await page.get_by_role("menuitem", name="Reply").click()
    await phone.locator("textarea").fill("Super, danke!")
    await phone.locator("textarea").press("Enter")
    await expect(phone.locator(".msg.own .reply-quote", has_text="wir sind heute")).to_be_visible()
    await phone.locator("textarea").press("ArrowUp")
    await phone.locator("textarea").fill("Super, danke! Bis später.")
    await phone.locator("textarea").press("Enter")
    await expect(phone.locator(".msg.own", has_text="Bis später.").locator(".edited")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "web-2-conversation.png")

    # Staff command in General, and the coordinator's own chat with the bot.
    await forum.locator(".topic", has_text="General").click()
    await forum.locator("textarea").fill("/queue")
    await forum.locator("textarea").press("Enter")
    await expect(forum.locator(".msg:not(.own)", has_text="Open cases: 1")).to_be_visible()
    coordinator = page.locator("#coordinator")
    await coordinator.get_by_role("button", name="START").click()
    await expect(coordinator.locator(".kb-button", has_text="No")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "web-3-staff.png")

    # Block and unblock the bot.
    await phone.get_by_role("button", name="more").click()
    await page.get_by_role("menuitem", name="Block bot").click()
    await expect(phone.get_by_role("button", name="UNBLOCK")).to_be_visible()
    assert emu.users[next(uid for uid, u in emu.users.items() if u.first_name == "Amira")].blocked
    await phone.get_by_role("button", name="UNBLOCK").click()
    await expect(phone.locator("textarea")).to_be_visible()
    await phone.screenshot(path=ARTIFACTS / "web-4-phone-rtl.png")
    assert not emu.errors(), emu.errors()


async def test_rendering_gallery(page: Any, page_url: tuple[str, Emulator]) -> None:
    """What the bot can send, as the page shows it (also a screenshot to look at)."""
    emu = page_url[1]
    staff = next(iter(emu.groups.values()))
    jonas = next(u for u in emu.users.values() if u.first_name == "Jonas")
    emu.add_user("Cem", language_code="tr", started=False)
    bo = emu.add_user("Bo", language_code="fa")
    bo.send_command("start")
    await emu.wait_for(lambda: bo.last_message)
    bot = telegram.Bot(standin_bot.TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with bot:
        await bot.set_my_commands([("start", "Begin"), ("help", "Help"), ("delete", "Delete my data")])
        html = (
            "<b>Bold</b>, <i>italic</i>, <code>code</code>, <a href='https://example.org/'>a link</a>, "
            "<tg-spoiler>secret</tg-spoiler> and /help.\n<blockquote>سلام، خوش آمدید</blockquote>"
        )
        await bot.send_message(bo.id, html, parse_mode="HTML")
        await bot.send_location(bo.id, 52.387, 10.262, live_period=900)
        await bot.send_sticker(bo.id, emu.users[bo.id].send_sticker()["sticker"]["file_id"])
        await bot.send_voice(bo.id, b"OggS-not-really")
        await bot.send_contact(bo.id, "+49 5171 000000", "Anlaufstelle", "Team")
        keyboard = telegram.ReplyKeyboardMarkup([["Peine", "Ilsede"], ["Skip"]], one_time_keyboard=True)
        await bot.send_message(bo.id, "Where are you?", reply_markup=keyboard)
        await page.reload()
        await expect(page.locator(".topic", has_text="Bo ·")).to_be_visible()
        # After the page loaded: unread in the case topic, which the bot then closes.
        topic = next(t for t in staff.topics.values() if t.name.startswith("Bo"))
        await bot.send_message(staff.id, "Please take this case.", message_thread_id=topic.message_thread_id)
        await bot.close_forum_topic(staff.id, topic.message_thread_id)
        jonas.send_text("Team meeting at 10", chat=staff)
    phone = page.locator(f'.phone-wrap[data-user="{bo.id}"]')
    await expect(phone.locator(".phone")).to_have_attribute("dir", "rtl")
    text = phone.locator(".msg", has_text="Bold")
    for selector in ("strong", "em", "code", "a.link[href='https://example.org/']", ".spoiler", "a.cmd", ".quote"):
        await expect(text.locator(selector)).to_have_count(1)
    await expect(phone.locator(".live")).to_contain_text("Live location · 15 min")
    await expect(phone.locator(".contact-phone")).to_have_text("+49 5171 000000")
    await expect(phone.locator(".reply-keyboard .kb-button", has_text="Ilsede")).to_be_visible()
    await expect(phone.locator(".menu-button")).to_be_visible()
    topic_item = page.locator(".topic", has_text="Bo ·")
    await expect(topic_item.locator(".lock")).to_be_visible()
    await expect(topic_item.locator(".badge")).to_have_text("2")
    await page.screenshot(path=ARTIFACTS / "web-5-gallery.png")
    await topic_item.click()
    await expect(page.locator(".thread-head small")).to_have_text("closed")
    await expect(page.locator(".forum .service", has_text="closed the topic")).to_be_visible()
    await phone.locator(".reply-keyboard .kb-button", has_text="Ilsede").click()
    await expect(phone.locator(".msg.own", has_text="Ilsede")).to_be_visible()
    await expect(phone.locator(".reply-keyboard .kb-button")).to_have_count(0)  # one_time_keyboard
    await page.locator("#hidden-phones").select_option(label="Cem (tr)")
    await expect(page.locator(".phone-wrap", has_text="Cem").get_by_role("button", name="START")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "web-6-closed-topic.png")

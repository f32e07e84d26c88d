"""The demo of `make run` without a token, in headless Chromium: the real bot behind the chat page.

A young person adds a phone with Arabic as Telegram's language, goes through the intake on the page and writes;
Sam answers in the case topic; the young person reads the answer. Screenshots of both sides go to
test-artifacts/. Needs Debian's ``chromium`` (/usr/bin/chromium; CI installs it) and Playwright's driver only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright, expect

from bot.demo import Demo
from bot.languages import LANGUAGES
from bot.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    settings = Settings(_env_file=None, var_dir=tmp_path / "var")
    async with Demo(settings, port=0) as running:
        yield running
        assert running.emulator is not None
        refused = [(c.method, c.description) for c in running.emulator.errors() if c.status == 400]
        assert not refused, f"the bot made requests Telegram would refuse: {refused}"


@pytest.fixture
async def page(demo: Demo) -> AsyncIterator[Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1600, "height": 950}, locale="en-GB")
            tab = await context.new_page()
            tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            tab.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
            tab.set_default_timeout(15_000)
            expect.set_options(timeout=15_000)
            await tab.goto(demo.url)
            yield tab
        finally:
            await browser.close()
    assert not problems, problems


async def test_young_person_in_arabic_and_sam_answers_in_the_topic(demo: Demo, page: Any) -> None:
    assert demo.runtime is not None and demo.runtime.services is not None
    tr = demo.runtime.services.catalogs.translator("ar")
    await expect(page.locator("#status")).to_contain_text("bot connected")

    # A new phone whose Telegram speaks Arabic: laid out right to left.
    await page.click("#add-youth")
    await page.fill("input[name=first_name]", "Amira")
    await page.fill("input[name=language_code]", "ar")
    await page.click("dialog button[type=submit]")
    phone = page.locator(".phone-wrap", has_text="Amira")
    await expect(phone.locator(".phone")).to_have_attribute("dir", "rtl")

    async def press(label: str) -> None:
        button = phone.locator(".msg .kb-button", has_text=label).last
        await expect(button).to_be_visible()
        await button.click()

    # Intake, as a young person does it: the language, consent, anonymous, age group, place.
    await phone.get_by_role("button", name="START").click()
    await press(LANGUAGES["ar"].native_name)
    await press(tr._("Yes, okay"))
    await press(tr._("Stay anonymous"))
    await press(tr._("18–21"))
    await press("Ilsede")
    await expect(phone.locator(".msg:not(.own) .text", has_text="/help").last).to_be_visible()

    question = "مرحبا، وصلتني رسالة من مكتب العمل ولا أفهمها"
    await phone.locator("textarea").fill(question)
    await phone.locator("textarea").press("Enter")

    # The case topic in the staff group: Sam (the page's first writer) answers there.
    forum = page.locator(".forum")
    topic = forum.locator(".topic", has_text="· ar · Ilsede")
    await topic.click()
    await expect(forum.locator(".thread-head")).to_contain_text("· ar · Ilsede")
    await expect(forum.locator("select.picker option:checked")).to_have_text("Sam")
    await expect(forum.locator(".msg .text", has_text=question)).to_be_visible()
    answer = "Hallo! Ich bin Sam. Schick mir ein Foto vom Brief, dann schauen wir ihn zusammen an."
    await forum.locator("textarea").fill(answer)
    await forum.locator("textarea").press("Enter")
    await expect(forum.locator(".msg.own", has_text="Ich bin Sam")).to_be_visible()

    # The young person reads it from the bot, under Sam's name and never from Sam's account.
    received = phone.locator(".msg:not(.own) .text", has_text=answer)
    await expect(received).to_be_visible()
    await expect(received).to_contain_text("Sam")
    await expect(phone.locator(".msg:not(.own) .text", has_text=question)).to_have_count(0)
    await phone.screenshot(path=ARTIFACTS / "demo-young-person-ar.png")
    await page.locator(".column.staff").screenshot(path=ARTIFACTS / "demo-staff-topic.png")
    await page.screenshot(path=ARTIFACTS / "demo-page.png")
    assert demo.emulator is not None
    assert not [c for c in demo.emulator.calls if c.method.lower().startswith("forward")]


async def test_a_booking_and_the_coordinators_live_location(demo: Demo, page: Any) -> None:
    """The demo's tour plan for the county of Peine: a booking ends with the stop as a venue and an .ics file.
    Alex, the coordinator, shares the bus's live location in the staff group, moves it and stops sharing it."""
    assert demo.runtime is not None and demo.runtime.services is not None
    tr = demo.runtime.services.catalogs.translator("fa")
    await page.click("#add-youth")
    await page.fill("input[name=first_name]", "Dariush")
    await page.fill("input[name=language_code]", "fa")
    await page.click("dialog button[type=submit]")
    phone = page.locator(".phone-wrap", has_text="Dariush")
    await expect(phone.locator(".phone")).to_have_attribute("dir", "rtl")

    async def press(label: str) -> None:
        button = phone.locator(".msg .kb-button", has_text=label).last
        await expect(button).to_be_visible()
        await button.click()

    await phone.get_by_role("button", name="START").click()
    for label in (LANGUAGES["fa"].native_name, tr._("Yes, okay"), tr._("Stay anonymous"), tr._("22–27"), "Peine"):
        await press(label)
    await expect(phone.locator(".msg:not(.own) .text", has_text="/help").last).to_be_visible()

    await phone.locator("textarea").fill("/appointment")
    await phone.locator("textarea").press("Enter")
    await press("Peine, Marktplatz")
    booking = phone.locator(
        ".msg", has_text=tr._("Which day? The bus is at {stop} on these days:", stop="Peine, Marktplatz")
    )
    await booking.locator(".kb-button").first.click()  # the first day the bus comes
    times = phone.locator(".msg .kb-button", has_text=":").first
    await expect(times).to_be_visible()
    await times.click()  # the first free time
    await press(tr._("Skip"))
    await press(tr._("Yes, book it"))
    await expect(phone.locator(".msg .text", has_text=tr._("Done ✓"))).to_be_visible()

    await expect(phone.locator(".venue-title", has_text="Peine, Marktplatz")).to_be_visible()
    await expect(phone.locator(".venue .map")).to_be_visible()
    link = phone.locator("a.doc-name", has_text=".ics")
    await expect(link).to_be_visible()
    download = await page.request.get(await link.evaluate("a => a.href"))
    assert download.ok and (await download.body()).startswith(b"BEGIN:VCALENDAR")
    await phone.screenshot(path=ARTIFACTS / "demo-booking-fa.png")

    forum = page.locator(".forum")
    await forum.locator(".topic", has_text="General").click()
    await forum.locator("select.picker").select_option(label="Alex")
    await forum.get_by_role("button", name="attach").click()
    await page.get_by_role("menuitem", name="Location").click()
    await page.locator("dialog select[name=live_period]").select_option(label="live for 1 hour")
    await page.locator("dialog .place", has_text="Peine").click()
    shared = forum.locator(".msg.own", has=page.locator(".live"))
    await expect(shared.locator(".live")).to_contain_text("Live location · 60 min")
    await shared.locator(".bubble").click()
    await page.get_by_role("menuitem", name="Move live location").click()
    await page.locator("dialog .place", has_text="Vechelde").click()
    await expect(shared.locator(".coords")).to_contain_text("52.2600° N, 10.3650° E")
    await shared.locator(".bubble").click()
    await page.get_by_role("menuitem", name="Stop sharing location").click()
    await expect(forum.locator(".msg.own .live")).to_have_count(0)
    assert demo.emulator is not None  # as Telegram has it: moved, then no longer live (each an edited_message)
    [location] = [m for m in demo.emulator.groups[demo.staff_chat_id].history if "location" in m]
    assert location["location"] == {"latitude": 52.26, "longitude": 10.365} and "edit_date" in location

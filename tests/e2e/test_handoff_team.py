"""Who may do what in the staff group: only the team is relayed and obeyed, only admins change the team, the
command line manages the team too, and commands sent to the wrong audience get a polite answer."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from handoff_helpers import (
    STAFF_NAME,
    all_cases,
    case_of_topic,
    general_texts,
    open_case,
    staff_tr,
    text_of,
    wait_topic_text,
    youth_tr,
)
from test_intake import go_through_intake, wait_text

from bot.runtime import BotRuntime
from sandbox import Emulator
from storage import staff
from storage.engine import create_engine, session_factory

pytestmark = pytest.mark.usefixtures("never_forwards")

ROOT = Path(__file__).resolve().parents[2]


async def barrier(emu: Emulator, group, worker, user, thread: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Updates are handled in order: once this answer of the worker has arrived, everything before it is done."""
    worker.send_text(text, chat=group, thread_id=thread)
    await wait_text(emu, user, text)


async def team(database_url: str) -> dict[int, tuple[str, str]]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        members = await staff.all_active(session)
    await engine.dispose()
    return {m.telegram_user_id: (m.display_name, m.role) for m in members}


async def test_people_outside_the_team_are_ignored_in_the_staff_group(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    outsider = emulator.add_user(first_name="Guest", language_code="de")
    staff_group.add_member(outsider)
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    in_group_before = len(staff_group.messages())
    in_chat_before = len(user.messages)

    outsider.send_text("Hi, I am not in the team", chat=staff_group, thread_id=thread)
    outsider.send_photo(caption="a picture", chat=staff_group, thread_id=thread)
    for command, args in (("claim", None), ("queue", None), ("note", "secret"), ("close", None), ("staff", None)):
        outsider.send_command(command, args, chat=staff_group, thread_id=thread)
    outsider.send_command("queue", chat=staff_group)
    outsider.send_command("staff", "add admin Guest", chat=staff_group)
    outsider.send_command("start", chat=staff_group)
    await barrier(emulator, staff_group, worker, user, thread, "Only the team answers here.")

    assert len(user.messages) == in_chat_before + 1, [text_of(m) for m in user.messages[in_chat_before:]]
    assert len(staff_group.messages()) == in_group_before, "the bot answered nobody outside the team"
    case = await case_of_topic(bot, thread)
    assert case.claimed_by is not None and case.status == "open"
    assert outsider.id not in await team(bot.settings.effective_database_url)

    # The outsider cannot press the team's buttons either.
    worker.send_command("close", chat=staff_group, thread_id=thread)
    await wait_topic_text(emulator, staff_group, thread, staff_tr(bot)._("How did the case end?"))
    query = outsider.press(f"close:{case.id}:advice", chat=staff_group)
    await emulator.wait_for(lambda: emulator.callback_answer(query["id"]) is not None)
    assert emulator.callback_answer(query["id"])["text"] == staff_tr(bot)._("Only the team can do this.")  # type: ignore[index]
    assert (await case_of_topic(bot, thread)).status == "open"


async def test_staff_lists_the_team_and_only_admins_change_it(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
    team_member,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    admin = await team_member("Ada Private", "Ada", "admin")
    newcomer = emulator.add_user(first_name="Noor Private", language_code="de")
    staff_group.add_member(newcomer)
    tr = staff_tr(bot)

    worker.send_command("staff", chat=staff_group)
    await emulator.wait_for(lambda: any(tr._("The team:") in t for t in general_texts(staff_group)))
    [listing] = [t for t in general_texts(staff_group) if tr._("The team:") in t]
    assert listing.splitlines()[1:] == ["• Ada (admin)", f"• {STAFF_NAME} (worker)"]

    hello = newcomer.send_text("Hello, I am new here", chat=staff_group)
    worker.reply_to(hello["message_id"], "/staff add worker Noor", chat=staff_group)
    await emulator.wait_for(lambda: tr._("Only admins can change the team.") in general_texts(staff_group))
    assert newcomer.id not in await team(database_url)

    admin.reply_to(hello["message_id"], "/staff add worker Noor", chat=staff_group)
    added = tr._("{name} is now in the team ({role}).", name="Noor", role="worker")
    await emulator.wait_for(lambda: added in general_texts(staff_group))
    assert (await team(database_url))[newcomer.id] == ("Noor", "worker")

    # Noor now answers young people, under the display name the admin gave.
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    newcomer.send_text("Hi, Noor here.", chat=staff_group, thread_id=thread)
    assert (await wait_text(emulator, user, "Noor here"))["text"] == "Noor:\nHi, Noor here."

    # A worker cannot remove anyone; an admin can, and then Noor is ignored.
    worker.reply_to(hello["message_id"], "/staff remove", chat=staff_group)
    await emulator.wait_for(lambda: general_texts(staff_group).count(tr._("Only admins can change the team.")) == 2)
    admin.reply_to(hello["message_id"], "/staff remove", chat=staff_group)
    await emulator.wait_for(lambda: tr._("Removed from the team.") in general_texts(staff_group))
    assert newcomer.id not in await team(database_url)
    newcomer.send_text("Am I still here?", chat=staff_group, thread_id=thread)
    await barrier(emulator, staff_group, worker, user, thread, "Sam is still here.")
    assert not any("still here?" in text_of(m) for m in user.messages)

    # Without a message to answer, /staff add explains itself and changes nothing.
    admin.send_command("staff", "add worker Somebody", chat=staff_group)
    usage = tr._("Answer a message of the person with /staff add worker|coordinator|admin Name, or with /staff remove.")
    await emulator.wait_for(lambda: usage in general_texts(staff_group))
    assert set(await team(database_url)) == {worker.id, admin.id}


async def test_staff_add_in_a_topic_without_an_answer_does_not_pick_the_topic_creator(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
    team_member,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """In a forum topic every message implicitly answers the topic's first message; that is not "answering a
    colleague's message", so it must not add, change or remove whoever opened the topic."""
    admin = await team_member("Ada Private", "Ada", "admin")
    lounge = staff_group.create_topic("Team lounge", by=worker)["message_thread_id"]
    admin.send_command("staff", "add admin Sam", chat=staff_group, thread_id=lounge)
    admin.send_command("staff", "remove", chat=staff_group, thread_id=lounge)
    usage = staff_tr(bot)._(
        "Answer a message of the person with /staff add worker|coordinator|admin Name, or with /staff remove."
    )
    await emulator.wait_for(lambda: [text_of(m) for m in staff_group.messages(thread_id=lounge)].count(usage) == 2)
    assert (await team(database_url))[worker.id] == (STAFF_NAME, "worker")
    # In a topic, answering a colleague's message there works as in the General topic.
    newcomer = emulator.add_user(first_name="Noor Private", language_code="de")
    staff_group.add_member(newcomer)
    hello = newcomer.send_text("Hi all", chat=staff_group, thread_id=lounge)
    admin.reply_to(hello["message_id"], "/staff add coordinator Noor", chat=staff_group, thread_id=lounge)
    added = staff_tr(bot)._("{name} is now in the team ({role}).", name="Noor", role="coordinator")
    await wait_topic_text(emulator, staff_group, lounge, added)
    assert (await team(database_url))[newcomer.id] == ("Noor", "coordinator")


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "staff",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_command_line_manages_the_team(database_url: str, bot_env: dict[str, str]) -> None:
    keep = ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL", "SECRET_KEY", "VAR_DIR")
    env = {k: v for k, v in bot_env.items() if k in keep}  # no token, no staff group: not needed for this

    # Arguments are checked before the database is touched: these run alongside the first two additions.
    added_sam, added_alex, bad_role, bad_id = await asyncio.gather(
        run_cli(env, "add", "424242", "--name", "Sam", "--role", "admin"),
        run_cli(env, "add", "434343", "--name", "Alex"),
        run_cli(env, "add", "1", "--name", "X", "--role", "boss"),
        run_cli(env, "add", "not-a-number", "--name", "X"),
    )
    assert added_sam[0] == 0 and "Sam (admin)" in added_sam[1], added_sam
    assert added_alex[0] == 0 and "Alex (worker)" in added_alex[1], added_alex
    assert bad_role[0] == 2 and "invalid choice" in bad_role[2]
    assert bad_id[0] == 2
    code, out, _ = await run_cli(env, "list")
    assert code == 0
    assert out.splitlines() == ["434343\tworker\tAlex", "424242\tadmin\tSam"]
    assert await team(database_url) == {424242: ("Sam", "admin"), 434343: ("Alex", "worker")}

    renamed, removed = await asyncio.gather(
        run_cli(env, "add", "434343", "--name", "Alex K.", "--role", "coordinator"),
        run_cli(env, "remove", "424242"),
    )
    assert renamed[0] == 0 and (removed[0], removed[1].strip()) == (0, "removed")
    code, out, _ = await run_cli(env, "remove", "424242")
    assert (code, out.strip()) == (1, "not in the team")
    assert await team(database_url) == {434343: ("Alex K.", "coordinator")}


async def test_commands_for_the_other_audience_get_a_polite_answer(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Omid", language_code="en")
    await go_through_intake(emulator, user)
    for_the_team = youth_tr(bot, "en")._("This command is for the team in the staff group.")
    for command in ("queue", "claim", "close", "staff"):
        before = user.texts().count(for_the_team)
        user.send_command(command)
        await emulator.wait_for(lambda b=before: user.texts().count(for_the_team) == b + 1)
    assert await all_cases(bot) == [], "a command opens no case"

    # Someone who never started the bot gets the same answer in their Telegram language.
    stranger = emulator.add_user(first_name="Lena", language_code="de")
    stranger.send_command("queue")
    await wait_text(emulator, stranger, youth_tr(bot, "de")._("This command is for the team in the staff group."))

    private_only = staff_tr(bot)._("This command works in a private chat with the bot.")
    for command in ("start", "help", "delete", "language"):
        before = general_texts(staff_group).count(private_only)
        worker.send_command(command, chat=staff_group)
        await emulator.wait_for(lambda b=before: general_texts(staff_group).count(private_only) == b + 1)
    worker.send_text(f"/start@{emulator.bot_user['username']}", chat=staff_group)
    await emulator.wait_for(lambda: general_texts(staff_group).count(private_only) == 5)

"""The team's commands in the staff group, end to end: /queue, /claim, /handover, /note, /card, /close, reopening
a closed case, the first answer claiming a case, and commands sent outside a case topic."""

from __future__ import annotations

from datetime import timedelta

import pytest
from handoff_helpers import (
    STAFF_NAME,
    all_cases,
    case_messages,
    case_of_topic,
    general_texts,
    no_forwards,
    open_case,
    staff_tr,
    text_of,
    wait_topic_text,
    youth_tr,
)
from sqlalchemy import update
from test_intake import go_through_intake, wait_text

from bot.runtime import BotRuntime
from sandbox import Emulator
from storage import staff
from storage.base import utcnow
from storage.models import Case

pytestmark = pytest.mark.usefixtures("never_forwards")


async def staff_id(bot: BotRuntime, user) -> int:  # type: ignore[no-untyped-def]
    assert bot.services is not None
    async with bot.services.sessions() as session:
        member = await staff.by_telegram_id(session, user.id)
    assert member is not None
    return member.id


async def open_more_cases(emu: Emulator, group, users, texts) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Intake and a first message for each user, one after the other; returns user id → topic thread id."""
    threads: dict[int, int] = {}
    for user, text in zip(users, texts, strict=True):
        before = {t for t, topic in group.topics.items() if not topic.deleted}
        await go_through_intake(emu, user)
        user.send_text(text)
        await emu.wait_for(lambda t=text: any(t == m.get("text") for m in group.messages()))
        [threads[user.id]] = [t for t, topic in group.topics.items() if not topic.deleted and t not in before]
    return threads


async def test_queue_lists_waiting_cases_first_with_their_waiting_time(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    users = [emulator.add_user(first_name=n, language_code="en") for n in ("Ali", "Bea", "Cem", "Dan")]
    threads = await open_more_cases(emulator, staff_group, users, ["help a", "help b", "help c", "help d"])
    worker.send_text("Hello Ali", chat=staff_group, thread_id=threads[users[0].id])  # Ali's case is answered
    await wait_text(emulator, users[0], "Hello Ali")
    cases = {c.topic_id: c for c in await all_cases(bot)}
    alias = {u.first_name: cases[threads[u.id]].alias for u in users}
    now = utcnow()
    assert bot.services is not None
    async with bot.services.sessions() as session, session.begin():
        for name, waited, urgent in (("Bea", 95, False), ("Cem", 10, False), ("Dan", 30, True)):
            await session.execute(
                update(Case)
                .where(Case.alias == alias[name])
                .values(waiting_since=now - timedelta(minutes=waited, seconds=20), urgent=urgent)
            )

    worker.send_command("queue", chat=staff_group)
    tr = staff_tr(bot)
    header = tr.ngettext("{n} open case", "{n} open cases", 4)
    await emulator.wait_for(lambda: any(header in t for t in general_texts(staff_group)))
    [listing] = [t for t in general_texts(staff_group) if header in t]
    lines = listing.splitlines()[1:]
    assert [line.split(" · ")[0] for line in lines] == [
        f"🔴 {alias['Dan']}",  # urgent and waiting
        f"🟡 {alias['Bea']}",  # waiting longest
        f"🟡 {alias['Cem']}",
        f"⚪ {alias['Ali']}",  # answered
    ], listing
    hours_and_minutes = tr.ngettext("{n} h", "{n} h", 1) + " " + tr.ngettext("{n} min", "{n} min", 35)
    assert tr._("waiting {time}", time=hours_and_minutes) in lines[1], lines[1]
    assert tr._("waiting {time}", time=tr.ngettext("{n} minute", "{n} minutes", 10)) in lines[2], lines[2]
    assert tr._("answered") in lines[3] and STAFF_NAME in lines[3], lines[3]
    assert tr._("nobody") in lines[1]
    assert all(" · en · " in line for line in lines)
    assert not any(u.first_name in listing for u in users), "the queue shows aliases, never names"


async def test_claim_tells_the_young_person_in_their_language(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    english = emulator.add_user(first_name="Omid", language_code="en")
    german = emulator.add_user(first_name="Lena", language_code="de")
    threads = await open_more_cases(emulator, staff_group, [english], ["Hello"])
    await go_through_intake(emulator, german, language="Deutsch")
    german.send_text("Hallo")
    await emulator.wait_for(lambda: len([t for t in staff_group.topics.values() if not t.deleted]) == 2)
    [threads[german.id]] = [t for t in staff_group.topics if t != threads[english.id]]

    for user, language in ((english, "en"), (german, "de")):
        worker.send_command("claim", chat=staff_group, thread_id=threads[user.id])
        expected = youth_tr(bot, language)._("{name} from the Anlaufstelle team is here for you now.", name=STAFF_NAME)
        await wait_text(emulator, user, expected)
        assert user.last_message["text"] == expected
        taken = staff_tr(bot)._("{name} has taken this case.", name=STAFF_NAME)
        await wait_topic_text(emulator, staff_group, threads[user.id], taken)
    assert youth_tr(bot, "de")._("{name} from the Anlaufstelle team is here for you now.", name="X") != youth_tr(
        bot, "en"
    )._("{name} from the Anlaufstelle team is here for you now.", name="X"), "the German catalog translates it"
    sam = await staff_id(bot, worker)
    assert {c.claimed_by for c in await all_cases(bot)} == {sam}


async def test_handover_switches_the_worker_and_tells_the_young_person(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
    team_member,
) -> None:
    alex = await team_member("Alexandra Private", "Alex", "worker")
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    worker.send_command("claim", chat=staff_group, thread_id=thread)
    await wait_text(emulator, user, "is here for you now")

    worker.send_command("handover", "Nobody Known", chat=staff_group, thread_id=thread)
    await wait_topic_text(
        emulator, staff_group, thread, staff_tr(bot)._("Whom to? Write /handover and a name from /staff.")
    )
    worker.send_command("handover", "alex", chat=staff_group, thread_id=thread)  # names match whatever the case
    told = youth_tr(bot, "en")._("{name} from the Anlaufstelle team is taking over your conversation now.", name="Alex")
    await wait_text(emulator, user, told)
    await wait_topic_text(
        emulator, staff_group, thread, staff_tr(bot)._("{name} has taken over this case.", name="Alex")
    )
    case = await case_of_topic(bot, thread)
    assert case.claimed_by == await staff_id(bot, alex)

    # Alex answers; the young person sees Alex's display name, never the account's name.
    alex.send_text("Hi, I am here now.", chat=staff_group, thread_id=thread)
    answer = await wait_text(emulator, user, "I am here now")
    assert answer["text"] == "Alex:\nHi, I am here now."
    assert "Alexandra" not in str(user.messages)


async def test_note_is_stored_encrypted_and_never_sent(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    seen_by_user = len(user.messages)
    note = "Mother called the office; suspects debts – do not mention"
    worker.send_command("note", note, chat=staff_group, thread_id=thread)
    await wait_topic_text(
        emulator, staff_group, thread, staff_tr(bot)._("📝 Note saved. It is not sent to the young person.")
    )
    worker.send_command("note", chat=staff_group, thread_id=thread)  # nothing after the command
    await wait_topic_text(emulator, staff_group, thread, staff_tr(bot)._("Write the note after the command: /note …"))

    case = await case_of_topic(bot, thread)
    [stored] = [m for m in await case_messages(bot, case.id) if m.direction == "note"]
    assert stored.text_enc is not None and note.encode() not in stored.text_enc
    assert bot.services is not None
    assert bot.services.keyring.decrypt(stored.text_enc).decode() == note
    assert len(user.messages) == seen_by_user, "nothing reached the young person"
    assert not [c for c in emulator.calls if "suspects debts" in str(c.params)], "the note went nowhere"
    assert case.waiting_since is not None, "a note is not an answer"


async def test_card_shows_the_case_again(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Amira", last_name="Haddad", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    case = await case_of_topic(bot, thread)
    tr = staff_tr(bot)
    worker.send_command("card", chat=staff_group, thread_id=thread)
    card = await wait_topic_text(emulator, staff_group, thread, tr._("Worker: nobody yet – /claim"))
    assert tr._("Case {alias}", alias=case.alias) in card["text"]
    assert "Ilsede" in card["text"] and "18–21" in card["text"]
    worker.send_command("claim", chat=staff_group, thread_id=thread)
    await wait_text(emulator, user, "is here for you now")
    worker.send_command("card", chat=staff_group, thread_id=thread)
    card = await wait_topic_text(emulator, staff_group, thread, tr._("Worker: {name}", name=STAFF_NAME))
    assert "Amira" not in card["text"] and "Haddad" not in card["text"]


async def test_close_with_an_outcome_then_the_young_person_writes_again_and_the_case_reopens(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    worker.send_text("We sorted it out, right?", chat=staff_group, thread_id=thread)
    await wait_text(emulator, user, "sorted it out")
    case = await case_of_topic(bot, thread)
    tr = staff_tr(bot)

    worker.send_command("close", chat=staff_group, thread_id=thread)
    question = await wait_topic_text(emulator, staff_group, thread, tr._("How did the case end?"))
    data = [b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert data == [
        f"close:{case.id}:{code}" for code in ("advice", "referred", "appointment", "resolved", "no_reply", "other")
    ]
    worker.press(f"close:{case.id}:advice", chat=staff_group)

    goodbye = youth_tr(bot, "en")._(
        "We are closing this conversation for now. If you want to talk again, just write – we are here."
    )
    await wait_text(emulator, user, goodbye)
    await emulator.wait_for(lambda: staff_group.topics[thread].closed)
    [closed] = [c for c in await all_cases(bot) if c.id == case.id]
    assert (closed.status, closed.outcome) == ("closed", "advice") and closed.closed_at is not None
    [close_call] = [c for c in emulator.calls_to("closeForumTopic") if c.status == 200]
    assert close_call.params["message_thread_id"] == thread
    done = tr._("Case closed by {name}: {outcome}.", name=STAFF_NAME, outcome=tr._("Advice given"))
    await emulator.wait_for(lambda: any(text_of(m) == done for m in staff_group.messages(thread_id=thread)))

    assert "reply_markup" not in next(m for m in staff_group.messages() if m["message_id"] == question["message_id"])
    # Closing a closed case does nothing but say so.
    worker.send_command("close", chat=staff_group, thread_id=thread)
    await emulator.wait_for(
        lambda: len([m for m in staff_group.messages(thread_id=thread) if "reply_markup" in m]) == 1
    )
    query = worker.press(f"close:{case.id}:resolved", chat=staff_group)
    await emulator.wait_for(lambda: emulator.callback_answer(query["id"]) is not None)
    assert emulator.callback_answer(query["id"])["text"] == tr._("This case is not open any more.")  # type: ignore[index]

    # The young person writes again: the same case opens again, in the same topic.
    user.send_text("Sorry, one more question")
    await wait_topic_text(emulator, staff_group, thread, "one more question")
    await wait_topic_text(emulator, staff_group, thread, tr._("The young person wrote again: the case is open again."))
    [reopen_call] = [c for c in emulator.calls_to("reopenForumTopic") if c.status == 200]
    assert reopen_call.params["message_thread_id"] == thread
    assert not staff_group.topics[thread].closed
    [again] = await all_cases(bot)
    assert (again.id, again.status, again.outcome, again.reopened_count) == (case.id, "open", None, 1)
    assert again.waiting_since is not None
    assert len(staff_group.topics) == 1

    # And the team can answer in it as before.
    worker.send_text("Sure, go ahead.", chat=staff_group, thread_id=thread)
    await wait_text(emulator, user, "go ahead")
    no_forwards(emulator)


async def test_the_first_plain_answer_claims_an_unclaimed_case(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
    team_member,
) -> None:
    alex = await team_member("Alex Private", "Alex", "worker")
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    assert (await case_of_topic(bot, thread)).claimed_by is None
    worker.send_text("Hi, Sam here.", chat=staff_group, thread_id=thread)
    await wait_text(emulator, user, "Sam here")
    alex.send_text("And Alex, too.", chat=staff_group, thread_id=thread)
    await wait_text(emulator, user, "Alex, too")
    case = await case_of_topic(bot, thread)
    assert case.claimed_by == await staff_id(bot, worker), "a later answer of someone else does not take it over"
    assert case.waiting_since is None and case.first_answer_at is not None


async def test_case_commands_outside_a_case_topic_say_where_they_work(
    bot: BotRuntime,
    emulator: Emulator,
    staff_group,
    worker,
) -> None:
    user = emulator.add_user(first_name="Omid", language_code="en")
    thread = await open_case(emulator, user, staff_group)
    hint = staff_tr(bot)._("Use this command inside a case topic.")
    for command, args in (("claim", None), ("note", "x"), ("card", None), ("close", None), ("handover", STAFF_NAME)):
        before = general_texts(staff_group).count(hint)
        worker.send_command(command, args, chat=staff_group)
        await emulator.wait_for(lambda b=before: general_texts(staff_group).count(hint) == b + 1)

    # A topic the team made for itself is not a case topic either.
    lounge = staff_group.create_topic("Team lounge", by=worker)["message_thread_id"]
    worker.send_command("claim", chat=staff_group, thread_id=lounge)
    await wait_topic_text(emulator, staff_group, lounge, hint)
    worker.send_text("Coffee anyone?", chat=staff_group, thread_id=lounge)  # the team talking among themselves
    worker.send_command("queue", chat=staff_group, thread_id=lounge)  # /queue works anywhere, here in the topic
    await wait_topic_text(emulator, staff_group, lounge, staff_tr(bot).ngettext("{n} open case", "{n} open cases", 1))
    assert not any("Coffee" in text_of(m) for m in user.messages)
    assert (await case_of_topic(bot, thread)).claimed_by is None

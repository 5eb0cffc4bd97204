"""``kill -9`` in the middle of a report, many times over: after each restart the dialog resumes, nothing twice.

The reporter behaves as a person would: when the bot went quiet (it died before answering), they send
"?" to see which question the bot is on, and answer that one. By long polling, a batch is confirmed
only once applied, so an update fetched but not applied when the bot died comes again after the
restart; an update applied but not answered (the reply dies with the process) is not applied a
second time.
"""

from __future__ import annotations

import asyncio
import os
import random
import re

import pytest

from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import BotMessage, Chat, Emulator, User
from tests.e2e.support.fixtures import require_postgres
from tests.e2e.support.scenarios import (
    ANSWERS,
    HAMLET,
    SKIP_WORD,
    expect,
    register,
    reports_of,
    start_report,
    vi,
)

pytestmark = pytest.mark.e2e

KILLS = 6
QUESTION = re.compile(r"\((\d+)/(\d+)\)")


def question_number(message: BotMessage) -> int | None:
    """The number of the question a message asks, if it asks one."""
    found = QUESTION.findall(message.text)
    return int(found[-1][0]) if found else None


async def where_are_we(chat: Chat) -> int:
    """After a restart: take the answer if one came, else send "?" and read the question repeated."""
    try:
        reply = await chat.reply(timeout=3)
    except AssertionError:
        reply = None
    number = question_number(reply) if reply is not None else None
    if number is None:
        await chat.send("?")
        messages = await chat.new_messages(1, timeout=15, settle=0.5)
        number = question_number(messages[-1])
    assert number is not None, "the bot does not say which question it is on"
    return number


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"])
async def test_kill_minus_nine_during_a_report(tg: Emulator, bots: BotRunner, framework: str, db_kind: str) -> None:
    """Kill the bot at random moments of the report; the saved report is exactly what the person meant."""
    if db_kind == "postgres":
        require_postgres()
    seed = int(os.environ.get("BAOCAO_E2E_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    db = await bots.database(db_kind)
    bot = await bots.start(framework, db)
    chat = tg.private(User(5554001, "Tuấn"))
    await register(chat, db)
    before = await reports_of(db)
    current = question_number((await start_report(chat))[1])
    kills = 0
    while current is not None and current <= len(ANSWERS):
        await chat.send(str(ANSWERS[current - 1]))
        if kills < KILLS and rng.random() < 0.6:
            await asyncio.sleep(rng.uniform(0.0, 0.12))
            bot.kill()
            kills += 1
            states = await db.query("SELECT step FROM dialog_states WHERE user_id = :u", u=str(chat.id))
            assert len(states) == 1, (seed, states)
            bot = await bots.start(framework, db)
            current = await where_are_we(chat)
        else:
            current = question_number(await chat.reply(timeout=15))
    assert kills >= 3, f"seed {seed}: only {kills} kills"
    summary = await chat.ask(SKIP_WORD)
    await chat.press(summary, "confirm")
    expect(await chat.reply(), vi("Saved the report of {unit} for {period} at {time}. Thank you!"), HAMLET)
    after = await reports_of(db)
    assert len(after) == len(before) + 1, (seed, before, after)
    assert (await db.report_values(HAMLET, after[0][0]))[: len(ANSWERS)] == ANSWERS, seed
    assert bot.stop() == 0, bot.log()

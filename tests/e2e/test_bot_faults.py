"""The real bot when Telegram misbehaves: faults injected by the proxy between ``baocao run`` and the emulator.

After each fault the dialog goes on from where it was, each step applied once, each message sent once.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import Emulator, User
from tests.e2e.support.proxy import Fault, FaultProxy
from tests.e2e.support.scenarios import expect, question_mark, register, start_report

pytestmark = pytest.mark.e2e

# The bot's per-request time-out (BOT_API_TIMEOUT): a hang outlasts it, a slow answer does not.
CLIENT_TIMEOUT = 3.0

CASES = {
    "429-send": lambda: Fault("429", method="sendMessage", retry_after=1),
    "500-send-twice": lambda: Fault("500", method="sendMessage", times=2),
    "drop-send": lambda: Fault("drop", method="sendMessage"),
    "slow-send": lambda: Fault("slow", method="sendMessage", delay=2.0),
    "hang-send": lambda: Fault("hang", method="sendMessage", delay=CLIENT_TIMEOUT + 5),
    "500-poll-twice": lambda: Fault("500", method="getUpdates", times=2),
    "429-poll": lambda: Fault("429", method="getUpdates", retry_after=1),
    "poll-answer-lost": lambda: Fault("drop", method="getUpdates", after_upstream=True),
}


async def wait_hit(fault: Fault, timeout: float = 15.0) -> None:
    """Wait until the bot's next request for the fault's method has reached the proxy."""
    deadline = time.monotonic() + timeout
    while fault.hits == 0:
        assert time.monotonic() < deadline, f"the bot made no {fault.method} request within {timeout}s"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("case", sorted(CASES))
async def test_dialog_survives_the_fault(
    tg: Emulator, bots: BotRunner, fault_proxy: FaultProxy, framework: str, case: str
) -> None:
    """Start a report through the fault: both messages arrive once and the next answer moves one step."""
    db = await bots.database()
    env = {"BOT_API_TIMEOUT": str(CLIENT_TIMEOUT)}
    bot = await bots.start(framework, db, api_url=fault_proxy.url, extra_env=env)
    chat = tg.private(User(5553000 + sorted(CASES).index(case), "Lan"))
    await register(chat, db)
    fault = fault_proxy.inject(CASES[case]())
    if fault.method == "getUpdates":
        await wait_hit(fault)  # the fault spoils the poll that carries (or precedes) the next message
    sent_at = time.monotonic()
    _intro, first = await start_report(chat, timeout=30)
    if fault.kind == "hang":  # the bot's own time-out ended the wait, not the proxy letting go
        assert time.monotonic() - sent_at < fault.delay, bot.log()
    expect(first, question_mark(1))
    expect(await chat.ask("5", timeout=30), question_mark(2))
    assert fault.hits == fault.times, (fault, fault_proxy.log)
    await tg.wait_consumed(timeout=20)
    assert len(await tg.calls("sendMessage")) == len(await chat.messages()), "a message was sent twice"
    steps = await db.query("SELECT step FROM dialog_states WHERE user_id = :u", u=str(chat.id))
    assert len(steps) == 1, steps
    assert bot.running, bot.log()

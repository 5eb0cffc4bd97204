"""A reminder pushed through the outbox by the running bot, for aiogram and PTB.

``baocao remind --at`` (the scheduler's query, at the first moment a reminder is due for our reporter)
writes the outbox row, available from that moment (the bot runs with its own scheduler off, so that
it never decides the same reminder itself at the pinned moment). The test then lets that moment come (it moves
the row's ``available_at`` to now: the bot process runs on the program clock, real or pinned by
``BAOCAO_CLOCK``, as this test does) and the running bot's sender delivers it to the reporter's chat,
once, even when the same moment is run again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from handlers.reminders import Planned, due_messages
from storage import clock
from storage.db import create_engine, session_factory
from storage.models.outbox import OutboxMessage
from tests.e2e.support.bot_process import BotRunner, Database, baocao_command
from tests.e2e.support.client import Emulator, User
from tests.e2e.support.proxy import Fault, FaultProxy
from tests.e2e.support.scenarios import register

pytestmark = pytest.mark.e2e

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
REPORTER = User(5557001, "Hoa")
# `baocao remind --at` plays the scheduler: the bot's own would decide the same reminder at a pinned evening.
NO_SCHEDULER = {"BAOCAO_SCHEDULER": "off"}


async def first_reminder(db: Database, chat_id: int, days: int = 45) -> tuple[dt.datetime, Planned]:
    """The first 08:00 (Vietnam) still to come when a reminder is due for ``chat_id``, and that reminder."""
    engine = create_engine(db.url)
    try:
        sessions = session_factory(engine)
        today = clock.now().astimezone(VIETNAM).date()
        for offset in range(days):
            at = dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(8, 0), VIETNAM)
            if at <= clock.now():
                continue  # a moment already past is sent at once: the test lets its moment come itself
            async with sessions() as session:
                for planned in await due_messages(session, at.astimezone(dt.UTC), with_chart=False):
                    if planned.transport == "telegram" and planned.chat_id == str(chat_id):
                        return at, planned
    finally:
        await engine.dispose()
    raise AssertionError(f"no reminder due for chat {chat_id} in the next {days} days")


async def let_the_moment_come(db: Database) -> int:
    """Make the rows written for a later moment available now; return how many."""
    engine = create_engine(db.url)
    try:
        async with session_factory(engine)() as session, session.begin():
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None))
                # A minute back: the bot's clock started (at a pinned moment) a little after ours.
                .values(available_at=clock.now() - dt.timedelta(minutes=1))
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def remind_at(db: Database, at: dt.datetime, directory: str) -> str:
    """Run ``baocao remind --at`` as an operator (or the scheduler) would; return its output."""
    proc = await asyncio.create_subprocess_exec(
        *baocao_command(),
        "remind",
        "--at",
        at.strftime("%Y-%m-%d %H:%M"),
        cwd=directory,
        env={**os.environ, "DATABASE_URL": db.url, "BAOCAO_LANGUAGE": "vi"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, out.decode()
    return out.decode()


@pytest.mark.calendar
async def test_reminder_reaches_the_reporter_once(tg: Emulator, bots: BotRunner, framework: str) -> None:
    """The due reminder arrives in the reporter's chat with the planned text, and only once."""
    db = await bots.database()
    await bots.start(framework, db, extra_env=NO_SCHEDULER)
    chat = tg.private(REPORTER)
    await register(chat, db)
    at, planned = await first_reminder(db, chat.id)
    await remind_at(db, at, str(bots.directory))
    assert await let_the_moment_come(db) == 1
    [reminder] = await chat.new_messages(1, timeout=20, settle=1.0)
    assert reminder.text == planned.text
    await remind_at(db, at, str(bots.directory))  # the same moment again: the outbox row exists already
    assert await let_the_moment_come(db) == 0
    await asyncio.sleep(2)
    assert [m.text for m in await chat.new_messages(0, timeout=1, settle=0)] == []
    sent = [c for c in await tg.calls("sendMessage") if c["params"]["text"] == planned.text]
    assert len(sent) == 1, sent


@pytest.mark.parametrize("kind", ["429", "500", "drop"])
async def test_reminder_survives_a_refused_send(
    tg: Emulator, bots: BotRunner, fault_proxy: FaultProxy, framework: str, kind: str
) -> None:
    """Telegram refuses the push once (429 with retry_after, 500, a dropped connection): it is retried, sent once."""
    db = await bots.database()
    await bots.start(framework, db, api_url=fault_proxy.url, extra_env=NO_SCHEDULER)
    chat = tg.private(REPORTER)
    await register(chat, db)
    at, planned = await first_reminder(db, chat.id)
    fault = fault_proxy.inject(Fault(kind, method="sendMessage", retry_after=1))  # type: ignore[arg-type]
    await remind_at(db, at, str(bots.directory))
    assert await let_the_moment_come(db) == 1
    [reminder] = await chat.new_messages(1, timeout=30, settle=1.0)
    assert reminder.text == planned.text and fault.hits == 1
    sent = [c for c in await tg.calls("sendMessage") if c["params"]["text"] == planned.text]
    assert len(sent) == 1, sent


@pytest.mark.calendar
async def test_reminder_waits_for_the_end_of_quiet_hours(tg: Emulator, bots: BotRunner, framework: str) -> None:
    """In the quiet hours (21:00-07:00 at night; here the two hours around now), a due reminder is held."""
    db = await bots.database()
    # Around the present moment, not "00:00-23:59": that window has a one-minute gap at midnight.
    local_now = clock.now().astimezone(VIETNAM)
    quiet = f"{local_now - dt.timedelta(hours=1):%H:%M}-{local_now + dt.timedelta(hours=1):%H:%M}"
    await bots.start(framework, db, extra_env={**NO_SCHEDULER, "BAOCAO_QUIET_HOURS": quiet})
    chat = tg.private(REPORTER)
    await register(chat, db)
    at, planned = await first_reminder(db, chat.id)
    await remind_at(db, at, str(bots.directory))
    assert await let_the_moment_come(db) == 1
    await asyncio.sleep(4)
    assert [c for c in await tg.calls("sendMessage") if c["params"]["text"] == planned.text] == []

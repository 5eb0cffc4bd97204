"""End to end on Zalo: a reminder decided by the real rules reaches a reporter through the running bot's
outbox sender, and the reporter starts the report by typing what the reminder says to type.

The rules decide the reminder for the first day it is due (from today on); the row is made available
now, since the bot's sender works on the real clock; the bot runs with its quiet hours off so that the
test means the same by day and by night (tests/e2e checks that quiet hours hold pushes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.reminders import Planned, due_messages
from storage import clock
from storage.db import create_engine, session_factory
from storage.models.outbox import OutboxMessage
from tests.e2e.support.bot_process import Database, create_database
from tests.e2e.support.scenarios import HAMLET, vi
from tests.zalo.bot_process import BotProcess, wait_for
from tests.zalo.chat_adapter import ZaloChat
from tests.zalo.server import ZaloTestServer

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
USER = "zalo-reporter-khelo"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer() as server:
        yield server


async def _first_reminder(db: Database) -> Planned:
    """The private reminder the rules decide for the Zalo reporter on the first day one is due."""
    engine = create_engine(db.url)
    try:
        async with session_factory(engine)() as session:
            today = clock.now().astimezone(TZ).date()
            for offset in range(62):
                moment = dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(10, 0), TZ)
                for item in await due_messages(session, moment.astimezone(dt.UTC), with_chart=False):
                    if item.transport == "zalo" and item.chat_id == USER:
                        return item
    finally:
        await engine.dispose()
    raise AssertionError("the rules decided no reminder for the reporter in two months")


async def _write_now(db: Database, item: Planned) -> None:
    engine = create_engine(db.url)
    try:
        async with session_factory(engine)() as session, session.begin():
            session.add(
                OutboxMessage(
                    transport=item.transport,
                    chat_id=item.chat_id,
                    chat_type=item.chat_type,
                    text=item.text,
                    buttons=item.buttons,
                    dedupe_key=item.dedupe_key,
                    unit_id=item.unit_id,
                    # A minute back: the bot's clock started (at a pinned moment) a little after ours.
                    available_at=clock.now() - dt.timedelta(minutes=1),
                )
            )
    finally:
        await engine.dispose()


async def test_reminder_on_zalo_and_typing_its_button_starts_the_report(zalo: ZaloTestServer, tmp_path: Path) -> None:
    db = await create_database("sqlite", tmp_path)
    token = zalo.add_bot()
    env = {"DATABASE_URL": db.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url, "BAOCAO_LANGUAGE": "vi",
           "BAOCAO_QUIET_HOURS": "off"}
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        await wait_for(lambda: zalo.calls(token, "getUpdates") > 0, what="the bot to poll")
        chat = ZaloChat(zalo, token, USER)
        assert HAMLET in (await chat.ask(db.codes.hamlets[HAMLET])).text
        reminder = await _first_reminder(db)
        await _write_now(db, reminder)
        pushed = await chat.reply(timeout=30)
        label = vi("Start the report")
        assert HAMLET in pushed.text and pushed.text.endswith(vi("Type “{label}”") + label + "”"), pushed.text
        await chat.send(label)
        answers = await chat.new_messages(1, timeout=15, settle=1.0)
        if not any("(1/" in m.text for m in answers):
            # Early in a month the bot asks which month first: the official answers as they would.
            assert HAMLET in answers[-1].text, answers[-1].text
            await chat.send("tháng này")
            answers = await chat.new_messages(2, timeout=15)
        assert HAMLET in answers[0].text and "(1/" in answers[-1].text
        assert zalo.calls(token, "sendMessage") == len(await chat.messages())  # nothing sent twice
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()

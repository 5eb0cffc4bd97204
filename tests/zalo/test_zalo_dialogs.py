"""The Telegram end-to-end dialog scenarios, unchanged, on Zalo: the real bot against the Zalo test server.

``tests/e2e/support/scenarios.py`` drives a chat (registration, a report with a refused value and a
correction, /xem, the database holding the report once); here its chat is a Zalo chat, where the
buttons are numbered lines the user answers by typing the number.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from tests.e2e.support.bot_process import create_database, drop_database
from tests.e2e.support.fixtures import require_postgres
from tests.e2e.support.scenarios import (
    HAMLET,
    check_stored_once,
    expect,
    file_report_with_rejection_and_correction,
    register,
    reports_of,
    vi,
    view_latest,
)
from tests.zalo.bot_process import BotProcess, wait_for
from tests.zalo.chat_adapter import ZaloChat
from tests.zalo.server import ZaloTestServer

if TYPE_CHECKING:
    from tests.e2e.support.client import BotMessage, Chat

pytestmark = pytest.mark.e2e


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer() as server:
        yield server


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"])
async def test_register_report_and_view_on_zalo(zalo: ZaloTestServer, tmp_path: Path, db_kind: str) -> None:
    """Registration, a complete report with a refused value and a correction, then /xem."""
    if db_kind == "postgres":
        require_postgres()
    db = await create_database(db_kind, tmp_path)
    token = zalo.add_bot()
    env = {"DATABASE_URL": db.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url, "BAOCAO_LANGUAGE": "vi"}
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        await wait_for(lambda: zalo.calls(token, "getUpdates") > 0, what="the bot to poll")
        # The scenario only reads ``.text`` and calls send/ask/reply/new_messages/press, which ZaloChat has.
        chat = cast("Chat", ZaloChat(zalo, token, "zalo-hoa"))
        await register(chat, db)
        expect(await chat.ask("/xem"), vi("{unit} has not filed a report yet."), HAMLET)
        before = await reports_of(db)
        await file_report_with_rejection_and_correction(chat)
        await view_latest(chat)
        await check_stored_once(db, before)
        # Every message the user saw was sent once: no retries, no doubles.
        assert zalo.calls(token, "sendMessage") == len(zalo.sent(token, "zalo-hoa"))
    finally:
        code = await bot.stop()
        await drop_database(db)
    assert code == 0, bot.log()


async def test_a_question_about_the_units_tasks_on_zalo(zalo: ZaloTestServer, tmp_path: Path) -> None:
    """A registered reporter asks in plain Vietnamese what the hamlet was assigned, and gets the tasks."""
    db = await create_database("sqlite", tmp_path)
    token = zalo.add_bot()
    env = {"DATABASE_URL": db.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url, "BAOCAO_LANGUAGE": "vi"}
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        chat = ZaloChat(zalo, token, "zalo-lan")
        expect(cast("BotMessage", await chat.ask(db.codes.hamlets[HAMLET])), HAMLET)
        answer = await chat.ask("đơn vị tôi được giao nhiệm vụ gì?", timeout=30)
        lines = answer.text.splitlines()
        assert lines[0].startswith(HAMLET), answer.text
        assert any(line.startswith("1. ") for line in lines), answer.text  # the tasks, numbered
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()

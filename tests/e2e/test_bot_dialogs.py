"""The real bot (``baocao run``) against the emulator by long polling, for aiogram and python-telegram-bot.

A hamlet reporter registers with an invite code, files the month's report (a refused value, a
correction), and reads it back with /xem; the database holds the report once.
"""

from __future__ import annotations

import pytest

from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import Emulator, User
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

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]

HOA = User(5551001, "Hoa", "hoa_khelo")


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"])
async def test_register_report_and_view(tg: Emulator, bots: BotRunner, framework: str, db_kind: str) -> None:
    """Registration, a complete report with a refused value and a correction, then /xem."""
    if db_kind == "postgres":
        require_postgres()
    db = await bots.database(db_kind)
    bot = await bots.start(framework, db)
    chat = tg.private(HOA)
    await register(chat, db)
    expect(await chat.ask("/xem"), vi("{unit} has not filed a report yet."), HAMLET)
    before = await reports_of(db)
    await file_report_with_rejection_and_correction(chat)
    await view_latest(chat)
    await check_stored_once(db, before)
    await tg.wait_consumed()
    # Every message the user saw was sent once: no retries, no doubles.
    assert len(await tg.calls("sendMessage")) == len(await chat.messages())
    assert bot.stop() == 0, bot.log()

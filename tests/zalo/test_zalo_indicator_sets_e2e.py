"""A reshaped indicator set end to end on Zalo: the real ``baocao run --transport zalo`` process against the Zalo
test server. The set is exported and imported as version 2 with the command line (Zalo passes no files to
bots); the reporter is then asked the new question and not the retired one, last month's report is shown
with its old labels, and an admin who sends a file on Zalo is told to use Telegram or the command line.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import parser
from bot.cli_indicators import run_export, run_import
from storage import clock
from storage.calendar import TZ
from storage.db import create_engine, session_factory
from storage.demo import load_demo
from storage.migrate import upgrade
from storage.periods import period_of, previous
from tests.indicators.edit import NEW_LABEL, NEW_QUESTION, OLD_LABEL, edited, the_usual_edit
from tests.zalo.bot_process import BotProcess, ZaloUser
from tests.zalo.server import ZaloTestServer

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]

HAMLET = "Bản Khe Ló"


@dataclass
class Demo:
    """The demo commune in a fresh SQLite file: a hamlet's invite code and the admin's."""

    url: str
    hamlet_code: str
    admin_code: str


@pytest.fixture
async def demo(tmp_path: Path) -> Demo:
    """Load the demo commune at the program clock's today."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        now = clock.now()
        async with session_factory(engine)() as session, session.begin():
            summary = await load_demo(session, now, now.astimezone(TZ).date())
    finally:
        await engine.dispose()
    code = next(h.invite_code for h in summary.hamlets if h.name == HAMLET)
    return Demo(url, code, summary.admin_code)


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer() as server:
        yield server


def _args(*argv: str) -> argparse.Namespace:
    return parser().parse_args(["indicators", *argv])


async def test_after_a_cli_import_the_zalo_reporter_is_asked_the_new_question(
    demo: Demo, zalo: ZaloTestServer, tmp_path: Path
) -> None:
    sheet = tmp_path / "chi-tieu.xlsx"
    assert await run_export(create_engine(demo.url), _args("export", "--area", "Nà Khuông", "-o", str(sheet))) == 0
    sheet.write_bytes(edited(sheet.read_bytes(), the_usual_edit))
    assert await run_import(create_engine(demo.url), _args("import", "--area", "Nà Khuông", str(sheet), "--yes")) == 0

    token = zalo.add_bot()
    env = {"DATABASE_URL": demo.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url,
           "BAOCAO_QUIET_HOURS": "off"}
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        admin = ZaloUser(zalo, token, "zalo-admin")
        [welcome] = await admin.ask(demo.admin_code)
        assert "Công an" in welcome, welcome
        await zalo.send_unsupported(token, "zalo-admin")  # the admin tries to send the sheet as a file
        [hint] = await admin.replies()
        assert "Zalo không chuyển tệp" in hint and "baocao indicators import" in hint, hint

        reporter = ZaloUser(zalo, token, "zalo-reporter")
        [registered] = await reporter.ask(demo.hamlet_code)
        assert HAMLET in registered, registered
        today = clock.now().astimezone(TZ).date()
        month = period_of("month", today)
        asked = await reporter.ask(f"báo cáo tháng {month.number}/{month.year}", count=2)
        for _step in range(20):
            [reply] = await reporter.ask("0")
            asked.append(reply)
            if "\n1. " in reply and ("Vui lòng kiểm tra" in reply or "Đúng chưa" in reply):
                break
        joined = "\n".join(asked)
        assert NEW_QUESTION in joined and "xét nghiệm ma túy" in joined, joined
        assert "tụ điểm nghi vấn" not in joined, joined
        assert NEW_LABEL in asked[-1], asked[-1]

        last = previous(month)
        [shown] = await reporter.ask(f"/xem tháng {last.number}/{last.year}")
        assert HAMLET in shown and OLD_LABEL in shown and "Điểm nghi vấn" in shown, shown
        assert NEW_LABEL not in shown and "Xét nghiệm" not in shown, shown
    finally:
        await bot.stop()

"""End to end on Zalo, whose ordinary bots cannot join groups: a province leader (registered with the code
``baocao province-invite`` printed) asks /tonghop privately and gets the province summary of communes and
its chart; the summary the rules decide after the communes' deadline reaches them privately through the
running bot's outbox sender.

As in test_zalo_reminder_e2e.py, the rows are decided by the real rules for the first day one is due (from
today on) and made available now, since the bot's sender works on its own clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.province_reminders import province_due
from handlers.reminders import Planned
from storage import clock
from storage.calendar import TZ
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage, Unit
from tests.e2e.support.bot_process import Database, create_database
from tests.e2e.test_bot_province_group import province_invite
from tests.zalo.bot_process import BotProcess, free_port, wait_for
from tests.zalo.chat_adapter import ZaloChat
from tests.zalo.server import ZaloTestServer

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]
LEADER = "zalo-province-leader"
OFFICER = "zalo-commune-police"
PHONE = "0912345678"


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer() as server:
        yield server


async def _first_push(db: Database) -> list[Planned]:
    """The province summary rows the rules decide for the Zalo leader on the first day one is due."""
    engine = create_engine(db.url)
    try:
        async with session_factory(engine)() as session:
            province = await session.scalar(select(Unit).where(Unit.kind == "province"))
            assert province is not None
            today = clock.now().astimezone(TZ).date()
            for offset in range(62):
                moment = dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(10, 0), TZ)
                items = [item for item in await province_due(session, province, moment.astimezone(dt.UTC))
                         if item.transport == "zalo" and item.chat_id == LEADER]
                if items:
                    return items
    finally:
        await engine.dispose()
    raise AssertionError("the rules decided no province summary for the leader in two months")


async def _write_now(db: Database, items: list[Planned]) -> None:
    engine = create_engine(db.url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for item in items:
                session.add(OutboxMessage(
                    transport=item.transport, chat_id=item.chat_id, chat_type=item.chat_type, text=item.text,
                    attachment=item.attachment, attachment_name=item.attachment_name,
                    attachment_kind=item.attachment_kind, dedupe_key=item.dedupe_key, unit_id=item.unit_id,
                    available_at=clock.now() - dt.timedelta(minutes=1),
                ))
    finally:
        await engine.dispose()


async def test_a_province_leader_on_zalo_gets_the_summary_privately(zalo: ZaloTestServer, tmp_path: Path) -> None:
    db = await create_database("sqlite", tmp_path)
    code = await province_invite(db, str(tmp_path))
    token = zalo.add_bot()  # an ordinary Zalo bot: no groups
    port = free_port()
    # The chart goes as a picture Zalo fetches from the bot's own file endpoint.
    env = {"DATABASE_URL": db.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url, "BAOCAO_LANGUAGE": "vi",
           "BAOCAO_QUIET_HOURS": "off", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "WEBHOOK_HOST": "127.0.0.1",
           "WEBHOOK_PORT": str(port), "BAOCAO_FILES_DIR": str(tmp_path / "files")}
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        await wait_for(lambda: zalo.calls(token, "getUpdates") > 0, what="the bot to poll")
        # The commune police's admin registers on Zalo, is told of /sdt and gives a work phone; the summary
        # then names that phone (a tg:// link is nothing a leader on Zalo can follow).
        police = ZaloChat(zalo, token, OFFICER)
        registered = (await police.ask(f"/start {db.codes.admin}")).text
        assert "Đăng ký thành công" in registered and "/sdt" in registered, registered
        assert f"Đã lưu: {PHONE}" in (await police.ask("/sdt 0912 345 678")).text
        chat = ZaloChat(zalo, token, LEADER)
        assert "Lai Sơn" in (await chat.ask(code)).text
        await chat.send("/tonghop")
        asked = await chat.new_messages(2, timeout=30, settle=1.0)
        assert asked[0].text.startswith("Báo cáo của các xã") and "Xã Nà Khuông" in asked[0].text, asked[0].text
        assert f"Xã Nà Khuông (gọi {PHONE})" in asked[0].text, asked[0].text
        await chat.send("/tonghop chi tiết")
        detailed = await chat.new_messages(2, timeout=30, settle=1.0)
        details = "\n".join(m.text for m in detailed if not m.photo)
        assert PHONE in details and "tg://" not in details, details
        assert any(m.photo for m in asked)
        # One text and one chart per period due that day (on 16/12 the fourth quarter's and the year's).
        items = await _first_push(db)
        await _write_now(db, items)
        pushed = await chat.new_messages(len(items), timeout=30, settle=1.0)
        texts = [m for m in pushed if not m.photo]
        assert len(texts) == len(items) // 2 and len(pushed) == len(items)
        for text in texts:
            assert text.text.startswith("Báo cáo của các xã") and "Xã Nà Khuông" in text.text, text.text
            assert PHONE in text.text, text.text
        photos = [s for s in zalo.sent(token, LEADER) if s.kind == "photo"]
        assert len(photos) == 2 + len(texts)  # the two asked-for charts and each pushed one
        assert all(p.photo is not None and p.photo.startswith(b"\x89PNG") for p in photos)
    finally:
        status = await bot.stop()
    assert status == 0, bot.log()
    assert "Traceback" not in bot.log(), bot.log()
    assert PHONE not in bot.log() and "0912 345 678" not in bot.log()  # a phone is never logged

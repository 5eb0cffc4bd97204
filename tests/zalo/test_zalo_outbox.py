"""The outbox sender delivering on Zalo: the real sender, a real database (SQLite and PostgreSQL), the
test server; a reminder with its button as a numbered line, a summary chart published and fetched by
URL, a 429 waited out, and Telegram's rows left alone; a pushed button is shown as the words to type.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.rate_limit import Limits, RateLimiter
from bot.sender import OutboxSender, SenderSettings
from bot.transports.public_files import PublicFiles
from bot.transports.zalo_api import ZaloBotApi
from bot.transports.zalo_out import ZaloSender
from conversations.vocabulary import says
from locales.i18n import _, set_language
from storage.db import session_factory
from storage.models.outbox import OutboxMessage
from tests.zalo.server import ZaloTestServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 40


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer() as server:
        yield server


@pytest.fixture
async def files(tmp_path: Path) -> AsyncIterator[PublicFiles]:
    """The file endpoint, really served on 127.0.0.1."""
    public = PublicFiles(tmp_path / "files", "http://127.0.0.1:1")
    app = web.Application()
    public.add_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    public.public_base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield public
    await runner.cleanup()


def _row(key: str, chat_id: str, text: str, **extra: object) -> OutboxMessage:
    return OutboxMessage(dedupe_key=key, chat_id=chat_id, text=text, **{"transport": "zalo", **extra})


async def test_outbox_rows_reach_zalo_once(engine: AsyncEngine, zalo: ZaloTestServer, files: PublicFiles) -> None:
    token = zalo.add_bot()
    zalo.add_chat(token, "u1")
    zalo.add_chat(token, "g1", group=True)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add_all(
            [
                _row(
                    "remind:u1",
                    "u1",
                    "Bản Khe Ló chưa gửi báo cáo tháng 11/2026.",
                    buttons=[[{"label": "Báo cáo ngay", "data": "report:start"}]],
                ),
                _row(
                    "summary:g1",
                    "g1",
                    "Biểu đồ tháng 11/2026",
                    chat_type="group",
                    attachment=PNG,
                    attachment_name="tonghop-2026-11.png",
                    attachment_kind="photo",
                ),
                _row("telegram:1", "-100", "for Telegram", transport="telegram", chat_type="group"),
            ]
        )
    zalo.fail_next(token, "sendMessage", error_code=429, retry_after=1)
    async with ZaloBotApi(token, zalo.base_url) as api:
        sender = OutboxSender(
            sessions,
            ZaloSender(api, files),
            limiter=RateLimiter(Limits(chat_interval=0.0)),
            settings=SenderSettings(backoff_base=0.1),
            transport="zalo",
        )
        stats = await sender.drain(timeout=30)
    assert stats.sent == 2 and stats.failed == 0
    [reminder] = zalo.sent(token, "u1")
    # A pushed message waits for no numbered answer: its button is shown as the words to type.
    assert reminder.text == "Bản Khe Ló chưa gửi báo cáo tháng 11/2026.\n\nGõ “Báo cáo ngay”"
    [chart] = zalo.sent(token, "g1")
    assert chart.kind == "photo" and chart.photo == PNG and chart.text == "Biểu đồ tháng 11/2026"
    async with sessions() as session:
        rows = {r.dedupe_key: r for r in (await session.scalars(select(OutboxMessage))).all()}
    assert rows["remind:u1"].message_id == reminder.message_id and rows["remind:u1"].sent_at is not None
    assert rows["summary:g1"].message_id == chart.message_id
    assert rows["telegram:1"].sent_at is None and rows["telegram:1"].claimed_by is None
    assert zalo.calls(token, "sendMessage") == 2  # the 429, then the one delivery


async def test_a_blocked_chat_fails_the_row_for_good(engine: AsyncEngine, zalo: ZaloTestServer) -> None:
    token = zalo.add_bot()
    zalo.add_chat(token, "u2")
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        session.add(_row("remind:u2", "u2", "Nhắc việc"))
    zalo.fail_next(token, "sendMessage", error_code=403, description="Forbidden: the user blocked the bot")
    async with ZaloBotApi(token, zalo.base_url) as api:
        stats = await OutboxSender(sessions, ZaloSender(api), transport="zalo").drain(timeout=10)
    assert (stats.sent, stats.failed) == (0, 1)
    async with sessions() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert row.failed_at is not None and row.last_error is not None and "403" in row.last_error
    assert zalo.sent(token) == []


def test_the_reminders_button_label_typed_on_zalo_starts_the_report() -> None:
    """Pins the typed equivalent of the reminder's only button: on Zalo the user types its label."""
    for language in ("vi", "en"):
        set_language(language)
        assert says(_("Start the report"), "start_report"), language

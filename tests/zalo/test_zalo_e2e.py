"""End to end on Zalo: the real ``baocao run --transport zalo`` process against the Zalo test server.

A reporter registers with the invite code, files the monthly report (a rejected answer, then an
item corrected before confirming), sees it with /xem; the bot is killed with SIGKILL mid-report and
restarted, by polling and behind the webhook, and nothing is lost or sent twice.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from bot.transports.zalo_updates import SECRET_HEADER
from storage import clock
from storage.db import create_engine, session_factory
from storage.demo import load_demo
from storage.migrate import upgrade
from storage.models import Unit
from storage.periods import period_of
from storage.reports import IndicatorView, indicator_set_for, latest_report, report_for
from tests.zalo.bot_process import BotProcess, ZaloUser, free_port, wait_for
from tests.zalo.server import ZaloTestServer

pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SECRET = "e2e-webhook-secret"
CONFIRM_LINES = re.compile(r"\n1\. .+\n2\. .+\n3\. .+$")


@dataclass
class Demo:
    """The demo commune in a fresh database, and what the test needs to know of one hamlet."""

    url: str
    code: str
    hamlet: str
    unit_id: int
    set_id: int
    period: str
    indicators: list[IndicatorView]
    previous: dict[str, int | None]

    def answer(self, indicator: IndicatorView) -> str:
        """A plausible answer: last month's figure (so no "are you sure?" check fires)."""
        if indicator.kind == "text":
            return "Không có gì mới"
        value = self.previous.get(indicator.code)
        return str(value if value is not None else 0)


@pytest.fixture
async def demo(tmp_path: Path) -> Demo:
    """The demo commune in a fresh SQLite file, and one hamlet's form and last figures."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = clock.now()
        today = now.astimezone(TZ).date()
        async with sessions() as session, session.begin():
            summary = await load_demo(session, now, today)
        hamlet = summary.hamlets[0]
        period = period_of("month", today).code
        async with sessions() as session:
            unit = (await session.scalars(select(Unit).where(Unit.name == hamlet.name))).one()
            found = await indicator_set_for(session, unit)
            assert found is not None
            previous = await latest_report(session, unit.id, before=period)
        return Demo(
            url,
            hamlet.invite_code,
            hamlet.name,
            unit.id,
            found[0].id,
            period,
            found[1],
            dict(previous.values) if previous else {},
        )
    finally:
        await engine.dispose()


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    # Webhook deliveries keep being retried for a minute: long enough for a restart.
    async with ZaloTestServer(webhook_attempts=300, webhook_retry_delay=0.2) as server:
        yield server


def _env(demo: Demo, zalo: ZaloTestServer, token: str) -> dict[str, str]:
    return {"DATABASE_URL": demo.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url}


async def _saved_values(demo: Demo) -> dict[str, int | None] | None:
    engine = create_engine(demo.url)
    try:
        async with session_factory(engine)() as session:
            report = await report_for(session, demo.unit_id, demo.set_id, demo.period)
            return dict(report.values) if report else None
    finally:
        await engine.dispose()


async def _register(user: ZaloUser, demo: Demo) -> None:
    [welcome] = await user.ask(demo.code)
    assert demo.hamlet in welcome


async def _start_report(user: ZaloUser) -> str:
    """Say "báo cáo"; pick the current month if asked; return the first question."""
    replies = await user.ask("báo cáo")
    if "(1/" not in replies[-1]:  # early in a month the period is asked first: 2 is the current one
        replies = await user.ask("2", count=2)
    assert "(1/" in replies[-1]
    return replies[-1]


@pytest.mark.calendar
async def test_register_report_with_a_rejected_value_and_a_correction_then_view(
    demo: Demo, zalo: ZaloTestServer, tmp_path: Path
) -> None:
    token = zalo.add_bot()
    bot = await BotProcess(_env(demo, zalo, token), tmp_path / "bot.log").start()
    try:
        user = ZaloUser(zalo, token, "zalo-user-1")
        await _register(user, demo)
        await _start_report(user)
        total = len(demo.indicators)
        expected: dict[str, int | None] = {}
        for index, indicator in enumerate(demo.indicators):
            if index == 1:
                [rejected] = await user.ask("abc")
                assert "abc" in rejected and f"(2/{total})" in rejected  # asked again, not skipped
            [answer] = await user.ask(demo.answer(indicator))
            if indicator.kind != "text":
                expected[indicator.code] = int(demo.answer(indicator))
            if index + 1 < total:
                assert f"({index + 2}/{total})" in answer, answer
        assert CONFIRM_LINES.search(answer), answer  # the buttons, as numbered lines
        first = next(i for i in demo.indicators if i.kind != "text")
        [choose] = await user.ask("2")  # Edit an item
        assert "\n1. " in choose
        [again] = await user.ask(str(demo.indicators.index(first) + 1))
        assert f"({demo.indicators.index(first) + 1}/{total})" in again
        corrected = expected[first.code] = (expected[first.code] or 0) + 1
        [summary] = await user.ask(str(corrected))
        assert CONFIRM_LINES.search(summary) and f"{first.label}: {corrected} " in summary
        [saved] = await user.ask("1")  # Confirm
        assert demo.hamlet in saved
        values = await _saved_values(demo)
        assert values is not None
        assert {code: values.get(code) for code in expected} == expected
        [view] = await user.ask("/xem")
        assert demo.hamlet in view and f"{first.label}: {corrected} " in view
        await zalo.send_sticker(token, "zalo-user-1")
        [typed_please] = await user.replies()
        assert typed_please
    finally:
        code = await bot.stop()
        log = bot.log()
    assert code == 0, log
    assert "Traceback" not in log, log


async def _resume_after_kill(demo: Demo, zalo: ZaloTestServer, token: str, bot: BotProcess, user: ZaloUser) -> None:
    """Answer three questions, kill the bot, answer the fourth while it is down, restart, finish."""
    await _register(user, demo)
    await _start_report(user)
    total = len(demo.indicators)
    for indicator in demo.indicators[:3]:
        await user.ask(demo.answer(indicator))
    await bot.kill()
    await user.say(demo.answer(demo.indicators[3]))
    await zalo_idle(zalo, token)
    await bot.start()
    [fifth] = await user.replies(timeout=60)
    assert f"(5/{total})" in fifth
    for indicator in demo.indicators[4:]:
        [last] = await user.ask(demo.answer(indicator))
    assert CONFIRM_LINES.search(last)
    [saved] = await user.ask("1")
    assert demo.hamlet in saved
    assert await _saved_values(demo) is not None
    texts = [m.text or "" for m in zalo.sent(token, user.chat_id)]
    for number in range(1, total + 1):
        asked = [t for t in texts if f"({number}/{total})" in t]
        assert len(asked) == 1, f"question {number} was sent {len(asked)} times"
    assert texts.count(saved) == 1 and len(texts) == len(set(texts))


async def zalo_idle(zalo: ZaloTestServer, token: str) -> None:
    """Give the test server a moment (nothing is polling: the event must stay queued)."""
    await wait_for(lambda: len(zalo.bot(token).pending) == 1, timeout=5, what="the event to be queued")


async def test_polling_bot_killed_mid_report_loses_nothing_and_sends_nothing_twice(
    demo: Demo, zalo: ZaloTestServer, tmp_path: Path
) -> None:
    token = zalo.add_bot()
    bot = await BotProcess(_env(demo, zalo, token), tmp_path / "bot.log").start()
    try:
        await _resume_after_kill(demo, zalo, token, bot, ZaloUser(zalo, token, "zalo-user-2"))
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()


async def test_webhook_bot_refuses_forged_events_and_survives_a_kill(
    demo: Demo, zalo: ZaloTestServer, tmp_path: Path
) -> None:
    token = zalo.add_bot()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/zalo/webhook"
    env = {
        **_env(demo, zalo, token),
        "WEBHOOK_URL": hook,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    bot = await BotProcess(env, tmp_path / "bot.log", webhook=True).start()
    try:
        await wait_for(lambda: zalo.bot(token).webhook_url == hook, what="setWebhook")
        forged = {
            "event_name": "message.text.received",
            "message": {
                "message_id": "forged-1",
                "from": {"id": "intruder"},
                "chat": {"id": "intruder", "chat_type": "PRIVATE"},
                "date": 1,
                "text": demo.code,
            },
        }
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "wrong-secret-value"}):
                async with http.post(hook, json=forged, headers=headers) as answer:
                    assert answer.status == 401
        user = ZaloUser(zalo, token, "zalo-user-3")
        await _resume_after_kill(demo, zalo, token, bot, user)
        assert zalo.sent(token, "intruder") == []
        [view] = await user.ask("/xem")
        assert demo.hamlet in view
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()

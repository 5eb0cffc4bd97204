"""The report dialog through aiogram's real Dispatcher, fed real ``Update`` objects.

The Bot's session is a hand-written fake (tests/core/fakes.py) that records every Bot API call, so no
request leaves the process; the dispatcher, parsing and our transport are real.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, SendMessage
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.transports.aiogram_transport import build_dispatcher
from handlers.dispatch import Core
from tests.core.chat import Clock, code_of, demo
from tests.core.fakes import RecordingSession, Telegram
from tests.core.test_report_dialog import ANSWERS, khe_lo_report


async def test_report_through_aiogram_with_a_redelivered_update(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    session = RecordingSession()
    bot = Bot(token="42:TEST", session=session)
    dispatcher = build_dispatcher(Core(sessions=sessions, clock=clock))
    telegram = Telegram(7001)

    await dispatcher.feed_update(bot, telegram.text(f"/start {code_of(summary, 'Bản Khe Ló')}"))
    assert "Bản Khe Ló" in session.sent_texts()[-1]
    await dispatcher.feed_update(bot, telegram.text("bao cao"))
    assert "(1/13)" in session.sent_texts()[-1]
    first_answer = telegram.text("-1")
    await dispatcher.feed_update(bot, first_answer)
    assert "không được âm" in session.sent_texts()[-1]
    calls_before = len(session.calls)
    await dispatcher.feed_update(bot, first_answer)  # Telegram redelivers after a crash
    assert len(session.calls) == calls_before
    for answer in ANSWERS:
        await dispatcher.feed_update(bot, telegram.text(answer))
    await dispatcher.feed_update(bot, telegram.text("bỏ qua"))
    summary_call = session.calls[-1]
    assert isinstance(summary_call, SendMessage) and summary_call.reply_markup is not None
    await dispatcher.feed_update(bot, telegram.press("confirm"))
    assert any(isinstance(c, AnswerCallbackQuery) for c in session.calls)
    assert "Đã lưu báo cáo tháng 11/2026" in session.sent_texts()[-1]
    report = await khe_lo_report(engine)
    assert report is not None and report.period_code == "2026-11" and report.values["nghien"] == 3

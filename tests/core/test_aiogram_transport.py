"""The report dialog through aiogram's real Dispatcher, fed real ``Update`` objects.

The Bot's session is a hand-written fake that records every Bot API call and answers it the way
Telegram would, so no request leaves the process; the dispatcher, parsing and our transport are real.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.transports.aiogram_transport import build_dispatcher
from handlers.dispatch import Core
from tests.core.chat import Clock, code_of, demo
from tests.core.test_report_dialog import ANSWERS, khe_lo_report


class RecordingSession(BaseSession):
    """Answers Bot API calls in-process and keeps them for the test to read."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self._ids = itertools.count(1)

    async def close(self) -> None:
        return None

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        self.calls.append(method)
        if isinstance(method, SendMessage):
            return Message(message_id=next(self._ids), date=dt.datetime.now(dt.UTC),
                           chat=Chat(id=int(method.chat_id), type="private"), text=method.text)
        if isinstance(method, AnswerCallbackQuery):
            return True
        raise AssertionError(f"unexpected Bot API call {type(method).__name__}")

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise AssertionError("no downloads in this test")

    def sent_texts(self) -> list[str]:
        return [c.text for c in self.calls if isinstance(c, SendMessage)]


class Telegram:
    """Builds updates the way Telegram sends them, from one user in a private chat."""

    def __init__(self, user_id: int) -> None:
        self.user = User(id=user_id, is_bot=False, first_name="Cán bộ")
        self.chat = Chat(id=user_id, type="private")
        self.update_ids = itertools.count(500)
        self.message_ids = itertools.count(1)

    def text(self, text: str) -> Update:
        message = Message(message_id=next(self.message_ids), date=dt.datetime.now(dt.UTC), chat=self.chat,
                          from_user=self.user, text=text)
        return Update(update_id=next(self.update_ids), message=message)

    def press(self, data: str) -> Update:
        message = Message(message_id=next(self.message_ids), date=dt.datetime.now(dt.UTC), chat=self.chat,
                          text="…")
        callback = CallbackQuery(id=str(next(self.update_ids)), from_user=self.user, chat_instance="1",
                                 message=message, data=data)
        return Update(update_id=next(self.update_ids), callback_query=callback)


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

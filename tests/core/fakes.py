"""Hand-written fakes of the outside world for in-process tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User


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
        # Apart from every other fake user and from tests.core.chat.User, so no update id is shared.
        self.update_ids = itertools.count(user_id * 1_000_000)
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

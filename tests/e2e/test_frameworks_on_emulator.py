"""The emulator and its fixes carry the real frameworks: aiogram 3 and python-telegram-bot 22, long polling.

Each framework runs a tiny bot (no baocao code): it answers /start, echoes text with two buttons and,
when a button is pressed, answers the callback and edits the message. The user side is our client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram import InlineKeyboardButton as PtbButton
from telegram import InlineKeyboardMarkup as PtbMarkup
from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.e2e.support.client import Emulator, User

pytestmark = pytest.mark.e2e

LAN = User(301, "Lan", "lan")
MINH = User(302, "Minh")


@asynccontextmanager
async def aiogram_echo(tg: Emulator) -> AsyncIterator[Bot]:
    """A real aiogram Bot + Dispatcher polling the emulator."""
    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    dp = Dispatcher()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Đúng", callback_data="yes")],
            [InlineKeyboardButton(text="Sai", callback_data="no")],
        ]
    )

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("start ok")

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}", reply_markup=keyboard)

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer(f"got {query.data}")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"pressed {query.data} in {query.chat_instance}")

    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        yield bot
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, 10)


@asynccontextmanager
async def ptb_echo(tg: Emulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """A real python-telegram-bot Application polling the emulator."""
    app = Application.builder().token(tg.token).base_url(f"{tg.url}/bot").base_file_url(f"{tg.url}/file/bot").build()
    keyboard = PtbMarkup([[PtbButton("Đúng", callback_data="yes")], [PtbButton("Sai", callback_data="no")]])

    async def start(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("start ok")

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}", reply_markup=keyboard)

    async def pressed(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"got {query.data}")
        await query.edit_message_text(f"pressed {query.data} in {query.chat_instance}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0.0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


FRAMEWORKS = {"aiogram": aiogram_echo, "ptb": ptb_echo}


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
async def test_echo_and_button_in_a_private_chat(tg: Emulator, framework: str) -> None:
    """A user starts the bot, gets an echo with buttons, presses one and sees the message edited."""
    chat = tg.private(LAN)
    async with FRAMEWORKS[framework](tg):
        assert (await chat.ask("/start")).text == "start ok"
        echoed = await chat.ask("Thôn Đông: 3 buổi tuyên truyền")
        assert echoed.text == "echo: Thôn Đông: 3 buổi tuyên truyền"
        assert echoed.buttons == [[("Đúng", "yes")], [("Sai", "no")]]
        await chat.press(echoed, echoed.button("Sai"))
        edited = await chat.wait_edit(echoed.message_id)
        assert edited.text == f"pressed no in ci{LAN.id}"
        assert edited.buttons == []
        [answer] = await tg.calls("answerCallbackQuery")
        assert answer["params"]["text"] == "got no"
        await tg.wait_consumed()
    # The framework confirmed every update by offset: none would be redelivered on restart.
    assert await tg.pending() == []
    assert len(await tg.calls("sendMessage")) == 2


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
async def test_group_members_each_get_their_echo(tg: Emulator, framework: str) -> None:
    """Two members speak in one group; the bot answers each in the group."""
    group = tg.group("Xã Hòa Bình")
    async with FRAMEWORKS[framework](tg):
        await group.as_user(LAN).send("báo cáo thôn 1")
        await group.as_user(MINH).send("báo cáo thôn 2")
        replies = await group.new_messages(2)
    assert sorted(m.text for m in replies) == ["echo: báo cáo thôn 1", "echo: báo cáo thôn 2"]
    assert {m.raw["chat"]["type"] for m in replies} == {"group"}

"""Polled batches (here aiogram's updates): one sender's updates in order, different senders side by side, and a
failing update does not stop the rest of its batch."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher
from aiogram.types import Message

from bot.transports.telegram_polling import apply_in_sender_order, sender_of
from tests.core.fakes import RecordingSession, Telegram


async def test_senders_go_side_by_side_and_each_in_order() -> None:
    dispatcher = Dispatcher()
    events: list[str] = []
    release = asyncio.Event()

    async def on_message(message: Message) -> None:
        text = message.text or ""
        events.append(f"start {text}")
        if text == "a1":
            await release.wait()  # a slow first update of sender a
        if text == "boom":
            raise RuntimeError("a reply that could not be sent")
        events.append(f"end {text}")
        if text == "b2":
            release.set()  # b got through while a1 was still busy

    dispatcher.message.register(on_message)
    bot = Bot(token="42:TEST", session=RecordingSession())
    a, b = Telegram(501), Telegram(502)
    batch = [a.text("a1"), b.text("b1"), a.text("a2"), b.text("boom"), b.text("b2")]
    assert sender_of(batch[0]) == sender_of(batch[2]) != sender_of(batch[1])

    await asyncio.wait_for(apply_in_sender_order(batch, lambda update: dispatcher.feed_update(bot, update)), 5)

    assert events.index("end b2") < events.index("end a1")  # b did not wait for a
    assert events.index("end a1") < events.index("start a2")  # a kept its order
    assert events.index("start boom") < events.index("start b2")  # and b its own, past the failure
    assert "end a2" in events

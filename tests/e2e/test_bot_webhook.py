"""The real bot behind its webhook (``baocao run --webhook``), for aiogram and python-telegram-bot.

The emulator delivers updates to the bot's aiohttp endpoint with Telegram's secret-token header; a
request without the right secret is refused and changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from tests.e2e.support.bot_process import BotProcess, BotRunner
from tests.e2e.support.client import Emulator, User
from tests.e2e.support.proxy import Fault, FaultProxy
from tests.e2e.support.scenarios import (
    check_stored_once,
    expect,
    file_report_with_rejection_and_correction,
    question_mark,
    register,
    reports_of,
    start_report,
    view_latest,
)

pytestmark = pytest.mark.e2e

HOA = User(5552001, "Hoa")
SECRET = "e2e-webhook-secret-0123456789"


def start_update(update_id: int, user_id: int) -> dict[str, Any]:
    """A /start message as Telegram would POST it."""
    chat = {"id": user_id, "type": "private", "first_name": "X"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": chat,
            "text": "/start",
            "from": {"id": user_id, "is_bot": False, "first_name": "X"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post(bot: BotProcess, body: dict[str, Any], secret: str | None) -> int:
    """POST an update straight to the bot's webhook, as an outsider could."""
    assert bot.webhook_url is not None
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session, session.post(bot.webhook_url, json=body, headers=headers) as resp:
        return resp.status


async def test_report_through_the_webhook(tg: Emulator, bots: BotRunner, framework: str) -> None:
    """The whole journey works when Telegram pushes updates, each delivered once with the secret."""
    db = await bots.database()
    bot = await bots.start(framework, db, webhook_secret=SECRET)
    info = await tg.webhook()
    assert info["url"] == bot.webhook_url and info["has_secret"]
    chat = tg.private(HOA)
    await register(chat, db)
    before = await reports_of(db)
    await file_report_with_rejection_and_correction(chat)
    await view_latest(chat)
    await check_stored_once(db, before)
    await tg.wait_consumed()
    statuses = [d["status"] for d in (await tg.webhook())["deliveries"]]
    assert statuses and set(statuses) == {200}, statuses
    assert await tg.calls("getUpdates") == []
    assert bot.stop() == 0, bot.log()


async def test_requests_without_the_secret_are_refused(tg: Emulator, bots: BotRunner, framework: str) -> None:
    """No header or a wrong one: 401 and no answer; the right one: handled like Telegram's own."""
    db = await bots.database()
    bot = await bots.start(framework, db, webhook_secret=SECRET)
    outsider = 5552999
    assert await post(bot, start_update(900001, outsider), None) == 401
    assert await post(bot, start_update(900002, outsider), "wrong-secret") == 401
    await asyncio.sleep(0.5)
    assert await tg.private(User(outsider, "X")).messages() == []
    assert await post(bot, start_update(900003, outsider), SECRET) == 200
    [answer] = await tg.private(User(outsider, "X")).new_messages(1)
    assert answer.text


async def test_a_redelivered_update_changes_nothing(tg: Emulator, bots: BotRunner, framework: str) -> None:
    """The bot applies an answer but Telegram never hears its 200: the redelivery is applied and answered once."""
    proxy = await FaultProxy("http://127.0.0.1:9").start()  # upstream set once the bot's port is known
    try:
        db = await bots.database()
        bot = await bots.start(framework, db, webhook_secret=SECRET, public_url=f"{proxy.url}/telegram")
        assert bot.webhook_url is not None
        proxy.upstream = bot.webhook_url.rsplit("/", 1)[0]
        chat = tg.private(User(5552003, "Lan"))
        await register(chat, db)
        await start_report(chat)
        fault = proxy.inject(Fault("drop", after_upstream=True))
        expect(await chat.ask("5"), question_mark(2))
        await tg.wait_consumed()
        assert fault.hits == 1
        deliveries = (await tg.webhook())["deliveries"]
        assert [d["status"] for d in deliveries[-2:]] == [0, 200], deliveries[-3:]
        assert deliveries[-1]["update_id"] == deliveries[-2]["update_id"]
        await asyncio.sleep(0.5)
        assert len(await tg.calls("sendMessage")) == len(await chat.messages()), "the redelivery was answered"
        expect(await chat.ask("2"), question_mark(3))  # and the dialog moved one step, not two
    finally:
        await proxy.close()

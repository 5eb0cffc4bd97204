"""No log line of the running bot holds the bot token (as typed or URL-encoded), the webhook secret or
a note's personal name, for aiogram and python-telegram-bot; a rejected or revoked token stops the
bot with a clear message (exit 2) instead of polling and logging 401 for ever.

Before: PTB logged every file download as ``…/file/bot<id>%3A<secret>/…`` at INFO (the redaction knew
the token only as typed), aiogram's failed download logged a traceback holding the file URL with the
token, PTB printed a rejected token whole, and aiogram polled a revoked token for ever.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import quote

import pytest
from aiohttp import web

from tests.e2e.support.bot_process import BotProcess, BotRunner, Database
from tests.e2e.support.client import Chat, Emulator, User
from tests.e2e.support.proxy import Fault, FaultProxy
from tests.e2e.support.scenarios import ANSWERS, expect, question_mark, register, start_report, vi

pytestmark = pytest.mark.e2e

SECRET = "e2e-log-secret-9f8e7d6c5b4a"
NAME = "Nguyễn Văn Thịnh"
NOTE = f"Anh {NAME} ở xóm Khe Ló có biểu hiện sử dụng ma túy"
HA = User(5553001, "Hà")
ADMIN = User(5553002, "Quản trị")


def leaks(log: str, token: str) -> list[str]:
    """The log lines holding any form of the token, the secret or the note's name."""
    _id, _colon, tail = token.partition(":")
    needles = {token, quote(token, safe=""), quote(token, safe="").lower(), tail, SECRET, NAME, NOTE}
    return [line for line in log.splitlines() if any(n in line for n in needles)]


async def _send_document(chat: Chat, tg: Emulator, proxy: FaultProxy) -> Fault:
    """Send a plan as the admin, with every download of its file failing (500) at the proxy."""
    document = await tg.upload("ke-hoach.docx", b"PK\x03\x04not really a plan", "application/octet-stream")
    fault = proxy.inject(Fault("500", method=str(document["file_id"]), times=50))
    assert chat.user is not None
    await tg._post_update("/sendMessage", {"from": chat.user.as_json(), "chat": chat.chat,
                                           "date": int(time.time()), "document": document})
    return fault


async def _note_with_a_name(chat: Chat) -> None:
    """Answer every question of the report, then type a note naming a person."""
    _intro, first = await start_report(chat)
    expect(first, question_mark(1))
    for index, value in enumerate(ANSWERS, start=1):
        expect(await chat.ask(str(value)), question_mark(index + 1))
    await chat.ask(NOTE)  # whatever the bot answers (a summary, or a request to rewrite), it heard the note


async def _until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


async def test_no_log_line_holds_the_token_the_secret_or_a_name(
    tg: Emulator, bots: BotRunner, framework: str, fault_proxy: FaultProxy
) -> None:
    db = await bots.database()
    bot = await bots.start(framework, db, api_url=fault_proxy.url, webhook_secret=SECRET)
    reporter = tg.private(HA)
    await register(reporter, db)
    await _note_with_a_name(reporter)
    admin = tg.private(ADMIN)
    welcome = await admin.ask(db.codes.admin)
    expect(welcome, vi("Registered: you are the {role} of {unit}."))
    fault = await _send_document(admin, tg, fault_proxy)
    await _until(lambda: fault.hits >= 1)
    await asyncio.sleep(2.0)  # the failure is logged (and the webhook delivery retried)
    assert bot.stop() == 0
    log = bot.log()
    assert "ERROR" in log or "Traceback" in log, log  # the failed download was logged...
    assert not leaks(log, tg.token), leaks(log, tg.token)  # ...without the token in any form
    if framework == "ptb":
        assert "/file/bot***" in log  # httpx's INFO line of the download, redacted


async def _fake_api(revoked_after_get_me: bool, get_me_fails: bool = False) -> AsyncIterator[str]:
    """A Bot API that refuses the token (401) from the start, or only once getMe has answered (or
    failed with a 500)."""

    async def handle(request: web.Request) -> web.Response:
        if get_me_fails and request.path.endswith("/getMe"):
            return web.json_response({"ok": False, "error_code": 500, "description": "Internal Server Error"},
                                     status=500)
        if revoked_after_get_me and request.path.endswith("/getMe"):
            return web.json_response({"ok": True, "result": {"id": 42, "is_bot": True, "first_name": "Bot",
                                                             "username": "baocao_bot", "can_join_groups": True,
                                                             "can_read_all_group_messages": False,
                                                             "supports_inline_queries": False}})
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def _exit_code(bot: BotProcess, timeout: float = 90.0) -> int:  # see BotProcess.wait_ready
    deadline = time.monotonic() + timeout
    while bot.running:
        if time.monotonic() > deadline:
            raise AssertionError(f"the {bot.framework} bot is still running with a refused token:\n{bot.log()}")
        await asyncio.sleep(0.1)
    return int(bot.proc.returncode)


@pytest.mark.parametrize("revoked", [False, True], ids=["rejected-at-start", "revoked-while-polling"])
async def test_a_refused_token_stops_the_bot_with_a_clear_message(
    tg: Emulator, bots: BotRunner, framework: str, revoked: bool
) -> None:
    db: Database = await bots.database()
    async for url in _fake_api(revoked):
        bot = await bots.start(framework, db, api_url=url, wait=False)
        assert await _exit_code(bot) == 2
    log = bot.log()
    assert "Telegram refused the bot token" in log, log
    assert not leaks(log, tg.token), leaks(log, tg.token)
    assert "Traceback" not in log, log


async def test_aiogram_goes_on_polling_when_get_me_fails_for_now(tg: Emulator, bots: BotRunner) -> None:
    """The start-up token check stops the bot only on a refused token: a 500 there leaves polling to retry
    (which here then meets the revoked token)."""
    db = await bots.database()
    async for url in _fake_api(revoked_after_get_me=False, get_me_fails=True):
        bot = await bots.start("aiogram", db, api_url=url, wait=False)
        assert await _exit_code(bot) == 2
    log = bot.log()
    assert "getMe failed - TelegramServerError" in log and "Telegram refused the bot token" in log, log

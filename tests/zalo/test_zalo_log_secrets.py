"""No log line of the running Zalo bot holds its token (as typed or URL-encoded), the webhook secret or
a note's personal name, while sends fail and forged requests (one with a non-UTF-8 secret header)
are refused with 401."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.zalo.bot_process import BotProcess, ZaloUser, free_port, wait_for
from tests.zalo.server import ZaloTestServer
from tests.zalo.test_zalo_e2e import Demo, _start_report, demo, zalo

__all__ = ["demo", "zalo"]  # the fixtures this module borrows

pytestmark = pytest.mark.e2e

SECRET = "zalo-log-secret-7a6b5c4d"
NAME = "Nguyễn Văn Thịnh"
NOTE = f"Anh {NAME} ở xóm này có biểu hiện sử dụng ma túy"


async def _post_raw(port: int, secret: bytes) -> int:
    """POST an event with the secret header written as raw bytes (clients refuse non-UTF-8 headers)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b'{"event_name": "message.text.received", "message": {}}'
    writer.write(b"POST /zalo/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bot-Api-Secret-Token: " + secret
                 + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                 + b"\r\nConnection: close\r\n\r\n" + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return int(answer.split(b" ", 2)[1])


async def test_no_zalo_log_line_holds_the_token_the_secret_or_a_name(
    demo: Demo, zalo: ZaloTestServer, tmp_path: Path
) -> None:
    token = zalo.add_bot()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/zalo/webhook"
    env = {"DATABASE_URL": demo.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url,
           "WEBHOOK_URL": hook, "WEBHOOK_SECRET": SECRET, "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port)}
    bot = await BotProcess(env, tmp_path / "bot.log", webhook=True).start()
    try:
        await wait_for(lambda: zalo.bot(token).webhook_url == hook, what="setWebhook")
        assert await _post_raw(port, b"\xff\xfe" + SECRET.encode()) == 401  # before: 500 and a traceback
        user = ZaloUser(zalo, token, "zalo-log-user")
        [welcome] = await user.ask(demo.code)
        assert demo.hamlet in welcome
        await _start_report(user)
        for indicator in demo.indicators:
            await user.ask(NOTE if indicator.kind == "text" else demo.answer(indicator))
        zalo.fail_next(token, "sendMessage", error_code=500, times=20)
        await user.say("/xem")
        await asyncio.sleep(3.0)  # the failed sends are logged
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()
    log = bot.log()
    assert "ERROR" in log or "WARNING" in log, log
    _id, _colon, tail = token.partition(":")
    needles = {token, quote(token, safe=""), tail, SECRET, NAME, NOTE}
    leaked = [line for line in log.splitlines() if any(n in line for n in needles)]
    assert not leaked, leaked


async def test_a_token_revoked_while_polling_stops_the_zalo_bot_with_a_clear_message(
    demo: Demo, zalo: ZaloTestServer, tmp_path: Path
) -> None:
    """Before: the error escaped as a traceback (exit 1)."""
    token = zalo.add_bot()
    zalo.fail_next(token, "getUpdates", error_code=401, description="Unauthorized")  # getMe still answered
    env = {"DATABASE_URL": demo.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url}
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        await wait_for(lambda: zalo.calls(token, "getUpdates") >= 1, what="the refused poll")
        await asyncio.sleep(3.0)  # time to stop on its own (stop() below only reads the code)
    finally:
        code = await bot.stop()
    log = bot.log()
    assert code == 2, log
    assert "Zalo refused the bot" in log and "Traceback" not in log, log
    assert token not in log and token.partition(":")[2] not in log

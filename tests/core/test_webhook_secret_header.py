"""A webhook request whose secret header holds a non-UTF-8 byte is refused (401), not a 500 with a traceback.

aiohttp hands such bytes over as lone surrogates; ``str.encode()`` raised on them. Pinned for the
Telegram webhook (one endpoint for aiogram and PTB) and the Zalo webhook.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from bot.transports.zalo import ZaloBot
from bot.transports.zalo_updates import SECRET_HEADER as ZALO_HEADER
from bot.webhook import SECRET_HEADER as TELEGRAM_HEADER
from bot.webhook import same_secret, webhook_app

SECRET = "s3cret-token-ABC"


async def _serve(app: web.Application) -> AsyncIterator[int]:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


async def _post(port: int, header: str, value: bytes) -> int:
    """POST an update with ``header: value`` written as raw bytes (HTTP clients refuse such headers)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b'{"update_id": 1, "event_name": "message.text.received"}'
    writer.write(
        b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header.encode() + b": " + value + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        b"Connection: close\r\n\r\n" + body
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return int(answer.split(b" ", 2)[1])


def _telegram_app(fed: list[dict[str, Any]]) -> web.Application:
    async def feed(update: dict[str, Any]) -> bool:
        fed.append(update)
        return True

    return webhook_app("/hook", SECRET, feed)


def _zalo_app(fed: list[dict[str, Any]]) -> web.Application:
    bot = ZaloBot(core=None, api=None, sender=None)  # type: ignore[arg-type]  # only the route is used

    async def process(update: Any) -> None:
        fed.append(update)

    bot.process = process  # type: ignore[method-assign]
    app = web.Application()
    bot.add_webhook_route(app, "/hook", SECRET)
    return app


CASES: list[tuple[str, str, Callable[[list[dict[str, Any]]], web.Application]]] = [
    ("telegram", TELEGRAM_HEADER, _telegram_app),
    ("zalo", ZALO_HEADER, _zalo_app),
]


@pytest.mark.parametrize(("name", "header", "make"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("value", [b"ab\xff\xfe", b"\xc3", SECRET.encode() + b"\x80", b"\xe9t\xe9"])
async def test_a_non_utf8_secret_header_is_refused_with_401(
    name: str, header: str, make: Callable[[list[dict[str, Any]]], web.Application], value: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fed: list[dict[str, Any]] = []
    caplog.set_level(logging.ERROR)
    async for port in _serve(make(fed)):
        assert await _post(port, header, value) == 401
        assert await _post(port, header, SECRET.encode()) == 200
    assert len(fed) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_same_secret_compares_bytes_as_sent() -> None:
    assert same_secret(SECRET, SECRET)
    assert not same_secret(None, SECRET)
    assert not same_secret("", "")
    assert not same_secret("ab\udcff", SECRET)
    assert same_secret("\udce9t\udce9", "\udce9t\udce9")  # an environment's own undecodable bytes

"""The Telegram webhook endpoint (``baocao run --webhook``): aiohttp, for aiogram and PTB alike.

Telegram POSTs each update to ``WEBHOOK_URL`` with the header ``X-Telegram-Bot-Api-Secret-Token``
set to the secret given in setWebhook; a request without the right secret is refused (401). An
update is answered 200 only once the core has applied it and the replies are sent, so a failure
(500) or a crash makes Telegram deliver it again, and the once-only update record makes that
second delivery change nothing. Several workers may serve the same URL behind a balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from aiohttp import web

from bot.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Feeds one update (the JSON Telegram sent) to a framework; True when it was handled without error.
Feed = Callable[[dict[str, Any]], Awaitable[bool]]
SetWebhook = Callable[[str, str], Awaitable[object]]


async def until_signalled() -> None:
    """Wait for SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)


def same_secret(given: str | None, expected: str) -> bool:
    """Whether a request's secret header equals ``expected``, compared in constant time.

    aiohttp hands a header's non-UTF-8 bytes over as lone surrogates; they are compared as the bytes
    they were (and so never match), where a plain ``encode()`` raised and made the request a 500.
    """
    if given is None or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


def webhook_app(path: str, secret: str, feed: Feed) -> web.Application:
    """The aiohttp application: POST ``path`` takes updates, GET /healthz says the worker is up."""

    async def receive(request: web.Request) -> web.Response:
        if not same_secret(request.headers.get(SECRET_HEADER), secret):
            return web.Response(status=401, text="wrong or missing secret token")
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or "update_id" not in data:
            return web.Response(status=400, text="not an update")
        handled = await feed(data)
        return web.Response(status=200 if handled else 500)

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", healthz)
    return app


def webhook_config(settings: Settings) -> tuple[str, str, str]:
    """Return (public URL, secret, local path); exit with a message when the settings lack one."""
    if not settings.webhook_url or not settings.webhook_secret:
        log.error("--webhook needs WEBHOOK_URL and WEBHOOK_SECRET")
        raise SystemExit(2)
    path = urlparse(settings.webhook_url).path or "/"
    return settings.webhook_url, settings.webhook_secret, path


async def serve(settings: Settings, feed: Feed, set_webhook: SetWebhook) -> None:
    """Listen on WEBHOOK_HOST:WEBHOOK_PORT, register the webhook, serve until SIGINT or SIGTERM."""
    url, secret, path = webhook_config(settings)
    runner = web.AppRunner(webhook_app(path, secret, feed), handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        # Every worker registers the same URL and secret: idempotent. It is not deleted on exit, so
        # Telegram keeps the updates for the other workers (or for this one, restarted).
        await set_webhook(url, secret)
        log.info("webhook serving on %s:%s%s", settings.webhook_host, settings.webhook_port, path)
        await until_signalled()
    finally:
        await runner.cleanup()

"""The Zalo transport: the core run by long polling or behind a webhook on Zalo's Bot Platform.

Each event becomes an ``Incoming`` (``zalo_updates``); the core applies it once (its update id is
the Zalo ``message_id``, recorded in the same transaction) and its replies go out through
``ZaloSender``. Events of one chat are handled one after another, replies included, so answers
never overtake each other; different chats run side by side.

Polling: ``getUpdates`` hands out one event per call and has no offset to acknowledge with, so an
event handed out in the instant the process dies is gone; the webhook is the safer mode for a
deployment. Webhook: Zalo POSTs every event with ``X-Bot-Api-Secret-Token``; a request without the
right token is refused (401) before anything is read, and an event is answered 200 only once the
core has applied it, so a failed delivery is sent again and the core recognises a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.app import App
from bot.delivery_errors import DeliveryError
from bot.settings import Settings
from bot.transports.public_files import PublicFiles
from bot.transports.zalo_api import DEFAULT_API_URL, ZaloApiError, ZaloBotApi, ZaloBotInfo
from bot.transports.zalo_out import ZaloSender
from bot.transports.zalo_updates import TRANSPORT, parse_update, secret_matches
from handlers.keyed_lock import KeyedLock
from locales.core_protocol import Handler
from locales.profiles import declare_groups

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30
MAX_CONCURRENT = 32


class ZaloBot:
    """One bot on Zalo: feeds events to the core and sends back its replies."""

    def __init__(
        self,
        core: Handler,
        api: ZaloBotApi,
        sender: ZaloSender,
        *,
        concurrency: int = MAX_CONCURRENT,
        bot_name: str | None = None,
    ) -> None:
        self.core = core
        self.bot_name = bot_name
        self.api = api
        self.sender = sender
        self._slots = asyncio.Semaphore(concurrency)
        # One chat's events one after another (replies never overtake); other chats side by side.
        self._chat_locks: KeyedLock[str] = KeyedLock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def process(self, update: Mapping[str, Any]) -> None:
        """Apply one Zalo event and send the replies (nothing for events that are no user message)."""
        incoming = parse_update(update, self.bot_name)
        if incoming is None:
            log.info("ignored a Zalo event of kind %s", update.get("event_name"))
            return
        async with self._chat_locks.hold(incoming.chat_id):
            replies = await self.core.handle(incoming)
            for reply in replies:
                try:
                    await self.sender.send_reply(incoming.chat_id, reply)
                except DeliveryError as exc:
                    # Never the text: replies carry people's reports.
                    log.warning("a reply to Zalo chat %s was not delivered: %s", incoming.chat_id, exc)

    def _spawn(self, update: Mapping[str, Any]) -> None:
        async def run() -> None:
            """Handle one event within the concurrency limit, logging (not raising) failures."""
            async with self._slots:
                try:
                    await self.process(update)
                except Exception:
                    log.exception("a Zalo event failed")

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every event already received to be handled."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def run_polling(self, stop: asyncio.Event, poll_timeout: int = POLL_TIMEOUT) -> None:
        """Long-poll until ``stop`` is set; a permanent error (a wrong token) ends the loop by raising."""
        await self.api.delete_webhook()  # Zalo serves getUpdates only while no webhook is set
        failures = 0
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                poll = asyncio.create_task(self.api.get_updates(poll_timeout))
                await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not poll.done():
                    poll.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ZaloApiError):
                        await poll
                    break
                try:
                    updates = poll.result()
                except ZaloApiError as exc:
                    if not exc.retryable:
                        raise
                    failures += 1
                    delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                    log.warning("Zalo getUpdates failed (%s); again in %.1fs", exc, delay)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
                    continue
                failures = 0
                for update in updates:
                    self._spawn(update)
        finally:
            stopping.cancel()
            await self.drain()

    def add_webhook_route(self, app: web.Application, path: str, secret: str) -> None:
        """Receive Zalo's events at ``path``; requests without ``secret`` are refused."""
        if not 8 <= len(secret) <= 256:
            raise ValueError("the webhook secret token must be 8-256 characters")

        async def receive(request: web.Request) -> web.Response:
            """One POST from Zalo: check the secret, apply the event, answer 200."""
            if not secret_matches(request.headers, secret):
                return web.json_response({"ok": False, "description": "Unauthorized"}, status=401)
            try:
                update = await request.json()
            except ValueError:
                return web.json_response({"ok": False, "description": "Bad Request"}, status=400)
            if not isinstance(update, dict):
                return web.json_response({"ok": False, "description": "Bad Request"}, status=400)
            async with self._slots:
                await self.process(update)
            return web.json_response({"ok": True})

        app.router.add_post(path, receive)


async def identify(api: ZaloBotApi) -> ZaloBotInfo:
    """Ask ``getMe`` who the bot is and record whether it may be in groups (``can_join_groups``: an
    ordinary bot may not, and then leaders' summaries go to each leader privately)."""
    me = await api.get_me()
    declare_groups(TRANSPORT, me.can_join_groups is True)
    return me


def _files(settings: Settings) -> PublicFiles | None:
    """The file endpoint, when the bot has a public address to put in links."""
    if not settings.public_base_url:
        return None
    directory = Path(os.environ.get("BAOCAO_FILES_DIR", "").strip() or "baocao-files")
    return PublicFiles(directory, settings.public_base_url)


async def _healthz(_: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("listening on %s:%s", host, port)
    return runner


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def run(app: App, webhook: bool = False, stop: asyncio.Event | None = None) -> int:
    """Run the core on Zalo (``ZALO_BOT_TOKEN``, ``ZALO_API_URL``) until SIGINT/SIGTERM or ``stop``.

    Polling by default; with ``webhook`` the bot serves ``WEBHOOK_URL``'s path on
    ``WEBHOOK_HOST:WEBHOOK_PORT`` and registers it with ``WEBHOOK_SECRET``. With ``PUBLIC_BASE_URL``
    the same server publishes charts and spreadsheets under ``/files/``.
    """
    settings = app.settings
    if not settings.zalo_bot_token:
        log.error("ZALO_BOT_TOKEN is not set")
        return 2
    if webhook and not (settings.webhook_url and settings.webhook_secret):
        log.error("--webhook needs WEBHOOK_URL and WEBHOOK_SECRET (8-256 characters)")
        return 2
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    files = _files(settings)
    async with ZaloBotApi(settings.zalo_bot_token, settings.zalo_api_url or DEFAULT_API_URL) as api:
        try:
            me = await identify(api)
        except ZaloApiError as exc:
            reason = "could not reach the Zalo Bot API" if exc.retryable else "Zalo refused the bot token"
            log.error("%s: %s", reason, exc)
            return 2
        log.info("running as Zalo bot %s (%s)", me.account_name, me.id)
        sender = ZaloSender(api, files)
        bot = ZaloBot(app.core, api, sender, bot_name=me.account_name)
        web_app = web.Application()
        web_app.router.add_get("/healthz", _healthz)
        if files is not None:
            files.add_routes(web_app)
        if webhook:
            assert settings.webhook_url and settings.webhook_secret
            bot.add_webhook_route(web_app, urlsplit(settings.webhook_url).path or "/", settings.webhook_secret)
        runner = None
        if webhook or files is not None:
            runner = await _serve(web_app, settings.webhook_host, settings.webhook_port)
        background = await app.start_background(TRANSPORT, sender)
        if files is not None:
            # Published charts and spreadsheets hold per-hamlet figures: delete them once expired.
            background.tasks.append(asyncio.create_task(files.purge_forever(background.stop_event)))
        try:
            if webhook:
                assert settings.webhook_url and settings.webhook_secret
                await api.set_webhook(settings.webhook_url, settings.webhook_secret)
                await stop.wait()
                await bot.drain()
            else:
                await bot.run_polling(stop)
        except ZaloApiError as exc:
            if exc.retryable:
                raise
            # A token revoked while running (or a webhook set elsewhere): polling again cannot help.
            log.error("Zalo refused the bot (%s): stopping. Check ZALO_BOT_TOKEN.", exc)
            return 2
        finally:
            await background.stop()
            if runner is not None:
                await runner.cleanup()
    return 0

"""A Zalo Bot Platform API server for tests, on 127.0.0.1, with a user side and fault injection.

It speaks the shapes of the real API (see ``bot/transports/zalo_api.py`` for the sources): every
call is ``POST /bot<id:secret>/<method>`` with JSON, every answer ``{"ok", "result"}`` or
``{"ok": false, "error_code", "description"}``; ``getUpdates`` hands out ONE event per call and
answers ``error_code`` 408 when its ``timeout`` passes with none; a webhook receives each event as a
POST with ``X-Bot-Api-Secret-Token``, and is retried until it answers 200. Any number of bots
(tokens) live side by side.

The test side: ``send_text`` / ``send_image`` / ``send_sticker`` / ``send_unsupported`` as a user in
a private or a group chat; ``sent`` / ``wait_sent`` to read what a bot sent (texts, photos by URL,
fetched when the URL is on 127.0.0.1); ``fail_next`` / ``timeout_next`` / ``drop_next`` to make
the next calls of a method answer an error, hang, or lose the connection.

Run alone for manual tries: ``python -m tests.zalo.server --port 8090 --token 1:secret``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.zalo.server_shapes import (
    LOOPBACK_HOSTS,
    SECRET_HEADER,
    BotState,
    Fault,
    FaultKind,
    Sent,
    dumps,
    error,
    ok,
)

__all__ = ["BotState", "Fault", "FaultKind", "Sent", "ZaloTestServer"]

# The platform's own limit, stated here rather than taken from the bot: the server checks the bot.
TEXT_LIMIT = 2000
"""Longest text (and photo caption) Zalo accepts, in UTF-16 code units."""


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, as the platform counts it."""
    return len(text.encode("utf-16-le")) // 2


class ZaloTestServer:
    """The server and its test-side controls; use ``async with ZaloTestServer() as zalo:``."""

    def __init__(
        self,
        *,
        port: int = 0,
        webhook_attempts: int = 30,
        webhook_retry_delay: float = 0.2,
        poll_timeout_code: int | None = 408,
    ) -> None:
        self._port = port
        # An empty long poll answers "Request timeout" with this error_code (None: no code at all,
        # the shape clients written against the live API match by its description alone).
        self.poll_timeout_code = poll_timeout_code
        self._bots: dict[str, BotState] = {}
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)
        self.webhook_attempts = webhook_attempts
        self.webhook_retry_delay = webhook_retry_delay
        self.base_url = ""

    async def __aenter__(self) -> ZaloTestServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen on 127.0.0.1 (a free port unless one was given)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_post("/test/send", self._test_send)
        app.router.add_get("/test/sent", self._test_sent)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Stop webhook deliveries and the server."""
        for bot in self._bots.values():
            if bot.webhook_task is not None:
                bot.webhook_task.cancel()
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ----- the test side -------------------------------------------------------------------

    def add_bot(self, name: str = "Báo cáo", token: str | None = None, *, can_join_groups: bool = False) -> str:
        """Create a bot and return its token (``<id>:<secret>``); an ordinary bot cannot join groups."""
        token = token or f"{next(self._ids) + 100000}:{uuid.uuid4().hex}"
        self._bots[token] = BotState(token=token, name=name, can_join_groups=can_join_groups)
        return token

    def bot(self, token: str) -> BotState:
        """The state of one bot (to inspect calls, webhook answers, actions)."""
        return self._bots[token]

    def add_chat(self, token: str, chat_id: str, *, group: bool = False) -> None:
        """Let the bot write into ``chat_id`` before anyone spoke there."""
        self._bots[token].chats[chat_id] = "GROUP" if group else "PRIVATE"

    async def _user_event(
        self,
        token: str,
        event: str,
        user_id: str,
        *,
        chat_id: str | None,
        group: bool,
        user_name: str | None,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        bot = self._bots[token]
        chat = chat_id or user_id
        chat_type = "GROUP" if group else "PRIVATE"
        bot.chats[chat] = chat_type
        message = {
            "message_id": uuid.uuid4().hex[:20],
            "from": {"id": user_id, "display_name": user_name or f"User {user_id}", "is_bot": False},
            "chat": {"id": chat, "chat_type": chat_type},
            "date": int(time.time() * 1000),
            **extra,
        }
        update = {"event_name": event, "message": message}
        await self.push_update(token, update)
        return update

    async def push_update(self, token: str, update: dict[str, Any]) -> None:
        """Queue a raw event for the bot (to getUpdates, or to the webhook)."""
        bot = self._bots[token]
        async with bot.arrived:
            bot.pending.append(update)
            bot.arrived.notify_all()

    async def send_text(
        self,
        token: str,
        user_id: str,
        text: str,
        *,
        chat_id: str | None = None,
        group: bool = False,
        user_name: str | None = None,
    ) -> dict[str, Any]:
        """Send ``text`` as ``user_id``, privately or into the group ``chat_id``; return the event."""
        return await self._user_event(
            token,
            "message.text.received",
            user_id,
            chat_id=chat_id,
            group=group,
            user_name=user_name,
            extra={"text": text},
        )

    async def send_image(
        self, token: str, user_id: str, *, chat_id: str | None = None, group: bool = False
    ) -> dict[str, Any]:
        """Send a picture as ``user_id``."""
        return await self._user_event(
            token,
            "message.image.received",
            user_id,
            chat_id=chat_id,
            group=group,
            user_name=None,
            extra={"photo_url": "https://example.invalid/p.jpg", "caption": ""},
        )

    async def send_sticker(
        self, token: str, user_id: str, *, chat_id: str | None = None, group: bool = False
    ) -> dict[str, Any]:
        """Send a sticker as ``user_id``."""
        return await self._user_event(
            token,
            "message.sticker.received",
            user_id,
            chat_id=chat_id,
            group=group,
            user_name=None,
            extra={"sticker": "sticker-1"},
        )

    async def send_unsupported(
        self, token: str, user_id: str, *, chat_id: str | None = None, group: bool = False
    ) -> dict[str, Any]:
        """Send something Zalo does not pass to bots (a voice note, a file)."""
        return await self._user_event(
            token,
            "message.unsupported.received",
            user_id,
            chat_id=chat_id,
            group=group,
            user_name=None,
            extra={},
        )

    def sent(self, token: str, chat_id: str | None = None) -> list[Sent]:
        """What the bot has sent so far (into ``chat_id`` only, if given)."""
        return [s for s in self._bots[token].sent if chat_id is None or s.chat_id == chat_id]

    async def wait_sent(self, token: str, chat_id: str, count: int, timeout: float = 10.0) -> list[Sent]:
        """Wait until the bot has sent at least ``count`` messages into ``chat_id``; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.sent(token, chat_id)
            if len(messages) >= count:
                return messages
            await asyncio.sleep(0.02)
        raise TimeoutError(f"{len(self.sent(token, chat_id))} of {count} messages arrived in {chat_id}")

    def calls(self, token: str, method: str | None = None) -> int:
        """How many requests the bot made (of ``method`` only, if given)."""
        return sum(1 for m in self._bots[token].calls if method is None or m == method)

    def _add_fault(self, token: str, method: str, fault: Fault, times: int, skip: int = 0) -> None:
        # ``None`` entries let that many calls through first (to hit, say, the second message).
        queue = self._bots[token].faults.setdefault(method, deque())
        queue.extend([None] * skip + [fault] * times)

    def fail_next(
        self,
        token: str,
        method: str = "*",
        *,
        error_code: int = 500,
        description: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
        skip: int = 0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*": any) answer ``error_code``, after
        letting ``skip`` calls through."""
        text = description or (
            f"Too Many Requests: retry after {retry_after:g}"
            if error_code == 429 and retry_after
            else "Internal Server Error"
            if error_code >= 500
            else "Bad Request"
        )
        self._add_fault(token, method, Fault("error", error_code, text, retry_after=retry_after), times, skip)

    def timeout_next(self, token: str, method: str = "*", *, delay: float = 5.0, times: int = 1) -> None:
        """Make the next calls hang for ``delay`` seconds and then fail, doing nothing."""
        self._add_fault(token, method, Fault("timeout", 504, "Gateway Timeout", delay=delay), times)

    def drop_next(self, token: str, method: str = "*", *, times: int = 1, after_work: bool = False) -> None:
        """Make the next calls lose their connection: before doing anything, or (``after_work``)
        after the message was delivered, which is how a sender ends up sending twice."""
        self._add_fault(token, method, Fault("drop_after" if after_work else "drop"), times)

    async def _test_send(self, request: web.Request) -> web.Response:
        """``POST /test/send {"token", "user_id", "text", "chat_id"?, "group"?}``: a user's message."""
        body = json.loads(await request.read())
        if body.get("token") not in self._bots:
            return error(404, "Not Found: unknown bot")
        update = await self.send_text(
            body["token"],
            str(body["user_id"]),
            str(body["text"]),
            chat_id=body.get("chat_id"),
            group=bool(body.get("group")),
        )
        return ok(update)

    async def _test_sent(self, request: web.Request) -> web.Response:
        """``GET /test/sent?token=…&chat_id=…``: what the bot sent."""
        token = request.query.get("token", "")
        if token not in self._bots:
            return error(404, "Not Found: unknown bot")
        sent = self.sent(token, request.query.get("chat_id"))
        return ok([{"chat_id": s.chat_id, "kind": s.kind, "text": s.text, "photo": s.photo_url} for s in sent])

    # ----- the API side ---------------------------------------------------------------------

    def _take_fault(self, bot: BotState, method: str) -> Fault | None:
        for key in (method, "*"):
            queue = bot.faults.get(key)
            if queue:
                fault = queue.popleft()
                return fault
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        bot = self._bots.get(request.match_info["token"])
        if bot is None:
            return error(401, "Unauthorized")
        method = request.match_info["method"]
        bot.calls.append(method)
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            try:
                body = await request.json()
            except (ValueError, json.JSONDecodeError):
                body = dict(await request.post())
            if isinstance(body, dict):
                params.update(body)
        fault = self._take_fault(bot, method)
        if fault is not None and fault.kind != "drop_after":
            return await self._apply_fault(request, fault)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return error(404, "Not Found: method not found")
        response: web.StreamResponse = await (
            handler(request, bot, params) if method == "getUpdates" else handler(bot, params)
        )
        if fault is not None:  # drop_after: the work is done, the answer is lost
            return await self._apply_fault(request, Fault("drop"))
        return response

    async def _apply_fault(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault.kind == "error":
            return error(fault.error_code, fault.description, retry_after=fault.retry_after)
        if fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
            return error(fault.error_code, fault.description)
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise ConnectionResetError("connection dropped by fault injection")

    async def _api_getMe(self, bot: BotState, params: dict[str, Any]) -> web.Response:
        return ok({"id": bot.bot_id, "account_name": bot.name, "account_type": "BASIC",
                   "can_join_groups": bot.can_join_groups})

    async def _api_getUpdates(self, request: web.Request, bot: BotState, params: dict[str, Any]) -> web.Response:
        if bot.webhook_url:
            return error(409, "Conflict: can't use getUpdates while a webhook is set; use deleteWebhook first")
        try:
            timeout = min(max(float(params.get("timeout", 30)), 0.0), 60.0)
        except ValueError:
            return error(400, "Bad Request: timeout must be a number")

        def gone() -> bool:
            """Whether the poller hung up."""
            return request.transport is None or request.transport.is_closing()

        # A poller that went away (killed, or cancelled on shutdown) must not take an event with it.
        deadline = time.monotonic() + timeout
        async with bot.arrived:
            while not bot.pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    if self.poll_timeout_code is None:
                        return web.json_response({"ok": False, "description": "Request timeout"}, dumps=dumps)
                    return error(self.poll_timeout_code, "Request timeout", http_status=200)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(bot.arrived.wait(), min(left, 0.1))
                if gone():
                    raise ConnectionResetError("the poller went away")
            if gone():
                raise ConnectionResetError("the poller went away")
            return ok(bot.pending.popleft())

    async def _api_setWebhook(self, bot: BotState, params: dict[str, Any]) -> web.Response:
        url = str(params.get("url", ""))
        secret = str(params.get("secret_token", ""))
        parts = urlsplit(url)
        # Real Zalo wants HTTPS; plain HTTP is accepted only on the loopback address, for tests.
        if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)):
            return error(400, "Bad Request: webhook url must be https")
        if not 8 <= len(secret) <= 256:
            return error(400, "Bad Request: secret_token must be 8-256 characters")
        bot.webhook_url, bot.webhook_secret = url, secret
        if bot.webhook_task is None or bot.webhook_task.done():
            bot.webhook_task = asyncio.create_task(self._deliver(bot))
        async with bot.arrived:
            bot.arrived.notify_all()
        return ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def _api_deleteWebhook(self, bot: BotState, params: dict[str, Any]) -> web.Response:
        bot.webhook_url = bot.webhook_secret = ""
        if bot.webhook_task is not None:
            bot.webhook_task.cancel()
            bot.webhook_task = None
        return ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def _api_getWebhookInfo(self, bot: BotState, params: dict[str, Any]) -> web.Response:
        return ok({"url": bot.webhook_url, "has_custom_certificate": False})

    def _check_chat(self, bot: BotState, params: dict[str, Any]) -> str | web.Response:
        chat_id = str(params.get("chat_id", ""))
        if chat_id not in bot.chats:
            return error(400, "Bad Request: chat not found")
        return chat_id

    def _check_text(self, text: object, what: str) -> web.Response | None:
        if not isinstance(text, str):
            return error(400, f"Bad Request: {what} must be a string")
        if utf16_len(text) > TEXT_LIMIT:
            return error(400, f"Bad Request: {what} is too long")
        return None

    async def _api_sendMessage(self, bot: BotState, params: dict[str, Any]) -> web.Response:
        chat_id = self._check_chat(bot, params)
        if isinstance(chat_id, web.Response):
            return chat_id
        text = params.get("text")
        problem = self._check_text(text, "text") or (
            None if str(text).strip() else error(400, "Bad Request: text is empty")
        )
        if problem is not None:
            return problem
        sent = Sent(chat_id=chat_id, message_id=uuid.uuid4().hex[:20], kind="text", text=str(text))
        bot.sent.append(sent)
        return ok({"message_id": sent.message_id, "date": int(time.time() * 1000)})

    async def _api_sendPhoto(self, bot: BotState, params: dict[str, Any]) -> web.Response:
        chat_id = self._check_chat(bot, params)
        if isinstance(chat_id, web.Response):
            return chat_id
        url = str(params.get("photo", ""))
        caption = params.get("caption")
        if caption is not None and (problem := self._check_text(caption, "caption")) is not None:
            return problem
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return error(400, "Bad Request: photo must be an http(s) URL")
        content: bytes | None = None
        content_type: str | None = None
        if parts.hostname in LOOPBACK_HOSTS:  # only ever fetch from this machine
            assert self._http is not None
            try:
                async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as answer:
                    if answer.status != 200:
                        return error(400, f"Bad Request: failed to get photo (HTTP {answer.status})")
                    content, content_type = await answer.read(), answer.content_type
            except (aiohttp.ClientError, TimeoutError):
                return error(400, "Bad Request: failed to get photo")
        sent = Sent(
            chat_id=chat_id,
            message_id=uuid.uuid4().hex[:20],
            kind="photo",
            text=str(caption) if caption else None,
            photo_url=url,
            photo=content,
            photo_type=content_type,
        )
        bot.sent.append(sent)
        return ok({"message_id": sent.message_id, "date": int(time.time() * 1000)})

    async def _api_sendChatAction(self, bot: BotState, params: dict[str, Any]) -> web.Response:
        chat_id = self._check_chat(bot, params)
        if isinstance(chat_id, web.Response):
            return chat_id
        action = str(params.get("action", ""))
        if action not in ("typing", "upload_photo"):
            return error(400, "Bad Request: unknown action")
        bot.actions.append((chat_id, action))
        return ok(True)

    async def _deliver(self, bot: BotState) -> None:
        """POST each pending event to the webhook, oldest first, until it answers 200."""
        assert self._http is not None
        while bot.webhook_url:
            async with bot.arrived:
                await bot.arrived.wait_for(lambda: bool(bot.pending) or not bot.webhook_url)
                if not bot.webhook_url:
                    return
                update = bot.pending[0]
            for _attempt in range(self.webhook_attempts):
                status = 0
                try:
                    async with self._http.post(
                        bot.webhook_url,
                        json=update,
                        headers={SECRET_HEADER: bot.webhook_secret},
                        timeout=aiohttp.ClientTimeout(total=10),
                    ) as answer:
                        status = answer.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                bot.webhook_answers.append(status)
                if status == 200:
                    break
                await asyncio.sleep(self.webhook_retry_delay)
            async with bot.arrived:
                if bot.pending and bot.pending[0] is update:
                    bot.pending.popleft()


async def _serve(port: int, tokens: list[str]) -> None:
    async with ZaloTestServer(port=port) as server:
        for token in tokens:
            server.add_bot(token=token)
        print(f"Zalo test server on {server.base_url} for {len(tokens)} bot(s)", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    """Run the server alone (``ZALO_API_URL=http://127.0.0.1:<port>`` points a bot at it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--token", action="append", default=[], help="a bot token <id>:<secret>")
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.token or ["100001:local-test-secret"]))


if __name__ == "__main__":
    main()

"""A fault-injecting HTTP proxy on 127.0.0.1 between the bot and the emulator, driven by the test.

The test queues faults (``proxy.inject(Fault("429", method="sendMessage"))``); each request that
matches the first live fault gets it, the others are forwarded unchanged. Every request is logged
with what was done to it, so a test can check that the bot retried, waited or gave up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
from aiohttp import web

FaultKind = Literal["429", "500", "hang", "drop", "slow"]


@dataclass
class Fault:
    """One fault to inject into the next ``times`` requests for ``method`` (any method when None).

    ``after_upstream`` forwards the request first, so the emulator has acted on it, and only then
    spoils the answer: the bot's message was sent but the bot cannot know it.
    """

    kind: FaultKind
    method: str | None = None
    times: int = 1
    retry_after: int = 1
    delay: float = 1.0  # "slow": seconds before the answer; "hang": seconds held (bounded)
    after_upstream: bool = False
    hits: int = 0

    @property
    def live(self) -> bool:
        """Say whether this fault still has requests to spoil."""
        return self.hits < self.times


@dataclass(frozen=True)
class ProxyEvent:
    """One request seen by the proxy and what it did to it (``fault`` None: forwarded as is)."""

    method: str
    fault: FaultKind | None
    status: int | None
    at: float = field(default_factory=time.monotonic)


def method_of(path: str) -> str:
    """Return the Bot API method named by a ``/bot<token>/<method>`` path (else the last segment)."""
    return path.rstrip("/").rsplit("/", 1)[-1]


class FaultProxy:
    """The proxy server; ``url`` replaces the emulator's URL in what the bot is given."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.log: list[ProxyEvent] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closing = asyncio.Event()
        self.url = ""

    async def start(self) -> FaultProxy:
        """Listen on a free port of 127.0.0.1."""
        # Long polls last up to 50 s upstream; the bot's own time-out decides when to give up.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        """Release hanging requests and stop serving."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def inject(self, fault: Fault) -> Fault:
        """Queue ``fault``; return it so the test can read ``hits`` later."""
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Drop every queued fault."""
        self.faults.clear()

    def events(self, method: str | None = None) -> list[ProxyEvent]:
        """The log, optionally for one method."""
        return [e for e in self.log if method is None or e.method == method]

    def _take(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.live and (fault.method is None or fault.method == method):
                fault.hits += 1
                return fault
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = method_of(request.path)
        fault = self._take(method)
        if fault is None:
            response = await self._forward(request)
            self.log.append(ProxyEvent(method, None, response.status))
            return response
        answered = await self._forward(request) if fault.after_upstream else None
        spoiled = await self._spoil(request, fault, answered)
        self.log.append(ProxyEvent(method, fault.kind, spoiled.status if spoiled is not None else None))
        if spoiled is None:
            return web.Response()  # never written: the connection is gone
        return spoiled

    async def _spoil(
        self, request: web.Request, fault: Fault, answered: web.Response | None
    ) -> web.StreamResponse | None:
        if fault.kind == "429":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {fault.retry_after}",
                    "parameters": {"retry_after": fault.retry_after},
                },
                status=429,
            )
        if fault.kind == "500":
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500
            )
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            return None
        if fault.kind == "hang":
            # Held until the bot's client gives up (it closes the socket) or ``delay`` runs out.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=fault.delay)
            if request.transport is not None:
                request.transport.abort()
            return None
        # "slow": the real answer, late.
        await asyncio.sleep(fault.delay)
        return answered if answered is not None else await self._forward(request)

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {
            k: v for k, v in request.headers.items() if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        async with self._session.request(
            request.method, f"{self.upstream}{request.path_qs}", data=body, headers=headers
        ) as upstream:
            payload = await upstream.read()
            content_type = upstream.headers.get("Content-Type", "application/octet-stream")
            return web.Response(body=payload, status=upstream.status, headers={"Content-Type": content_type})

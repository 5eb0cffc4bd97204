"""A round-robin HTTP balancer on 127.0.0.1 in front of several bot workers' webhooks."""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web


class Balancer:
    """Forwards each request to the next worker in turn; a worker that is down gets a 502 answered for it."""

    def __init__(self) -> None:
        self.upstreams: list[str] = []
        self.served: list[tuple[str, int]] = []  # (worker base URL, HTTP status) per request
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> Balancer:
        """Listen on a free port of 127.0.0.1."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def count(self, upstream: str) -> int:
        """How many requests ``upstream`` answered with 2xx."""
        return sum(1 for url, status in self.served if url == upstream and 200 <= status < 300)

    async def _handle(self, request: web.Request) -> web.Response:
        assert self._session is not None and self.upstreams
        upstream = self.upstreams[next(self._turn) % len(self.upstreams)]
        body = await request.read()
        headers = {
            k: v for k, v in request.headers.items() if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        try:
            async with self._session.request(
                request.method, f"{upstream}{request.path_qs}", data=body, headers=headers
            ) as resp:
                payload = await resp.read()
                self.served.append((upstream, resp.status))
                return web.Response(body=payload, status=resp.status)
        except aiohttp.ClientError:
            self.served.append((upstream, 502))
            return web.Response(status=502)

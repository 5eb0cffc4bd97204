"""The bot's own file endpoint: charts and spreadsheets under unguessable, expiring URLs.

Zalo takes pictures only by URL and has no documents, so what Telegram uploads is published here
and sent as a link. Each file gets a random 192-bit token (``secrets.token_urlsafe``) in its URL,
is kept on disk (so a restart, or another worker on the same host, still serves it) and stops being
served when its time is up. The public base URL comes from ``PUBLIC_BASE_URL``; the routes live on
the same aiohttp application as the webhook.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import mimetypes
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from storage import clock

DEFAULT_TTL = dt.timedelta(days=3)
ROUTE_PREFIX = "/files"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _utc_now() -> dt.datetime:
    return clock.now()


class PublicFiles:
    """Publishes files under ``<public base>/files/<token>/<name>`` and serves them until they expire."""

    def __init__(
        self,
        directory: Path,
        public_base_url: str,
        ttl: dt.timedelta = DEFAULT_TTL,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.directory = directory
        self.public_base_url = public_base_url.rstrip("/")
        self.ttl = ttl
        self._clock = clock

    def _paths(self, token: str) -> tuple[Path, Path]:
        return self.directory / f"{token}.bin", self.directory / f"{token}.json"

    def _write(self, token: str, name: str, content: bytes, kind: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data, meta = self._paths(token)
        data.write_bytes(content)
        expires = self._clock() + self.ttl
        # The metadata is written last: a file without it is never served.
        meta.write_text(json.dumps({"name": name, "kind": kind, "expires_at": expires.isoformat()}))

    async def link(self, name: str, content: bytes, kind: str) -> str:
        """Store ``content`` and return the URL it is served from until it expires."""
        token = secrets.token_urlsafe(24)
        await asyncio.to_thread(self._write, token, name, content, kind)
        return f"{self.public_base_url}{ROUTE_PREFIX}/{token}/{quote(name)}"

    def purge_expired(self) -> int:
        """Delete the files whose time is up; return how many."""
        removed = 0
        for meta in self.directory.glob("*.json") if self.directory.exists() else []:
            try:
                expires = dt.datetime.fromisoformat(json.loads(meta.read_text())["expires_at"])
            except (OSError, ValueError, KeyError):
                continue
            if expires <= self._clock():
                meta.unlink(missing_ok=True)
                meta.with_suffix(".bin").unlink(missing_ok=True)
                removed += 1
        return removed

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not _TOKEN.match(token):
            raise web.HTTPNotFound()
        data, meta_path = self._paths(token)
        try:
            meta = json.loads(await asyncio.to_thread(meta_path.read_text))
            expires = dt.datetime.fromisoformat(meta["expires_at"])
        except (OSError, ValueError, KeyError):
            raise web.HTTPNotFound() from None
        if expires <= self._clock():
            raise web.HTTPGone()
        content = await asyncio.to_thread(data.read_bytes)
        name = str(meta.get("name") or "file")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        headers = {
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, max-age=300",
        }
        return web.Response(body=content, content_type=content_type, headers=headers)

    def add_routes(self, app: web.Application) -> None:
        """Serve the published files from ``app``."""
        app.router.add_get(ROUTE_PREFIX + "/{token}/{name}", self._serve)

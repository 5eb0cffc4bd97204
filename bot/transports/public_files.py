"""The bot's own file endpoint: charts and spreadsheets under unguessable, expiring URLs.

Zalo takes pictures only by URL and has no documents, so what Telegram uploads is published here
and sent as a link. Each file gets a random 192-bit token (``secrets.token_urlsafe``) in its URL,
is kept on disk (so a restart, or another worker on the same host, still serves it) and stops being
served when its time is up. The public base URL comes from ``PUBLIC_BASE_URL``; the routes live on
the same aiohttp application as the webhook.

These files hold per-hamlet figures: the directory is 0700 and each file 0600 (only the bot's user
reads them), and the running bot deletes every expired file on a schedule (``purge_forever``, every
``PURGE_SECONDS``), with any piece left without its metadata by a crash once it is older than the TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import mimetypes
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from storage import clock

DEFAULT_TTL = dt.timedelta(days=3)
ROUTE_PREFIX = "/files"
PURGE_SECONDS = 3600.0
DIR_MODE = 0o700
FILE_MODE = 0o600
log = logging.getLogger(__name__)
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

    def _prepare_directory(self) -> None:
        """Create the directory readable by the bot's user only (and tighten one made before)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        if self.directory.stat().st_mode & 0o777 != DIR_MODE:
            self.directory.chmod(DIR_MODE)

    @staticmethod
    def _write_private(path: Path, content: bytes) -> None:
        """Write ``content`` to a new file created 0600 (never readable by other users, even briefly)."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(content)

    def _write(self, token: str, name: str, content: bytes, kind: str) -> None:
        self._prepare_directory()
        data, meta = self._paths(token)
        self._write_private(data, content)
        expires = self._clock() + self.ttl
        # The metadata is written last: a file without it is never served.
        record = {"name": name, "kind": kind, "expires_at": expires.isoformat()}
        self._write_private(meta, json.dumps(record).encode())

    async def link(self, name: str, content: bytes, kind: str) -> str:
        """Store ``content`` and return the URL it is served from until it expires."""
        token = secrets.token_urlsafe(24)
        await asyncio.to_thread(self._write, token, name, content, kind)
        return f"{self.public_base_url}{ROUTE_PREFIX}/{token}/{quote(name)}"

    def purge_expired(self) -> int:
        """Delete the files whose time is up, and pieces a crash left without metadata once older than the
        TTL; return how many files were removed."""
        if not self.directory.exists():
            return 0
        now = self._clock()
        # A file's age on disk is wall-clock time, whatever the program clock says (tests pin it).
        stale_before = dt.datetime.now(dt.UTC) - self.ttl
        removed = 0
        for meta in self.directory.glob("*.json"):
            try:
                expired = dt.datetime.fromisoformat(json.loads(meta.read_text())["expires_at"]) <= now
            except (OSError, ValueError, KeyError, TypeError):
                expired = self._written_at(meta) <= stale_before
            if expired:
                meta.unlink(missing_ok=True)
                meta.with_suffix(".bin").unlink(missing_ok=True)
                removed += 1
        for data in self.directory.glob("*.bin"):
            if not data.with_suffix(".json").exists() and self._written_at(data) <= stale_before:
                data.unlink(missing_ok=True)
                removed += 1
        return removed

    @staticmethod
    def _written_at(path: Path) -> dt.datetime:
        try:
            return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        except OSError:
            return dt.datetime.min.replace(tzinfo=dt.UTC)

    async def purge_forever(self, stop: asyncio.Event, every: float = PURGE_SECONDS) -> None:
        """Purge expired files now and then every ``every`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                removed = await asyncio.to_thread(self.purge_expired)
                if removed:
                    log.info("deleted %d expired published files", removed)
            except Exception:
                log.exception("purging the published files failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)

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

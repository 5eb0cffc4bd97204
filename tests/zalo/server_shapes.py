"""What the Zalo test server holds and answers: faults to inject, messages a bot sent, one bot's state,
and the ``{"ok", "result"}`` / ``{"ok": false, "error_code", "description"}`` answers."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

SECRET_HEADER = "X-Bot-Api-Secret-Token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
FaultKind = Literal["error", "timeout", "drop", "drop_after"]


@dataclass(frozen=True)
class Fault:
    """What the next call of a method does instead of its normal work."""

    kind: FaultKind
    error_code: int = 500
    description: str = "Internal Server Error"
    delay: float = 0.0
    retry_after: float | None = None


@dataclass(frozen=True)
class Sent:
    """One message a bot sent: a text, or a photo by URL with its caption (and its bytes if fetched)."""

    chat_id: str
    message_id: str
    kind: Literal["text", "photo"]
    text: str | None = None
    photo_url: str | None = None
    photo: bytes | None = None
    photo_type: str | None = None


@dataclass
class BotState:
    """Everything the server holds for one token."""

    token: str
    name: str
    can_join_groups: bool = False
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_task: asyncio.Task[None] | None = None
    webhook_answers: list[int] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    chats: dict[str, str] = field(default_factory=dict)
    faults: dict[str, deque[Fault | None]] = field(default_factory=dict)

    @property
    def bot_id(self) -> str:
        """The id part of the token."""
        return self.token.split(":", 1)[0]


def dumps(value: Any) -> str:
    """JSON with Vietnamese left readable."""
    return json.dumps(value, ensure_ascii=False)


def ok(result: Any) -> web.Response:
    """A successful Bot API answer."""
    return web.json_response({"ok": True, "result": result}, dumps=dumps)


def error(
    code: int, description: str, *, http_status: int | None = None, retry_after: float | None = None
) -> web.Response:
    """A failed Bot API answer (the HTTP status is the error code unless told otherwise)."""
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=http_status or code, headers=headers, dumps=dumps)

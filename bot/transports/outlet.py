"""The one send path of every transport: a reply or an outbox row → rendered messages → sent in order.

A transport supplies an ``Outlet``: its profile, the framework call that sends ONE rendered message,
its error classification and, where it cannot upload, the bot's file endpoint. Rendering
(``locales.rendering``) and retrying (``bot.send_retry``) happen here for all of them alike.

A reply split into several messages is one outbox row: only its first message is left to the outbox
sender's retry schedule; once that is out, the rest are retried here, so a failure half-way through
rarely makes the sender repeat the first part.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any, Protocol

from bot.delivery_errors import DeliveryError, Permanent
from bot.send_retry import DEFAULT_RETRY, NO_RETRY, RetryPolicy, with_retries
from locales.messages import Attachment, Button, Reply
from locales.profiles import TransportProfile
from locales.rendering import OutMessage, by_link, render_reply
from storage.models.outbox import OutboxMessage

log = logging.getLogger(__name__)


class FileLinks(Protocol):
    """The bot's own web endpoint: publishes a file under an unguessable, expiring URL."""

    async def link(self, name: str, content: bytes, kind: str) -> str:
        """Store ``content`` and return the public URL it can be fetched from."""
        ...


class NoFileLinks:
    """Used where no public base URL is configured: attachments cannot be delivered by link."""

    async def link(self, name: str, content: bytes, kind: str) -> str:
        """Refuse: the transport only takes files by URL."""
        raise Permanent("PUBLIC_BASE_URL is not set: this transport can only receive pictures and files by URL")


class Outlet(Protocol):
    """What one transport plugs into the send path."""

    @property
    def profile(self) -> TransportProfile:
        """What the transport can show."""
        ...

    @property
    def files(self) -> FileLinks:
        """Where attachments the transport cannot upload are published."""
        ...

    async def send_one(self, chat_id: str, message: OutMessage) -> str | None:
        """Send one rendered message with one framework call (no retrying); return its id."""
        ...

    def classify(self, error: BaseException) -> DeliveryError | None:
        """Map a framework error to RetryAfter, Transient or Permanent (None: not a delivery error)."""
        ...


def buttons_from_json(raw: Sequence[Any] | None) -> list[list[Button]]:
    """Return the buttons an outbox row stores as ``[[{"label", "data"}]]``."""
    rows: list[list[Button]] = []
    for row in raw or []:
        rows.append([Button(str(b.get("label", "")), str(b.get("data", ""))) for b in row if isinstance(b, dict)])
    return rows


def reply_from_row(message: OutboxMessage) -> Reply:
    """Rebuild the ``Reply`` an outbox row stores (text, buttons, attachment: uploaded or published)."""
    attachment = None
    if message.attachment is not None or message.attachment_ref is not None:
        attachment = Attachment(message.attachment_name or "file", message.attachment or b"",
                                "photo" if message.attachment_kind == "photo" else "document")
    return Reply(message.text, buttons_from_json(message.buttons), attachment)


async def send_messages(
    outlet: Outlet, chat_id: str, messages: Sequence[OutMessage], first: RetryPolicy = DEFAULT_RETRY
) -> list[str | None]:
    """Send ``messages`` in order: the first under ``first``, the rest under the default policy."""
    ids: list[str | None] = []
    policy = first
    for message in messages:
        ids.append(await with_retries(partial(outlet.send_one, chat_id, message), outlet.classify, policy))
        policy = DEFAULT_RETRY
    return ids


async def _link(outlet: Outlet, attachment: Attachment) -> str:
    return await outlet.files.link(attachment.name, attachment.content, attachment.kind)


async def send_reply(outlet: Outlet, default_chat: str, reply: Reply) -> list[str | None]:
    """Send a core ``Reply`` (to its own chat if it names one), every message retried; an attachment
    that can only go by link and cannot be published is left out and the text still goes."""
    link = None
    if reply.attachment is not None and by_link(reply.attachment, outlet.profile):
        try:
            link = await _link(outlet, reply.attachment)
        except Permanent as exc:
            log.warning("attachment %s not sent on %s: %s", reply.attachment.name, outlet.profile.name, exc)
    messages = render_reply(reply, outlet.profile, link=link)
    return await send_messages(outlet, reply.chat_id or default_chat, messages)


async def deliver_row(outlet: Outlet, row: OutboxMessage) -> str | None:
    """Deliver one outbox row (a pushed message); return the first message's id. Raises RetryAfter,
    Transient or Permanent for the outbox sender, which retries the row on its own schedule."""
    reply = reply_from_row(row)
    link = row.attachment_ref
    if reply.attachment is not None and link is None and by_link(reply.attachment, outlet.profile):
        link = await _link(outlet, reply.attachment)  # Permanent without an endpoint: the row fails
    messages = render_reply(reply, outlet.profile, pushed=True, link=link)
    ids = await send_messages(outlet, row.chat_id, messages, first=NO_RETRY)
    return next((i for i in ids if i is not None), None)

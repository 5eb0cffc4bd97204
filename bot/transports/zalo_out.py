"""Everything the bot sends on Zalo: replies and outbox rows, fitted to what Zalo can show.

Zalo has no buttons (they become numbered lines in replies, and the words to type in pushed
messages, see ``zalo_text``), no documents and photos only
by URL, so an attachment is published on the bot's own web endpoint first (``FileLinks``) and sent
as a photo (a picture) or as a link under the text (a spreadsheet). A text longer than Zalo's limit
goes out as several messages.

A reply split in several messages is one outbox row: only its first message is left to the outbox
sender's retry schedule; once that is out, the rest are retried here, so a failure half-way through
rarely makes the sender repeat the first part.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from bot.delivery_errors import Permanent
from bot.transports.zalo_api import NO_RETRY, RetryPolicy, ZaloBotApi
from bot.transports.zalo_text import ZALO_TEXT_LIMIT, reply_pieces, utf16_len
from locales.messages import Attachment, Button, Reply
from storage.models.outbox import OutboxMessage

log = logging.getLogger(__name__)

FOLLOW_UP_RETRY = RetryPolicy(attempts=5, base_delay=0.5, max_delay=10.0)
"""Retries for the second and later messages of one reply."""


class FileLinks(Protocol):
    """The bot's own web endpoint: publishes a file under an unguessable, expiring URL."""

    async def link(self, name: str, content: bytes, kind: str) -> str:
        """Store ``content`` and return the public URL it can be fetched from."""
        ...


class NoFileLinks:
    """Used where no public base URL is configured: attachments cannot be delivered on Zalo."""

    async def link(self, name: str, content: bytes, kind: str) -> str:
        """Refuse: Zalo only takes files by URL."""
        raise Permanent("PUBLIC_BASE_URL is not set: Zalo can only receive pictures and files by URL")


def buttons_from_json(raw: Sequence[Any] | None) -> list[list[Button]]:
    """Return the buttons an outbox row stores as ``[[{"label", "data"}]]``."""
    rows: list[list[Button]] = []
    for row in raw or []:
        rows.append([Button(str(b.get("label", "")), str(b.get("data", ""))) for b in row if isinstance(b, dict)])
    return rows


def _with_link(pieces: list[str], url: str) -> list[str]:
    """Append ``url`` on its own line to the last piece, or as one more piece if it would not fit."""
    if pieces and utf16_len(pieces[-1]) + 1 + utf16_len(url) <= ZALO_TEXT_LIMIT:
        return [*pieces[:-1], f"{pieces[-1]}\n{url}"]
    return [*pieces, url]


class ZaloSender:
    """Sends ``Reply`` objects and outbox rows through one ``ZaloBotApi``."""

    def __init__(self, api: ZaloBotApi, files: FileLinks | None = None) -> None:
        self.api = api
        self.files: FileLinks = files or NoFileLinks()

    async def _attachment_url(self, attachment: Attachment) -> str:
        return await self.files.link(attachment.name, attachment.content, attachment.kind)

    async def send(
        self,
        chat_id: str,
        text: str,
        buttons: Sequence[Sequence[Button]] = (),
        *,
        photo_url: str | None = None,
        link_url: str | None = None,
        first_retry: RetryPolicy | None = None,
        pushed: bool = False,
    ) -> str | None:
        """Send one reply's worth of messages in order; return the first message's id.

        ``first_retry`` governs the first message (``NO_RETRY`` for the outbox, whose sender
        schedules retries itself); later messages are retried here.
        """
        pieces = reply_pieces(text, buttons, pushed=pushed)
        if link_url:
            pieces = _with_link(pieces, link_url)
        first_id: str | None = None
        policy = first_retry
        if photo_url:
            # The caption is the first piece when it fits; a photo's caption has the same limit.
            caption = pieces.pop(0) if pieces else None
            result = await self.api.send_photo(chat_id, photo_url, caption, retry=policy)
            first_id = _message_id(result)
            policy = FOLLOW_UP_RETRY
        for piece in pieces:
            result = await self.api.send_message(chat_id, piece, retry=policy)
            first_id = first_id or _message_id(result)
            policy = FOLLOW_UP_RETRY
        return first_id

    async def send_reply(self, default_chat: str, reply: Reply) -> str | None:
        """Send a core ``Reply`` (to its own chat if it names one); without a file endpoint an
        attachment is left out and the text still goes."""
        chat_id = reply.chat_id or default_chat
        photo_url = link_url = None
        if reply.attachment is not None:
            try:
                url = await self._attachment_url(reply.attachment)
            except Permanent as exc:
                log.warning("attachment %s not sent on Zalo: %s", reply.attachment.name, exc)
            else:
                photo_url, link_url = (url, None) if reply.attachment.kind == "photo" else (None, url)
        return await self.send(chat_id, reply.text, reply.buttons, photo_url=photo_url, link_url=link_url)

    async def deliver(self, message: OutboxMessage) -> str | None:
        """The outbox sender's ``Deliver`` for Zalo rows: raises RetryAfter, Transient or Permanent."""
        photo_url = link_url = message.attachment_ref
        if photo_url is None and message.attachment is not None:
            photo_url = link_url = await self.files.link(
                message.attachment_name or "file", message.attachment, message.attachment_kind or "document"
            )
        if message.attachment_kind == "photo":
            link_url = None
        else:
            photo_url = None
        return await self.send(
            message.chat_id,
            message.text,
            buttons_from_json(message.buttons),
            photo_url=photo_url,
            link_url=link_url,
            first_retry=NO_RETRY,
            pushed=True,
        )

    async def __call__(self, message: OutboxMessage) -> str | None:
        """Make the sender usable directly as the outbox's ``Deliver``."""
        return await self.deliver(message)


def _message_id(result: Any) -> str | None:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return None

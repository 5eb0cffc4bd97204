"""What both Telegram transports share: splitting long texts, the keyboard shape, and applying a
batch of polled updates in order per sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from bot.transports.zalo_out import buttons_from_json
from handlers.messages import Attachment, Button, Reply
from storage.models.outbox import OutboxMessage

TELEGRAM_TEXT_LIMIT = 4096
log = logging.getLogger(__name__)
U = TypeVar("U")


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Cut ``text`` into messages under ``limit``, at line breaks where possible."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def keyboard_rows(buttons: list[list[Button]]) -> list[list[tuple[str, str]]]:
    """Return the buttons as (label, callback data) rows; Telegram caps callback data at 64 bytes."""
    return [[(b.label, b.data[:64]) for b in row] for row in buttons]


def reply_from_row(message: OutboxMessage) -> Reply:
    """Rebuild the ``Reply`` an outbox row stores (text, buttons, uploaded attachment)."""
    attachment = None
    if message.attachment is not None:
        attachment = Attachment(message.attachment_name or "file", message.attachment,
                                "photo" if message.attachment_kind == "photo" else "document")
    return Reply(message.text, buttons_from_json(message.buttons), attachment)


async def apply_in_sender_order(
    updates: list[U], sender: Callable[[U], Hashable], apply: Callable[[U], Awaitable[object]]
) -> None:
    """Apply a polled batch before it is confirmed: each sender's updates in order, different
    senders at once. A failure is logged and the rest of the batch goes on (the core answers its
    own failures; what reaches here is a reply that could not be sent)."""
    queues: dict[Hashable, list[U]] = {}
    for update in updates:
        queues.setdefault(sender(update), []).append(update)

    async def in_order(queue: list[U]) -> None:
        for update in queue:
            try:
                await apply(update)
            except Exception:
                log.exception("a polled update failed")

    await asyncio.gather(*(in_order(queue) for queue in queues.values()))

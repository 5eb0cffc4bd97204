"""What both Telegram transports share: splitting long texts and the keyboard shape."""

from __future__ import annotations

from bot.transports.zalo_out import buttons_from_json
from locales.messages import Attachment, Button, Reply
from storage.models.outbox import OutboxMessage

TELEGRAM_TEXT_LIMIT = 4096


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


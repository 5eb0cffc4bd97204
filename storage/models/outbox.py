"""The outbox: every pushed message (reminder, summary, broadcast) is a row written with its decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class OutboxMessage(Base):
    """One message to push into one chat; ``dedupe_key`` makes a decision taken twice write once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "failed_at", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    # "private" or "group": the rate limits differ (1/s into a chat, 20/min into a group).
    chat_type: Mapped[str] = mapped_column(String(10), default="private")
    text: Mapped[str] = mapped_column(Text)
    # [[{"label": ..., "data": ...}]]: rows of inline buttons, as in ``Reply.buttons``.
    buttons: Mapped[list[Any] | None]
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_kind: Mapped[str | None] = mapped_column(String(10))
    # A file the transport fetches by reference (a URL served by the bot) instead of uploaded bytes.
    attachment_ref: Mapped[str | None] = mapped_column(String(500))
    # e.g. "remind:group:2026-11:12:2026-11-22:telegram:-100123"; unique, so concurrent deciders agree.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    available_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # A sender holds a claimed row until this moment; after a crash the row becomes claimable again.
    claimed_until: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(64))
    # The commune the message is about, so an operator can list what one commune was sent.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)

"""Dialog state per (transport, chat, user) and the ids of updates already applied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class DialogState(Base):
    """Where a user is in a multi-step dialog; the row is also the lock taken per incoming message."""

    __tablename__ = "dialog_states"
    __table_args__ = (UniqueConstraint("transport", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    dialog: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Bumped by every write: a step computed from an unlocked read commits only if it is unchanged.
    rev: Mapped[int] = mapped_column(default=0, server_default="0")


class AppliedUpdate(Base):
    """An update already applied; written in the same transaction as its effects. Kept only as long
    as a redelivery can come (``storage.per_update.KEEP_APPLIED``); the running bot prunes older rows."""

    __tablename__ = "applied_updates"

    transport: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    applied_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

"""What admins did to their commune (the audit log), and the wrong codes typed per sender (throttling)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class AuditEntry(Base):
    """One change an admin made: who, what, when, the state before and after (never a code)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))  # e.g. "hamlet.rename", "member.remove", "invite.renew"
    subject: Mapped[str] = mapped_column(String(300))  # what it was done to, as people name it
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class CodeAttempt(Base):
    """A wrong invite, link or group code typed by one sender: counted to slow down guessing."""

    __tablename__ = "code_attempts"
    __table_args__ = (Index("ix_code_attempts_sender_at", "transport", "sender_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))  # "invite" | "link" | "group"
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

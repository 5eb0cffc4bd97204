"""Group chats bound to a commune (leaders' or hamlets' group) and the one-time codes that bind them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

PURPOSES = ("leaders", "hamlets")


class GroupBinding(Base):
    """A group chat bound to one commune for one purpose; the group only ever sees that commune."""

    __tablename__ = "group_bindings"
    __table_args__ = (UniqueConstraint("transport", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5), default="vi")
    bound_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    bound_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GroupBindCode(Base):
    """A one-time code an admin creates; ``/ketnoi <code>`` in a group binds that group."""

    __tablename__ = "group_bind_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_chat_id: Mapped[str | None] = mapped_column(String(64))

"""Wrong codes per sender: at most ``MAX_WRONG`` wrong invite, link or group codes in any ``WINDOW``.

A sender who has typed ``MAX_WRONG`` wrong codes within the last ``WINDOW`` gets no code tried at all
until the oldest of them is older than ``WINDOW``: eight-letter codes cannot be guessed at chat speed.
A refused attempt is not recorded (the wait is ``WINDOW`` from the first wrong code, not endless).
Rows hold the sender and the kind of code, never the code itself; so do the log lines.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CodeAttempt

MAX_WRONG = 5
WINDOW = dt.timedelta(minutes=15)
KINDS = ("invite", "link", "group")
log = logging.getLogger(__name__)


async def throttled(session: AsyncSession, transport: str, sender_id: str, now: dt.datetime) -> bool:
    """Tell whether ``sender_id`` has used up its wrong codes for now (no code of theirs is tried)."""
    count = await session.scalar(select(func.count()).select_from(CodeAttempt).where(
        CodeAttempt.transport == transport, CodeAttempt.sender_id == sender_id, CodeAttempt.at > now - WINDOW))
    if (count or 0) >= MAX_WRONG:
        log.warning("code attempts from %s:%s refused: %d wrong in %s", transport, sender_id, count, WINDOW)
        return True
    return False


async def record_wrong(session: AsyncSession, transport: str, sender_id: str, kind: str, now: dt.datetime) -> None:
    """Count one wrong ``kind`` code from ``sender_id`` (the code itself is neither stored nor logged)."""
    if kind not in KINDS:
        raise ValueError(f"unknown code kind {kind!r}")
    session.add(CodeAttempt(transport=transport, sender_id=sender_id[:64], kind=kind, at=now))
    await session.flush()
    log.info("wrong %s code from %s:%s", kind, transport, sender_id)

"""The audit log: what an admin changed in their commune (who, what, when, before → after)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Person

# What /nhatky shows: the last entries of the commune, newest first.
RECENT = 10


async def record(
    session: AsyncSession, commune_id: int, actor_id: int | None, action: str, subject: str, now: dt.datetime,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry in the caller's transaction (so the change and its entry commit together).

    ``before``/``after`` never hold an invite code: a code in the log would be a code anyone reading
    the log could use."""
    entry = AuditEntry(commune_id=commune_id, actor_id=actor_id, action=action, subject=subject[:300],
                       before=before, after=after, at=now)
    session.add(entry)
    await session.flush()
    return entry


async def recent(session: AsyncSession, commune_id: int, limit: int = RECENT) -> list[tuple[AuditEntry, str | None]]:
    """Return the commune's last ``limit`` entries with the actor's display name, newest first."""
    query = (select(AuditEntry, Person.display_name)
             .outerjoin(Person, Person.id == AuditEntry.actor_id)
             .where(AuditEntry.commune_id == commune_id)
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
             .limit(limit))
    return [(entry, name) for entry, name in (await session.execute(query)).all()]

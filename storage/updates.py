"""Applied update ids: the record that makes every update take effect once."""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.base import UtcDateTime, utcnow

# Plain SQL that SQLite (3.35+) and PostgreSQL both speak: it is on every update's path, and
# dialect-specific ``insert().on_conflict_do_nothing()`` statements are compiled anew on each call.
_CLAIM = text(
    "INSERT INTO applied_updates (transport, update_id, applied_at) VALUES (:transport, :update_id, :now) "
    "ON CONFLICT (transport, update_id) DO NOTHING RETURNING update_id"
).bindparams(bindparam("now", type_=UtcDateTime()))


async def claim_update(session: AsyncSession, transport: str, update_id: str) -> bool:
    """Record ``update_id`` as applied; ``False`` when it already was (a redelivery)."""
    result = await session.execute(_CLAIM, {"transport": transport, "update_id": update_id, "now": utcnow()})
    return result.scalar_one_or_none() is not None

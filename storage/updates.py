"""Applied update ids: the record that makes every update take effect once."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AppliedUpdate


async def claim_update(session: AsyncSession, transport: str, update_id: str) -> bool:
    """Record ``update_id`` as applied; ``False`` when it already was (a redelivery)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(AppliedUpdate)
        .values(transport=transport, update_id=update_id)
        .on_conflict_do_nothing(index_elements=["transport", "update_id"])
        .returning(AppliedUpdate.update_id)
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none() is not None

"""The locked path of every incoming update, under the name the unit of work knows it by, and the
pruning of the update ids it claims.

The statements themselves (claim the update id, take the lock on the sender's dialog state and load
it, store the new state) are the dialog-state store's, one implementation per driver: see
``storage.dialog_store``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialog_store import LockedState, StateRow, locked_state
from storage.models.dialogs import AppliedUpdate

__all__ = ["KEEP_APPLIED", "PRUNE_BATCH", "PerUpdate", "StateRow", "per_update", "prune_applied"]

# Telegram keeps an unconfirmed update for 24 hours and retries a webhook for less; Zalo redelivers
# within minutes. A week of update ids covers every redelivery with room to spare (a bot stopped
# over a long weekend included); older ids are pruned by the running bot.
KEEP_APPLIED = dt.timedelta(days=7)
PRUNE_BATCH = 5000


async def prune_applied(session: AsyncSession, before: dt.datetime, limit: int = PRUNE_BATCH) -> int:
    """Delete up to ``limit`` update ids applied before ``before`` (oldest first); return how many.

    One batch per call, so the caller commits between batches and no transaction holds a large
    delete's locks while updates are being claimed."""
    oldest = (select(AppliedUpdate.transport, AppliedUpdate.update_id)
              .where(AppliedUpdate.applied_at < before).order_by(AppliedUpdate.applied_at).limit(limit))
    statement = delete(AppliedUpdate).where(tuple_(AppliedUpdate.transport, AppliedUpdate.update_id).in_(oldest))
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


# The names the unit of work has imported from here since before the store had one interface.
PerUpdate = LockedState


async def per_update(session: AsyncSession) -> LockedState:
    """The locked path's statements for ``session``'s connection (``storage.dialog_store.locked_state``)."""
    return await locked_state(session)

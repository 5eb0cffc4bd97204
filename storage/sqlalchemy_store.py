"""The dialog-state store through SQLAlchemy alone: the portable driver, for any async driver a
``DATABASE_URL`` may name (on SQLite or PostgreSQL, whose ``ON CONFLICT`` both statements use).

It runs the same statements as the direct drivers, through ``text()``. Its optimistic path exists
so that the store keeps one contract on every driver, but the unit of work is not offered it
(``optimistic`` is ``False``): through a generic driver the unlocked read and the conditional write
cost as many round trips as the locked transaction they would save.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.db import READS_ONLY
from storage.dialog_statements import (
    CLAIM,
    LOCK,
    MOVE,
    READ,
    STORE,
    LockedStatements,
    Seen,
    StateRow,
    Written,
    state_row,
)
from storage.models.base import UtcDateTime


def bound(sql: str) -> Any:
    """``sql`` as a ``text()`` statement whose ``:now`` goes through the timestamp column type."""
    # Timestamps go through the column type, so SQLite stores the text SQLAlchemy reads back.
    statement = text(sql)
    if ":now" in sql:
        statement = statement.bindparams(bindparam("now", type_=UtcDateTime()))
    return statement


class SqlAlchemyLocked(LockedStatements):
    """The locked path's statements through the session, inside the transaction it has begun."""

    claim_sql = bound(CLAIM.format(":transport", ":update_id", ":now"))
    lock_sql = bound(LOCK.format(":transport", ":chat_id", ":user_id", ":now"))
    store_sql = bound(STORE.format(":dialog", ":step", ":version", ":payload", ":now", ":id"))

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        """Record ``update_id`` as applied; ``False`` when it already was (a redelivery)."""
        result = await self._session.execute(self.claim_sql, {"transport": transport, "update_id": update_id,
                                                              "now": now})
        return result.scalar_one_or_none() is not None

    async def _lock(self, transport: str, chat_id: str, user_id: str, now: dt.datetime) -> StateRow:
        params = {"transport": transport, "chat_id": chat_id, "user_id": user_id, "now": now}
        return state_row(*(await self._session.execute(self.lock_sql, params)).one())

    async def _write(self, row_id: int, dialog: str | None, step: str | None, version: int, payload: str,
                     now: dt.datetime) -> None:
        await self._session.execute(self.store_sql, {"id": row_id, "dialog": dialog, "step": step,
                                                     "version": version, "payload": payload, "now": now})


class SqlAlchemyStore:
    """The dialog-state store of any engine, through SQLAlchemy's public API only."""

    optimistic = False
    read_sql = bound(READ.format(":transport", ":update_id", ":chat_id", ":user_id"))
    move_sql = bound(MOVE.format(":dialog", ":step", ":version", ":payload", ":now", ":id", ":rev"))
    claim_sql = SqlAlchemyLocked.claim_sql

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # The unlocked read must not wait for a writer (on SQLite every other transaction takes the lock).
        self._reader = engine.execution_options(**{READS_ONLY: True})

    async def locked(self, session: AsyncSession) -> SqlAlchemyLocked:
        """The locked path's statements, inside ``session``'s transaction (begun here if needed)."""
        await session.connection()
        return SqlAlchemyLocked(session)

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        """The sender's state row without a lock (``None`` if there is none yet), and whether
        ``update_id`` was applied."""
        params = {"transport": transport, "update_id": update_id, "chat_id": chat_id, "user_id": user_id}
        async with self._reader.connect() as conn:
            found = (await conn.execute(self.read_sql, params)).first()
        if found is None:
            return None
        return Seen(state_row(*found[:5]), found[5], bool(found[6]))

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: str, now: dt.datetime,
    ) -> Written:
        """Store the new state and claim ``update_id`` together, if the row is still at ``seen.rev``."""
        async with self._engine.connect() as conn, conn.begin() as transaction:
            moved = await conn.execute(self.move_sql, {"dialog": dialog, "step": step, "version": version,
                                                       "payload": payload, "now": now, "id": seen.row.id,
                                                       "rev": seen.rev})
            if moved.rowcount != 1:
                await transaction.rollback()
                return Written.CHANGED
            claimed = await conn.execute(self.claim_sql, {"transport": transport, "update_id": update_id,
                                                          "now": now})
            if claimed.scalar_one_or_none() is None:
                await transaction.rollback()
                return Written.DUPLICATE
        return Written.SAVED

    async def close(self) -> None:
        """Nothing to release: every call borrows the engine's pool."""

"""The dialog-state store on PostgreSQL through asyncpg directly: one round trip per statement, none
for SQLAlchemy's bookkeeping.

Locked path: the claim and the lock are one statement. SQLAlchemy's asyncpg adapter sends BEGIN
lazily, with the first statement it runs, and only it may begin the transaction it will commit;
so when the transaction is not open yet (``is_in_transaction``, asyncpg's public API), the first
statement goes through the adapter's DB-API cursor, which begins the transaction before it — the
same two round trips (BEGIN, the statement) as sending BEGIN ourselves, and no private API.

Optimistic path: two autocommit statements; the second updates the state and claims the update
at once, or does neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.util import greenlet_spawn

from storage.dialog_statements import (
    CLAIM,
    CLAIM_AND_LOCK,
    READ,
    STORE,
    LockedStatements,
    Seen,
    StateRow,
    Written,
    connections,
    state_row,
)
from storage.sqlalchemy_store import SqlAlchemyLocked


def _first_row(connection: Connection, sql: str, args: tuple[Any, ...]) -> Any:
    # The DB-API cursor of SQLAlchemy's asyncpg adapter: it begins the transaction, then runs ``sql``.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, args)
        return cursor.fetchone()
    finally:
        cursor.close()


class AsyncpgLocked(LockedStatements):
    """asyncpg calls on the connection whose transaction SQLAlchemy's adapter has begun."""

    claim_sql = CLAIM.format("$1", "$2", "$3")
    claim_and_lock_sql = CLAIM_AND_LOCK.format("$1", "$2", "$3", "$4", "$5")
    store_sql = STORE.format("$1", "$2", "$3", "$4", "$5", "$6")

    def __init__(self, connection: AsyncConnection, driver: asyncpg.Connection[Any]) -> None:
        self._connection = connection
        self._conn = driver

    async def _fetchrow(self, sql: str, *args: Any) -> Any:
        if self._conn.is_in_transaction():
            return await self._conn.fetchrow(sql, *args)
        # Not begun yet: the statement goes through the adapter, which sends BEGIN before it and
        # will commit what it began. Its DB-API cursor (in the greenlet ``run_sync`` provides) costs
        # less than a session statement's bookkeeping.
        return await self._connection.run_sync(_first_row, sql, args)

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        """Record ``update_id`` as applied; ``False`` when it already was (a redelivery)."""
        return await self._fetchrow(self.claim_sql, transport, update_id, now) is not None

    async def claim_and_lock(
        self, transport: str, update_id: str, chat_id: str, user_id: str, now: dt.datetime
    ) -> StateRow | None:
        """Claim the update, then take the lock on the sender's state row and load it, in one
        statement; ``None`` for a redelivery (nothing locked, nothing written)."""
        row = await self._fetchrow(self.claim_and_lock_sql, transport, update_id, chat_id, user_id, now)
        return None if row is None else state_row(*row)

    async def _write(self, row_id: int, dialog: str | None, step: str | None, version: int, payload: str,
                     now: dt.datetime) -> None:
        await self._fetchrow(self.store_sql, dialog, step, version, payload, now, row_id)


class AsyncpgStore:
    """The dialog-state store of a ``postgresql+asyncpg`` engine."""

    optimistic = True
    read_sql = READ.format("$1", "$2", "$3", "$4")
    # A unique violation on the claim undoes the update too (one statement); no updated row, no claim.
    write_sql = (
        "WITH moved AS (UPDATE dialog_states SET dialog = $5, step = $6, version = $7, payload = $8, "
        "updated_at = $9, rev = rev + 1 WHERE id = $3 AND rev = $4 RETURNING id) "
        "INSERT INTO applied_updates (transport, update_id, applied_at) SELECT $1, $2, $9 FROM moved "
        "RETURNING update_id"
    )

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def locked(self, session: AsyncSession) -> LockedStatements:
        """The locked path's statements, inside ``session``'s transaction (begun here if needed)."""
        connection, driver = await connections(session)
        if isinstance(driver, asyncpg.Connection):
            return AsyncpgLocked(connection, driver)
        return SqlAlchemyLocked(session)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection[Any]]:
        # Checked out for one statement, never across the step: a step that needs more from the
        # database opens its own session, and holding one connection while waiting for another
        # can exhaust the pool (every connection held by a step waiting for a second).
        # The raw pooled connection: a checkout through ``engine.connect()`` costs ~70 µs more, twice
        # a step. Closing it returns it to the pool, whose reset may await the driver: hence the
        # greenlet SQLAlchemy's own async API runs such calls in.
        pooled = await self._engine.raw_connection()
        try:
            yield pooled.driver_connection
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError):
            # A broken connection must not go back to the pool.
            await greenlet_spawn(pooled.invalidate)
            raise
        finally:
            await greenlet_spawn(pooled.close)

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        """The sender's state row without a lock (``None`` if there is none yet), and whether
        ``update_id`` was applied."""
        async with self._connection() as conn:
            found = await conn.fetchrow(self.read_sql, transport, update_id, chat_id, user_id)
        if found is None:
            return None
        return Seen(state_row(*list(found)[:5]), found[5], bool(found[6]))

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: str, now: dt.datetime,
    ) -> Written:
        """Store the new state and claim ``update_id`` together, if the row is still at ``seen.rev``."""
        try:
            async with self._connection() as conn:
                claimed = await conn.fetchval(self.write_sql, transport, update_id, seen.row.id, seen.rev, dialog,
                                              step, version, payload, now)
        except asyncpg.UniqueViolationError:
            return Written.DUPLICATE
        return Written.SAVED if claimed is not None else Written.CHANGED

    async def close(self) -> None:
        """Nothing to release: every call borrows the engine's pool."""

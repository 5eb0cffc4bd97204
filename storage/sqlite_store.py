"""The dialog-state store on SQLite, in plain ``sqlite3`` calls on the event loop's thread
(``storage.sqlite_driver``): each statement costs microseconds, and SQLAlchemy's bookkeeping would
cost more than the statement.

The locked path runs on the session's connection, which ``BEGIN IMMEDIATE`` has given the
database's write lock (the SQLite form of "take the lock, then load"). The optimistic path runs on
a connection of its own: every call runs to its end without an await (only waiting for the write
lock yields, before ``BEGIN`` succeeds), so one connection serves all the steps of a process.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

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
    connections,
    sqlite_timestamp,
    state_row,
)
from storage.sqlalchemy_store import SqlAlchemyLocked
from storage.sqlite_driver import Connection as InLoopSqlite
from storage.sqlite_driver import open_in_loop, patiently


class SqliteLocked(LockedStatements):
    """Plain ``sqlite3`` calls on the connection the session's ``BEGIN IMMEDIATE`` locked."""

    claim_sql = CLAIM.format("?", "?", "?")
    lock_sql = LOCK.format("?", "?", "?", "?")
    store_sql = STORE.format("?", "?", "?", "?", "?", "?")

    def __init__(self, connection: InLoopSqlite) -> None:
        self._conn = connection.sqlite

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        """Record ``update_id`` as applied; ``False`` when it already was (a redelivery)."""
        return bool(self._conn.execute(self.claim_sql, (transport, update_id, sqlite_timestamp(now))).fetchall())

    async def _lock(self, transport: str, chat_id: str, user_id: str, now: dt.datetime) -> StateRow:
        rows = self._conn.execute(self.lock_sql, (transport, chat_id, user_id, sqlite_timestamp(now))).fetchall()
        return state_row(*rows[0])

    async def _write(self, row_id: int, dialog: str | None, step: str | None, version: int, payload: str,
                     now: dt.datetime) -> None:
        self._conn.execute(self.store_sql, (dialog, step, version, payload, sqlite_timestamp(now), row_id))


class SqliteStore:
    """The dialog-state store of a SQLite engine made by ``storage.db.create_engine``."""

    read_sql = READ.format("?1", "?2", "?3", "?4")
    move_sql = MOVE.format("?", "?", "?", "?", "?", "?", "?")
    claim_sql = SqliteLocked.claim_sql

    def __init__(self, engine: AsyncEngine) -> None:
        database = engine.url.database
        # An in-memory database is seen by the engine's one connection only: no optimistic path.
        self._database = None if database in (None, "", ":memory:") else database
        self._conn: sqlite3.Connection | None = None

    @property
    def optimistic(self) -> bool:
        """Whether the unit of work should try the unlocked path first (a file database only)."""
        return self._database is not None

    async def locked(self, session: AsyncSession) -> LockedStatements:
        """The locked path's statements, inside ``session``'s transaction (begun here if needed)."""
        _connection, driver = await connections(session)
        if isinstance(driver, InLoopSqlite):
            return SqliteLocked(driver)
        # An engine made without our connector (aiosqlite's own thread): the portable statements.
        return SqlAlchemyLocked(session)

    def _connection(self) -> sqlite3.Connection:
        if self._database is None:
            raise RuntimeError("an in-memory SQLite database has no optimistic path")
        if self._conn is None:
            self._conn = open_in_loop(self._database)
        return self._conn

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        """The sender's state row without a lock (``None`` if there is none yet), and whether
        ``update_id`` was applied."""
        conn = self._connection()
        # fetchall: a statement left unfinished would keep its read snapshot for the next ones.
        rows = await patiently(lambda: conn.execute(self.read_sql, (transport, update_id, chat_id, user_id)).fetchall())
        if not rows:
            return None
        found = rows[0]
        return Seen(state_row(*found[:5]), found[5], bool(found[6]))

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: str, now: dt.datetime,
    ) -> Written:
        """Store the new state and claim ``update_id`` together, if the row is still at ``seen.rev``:
        one short ``BEGIN IMMEDIATE`` … ``COMMIT``."""
        conn = self._connection()
        stamp = sqlite_timestamp(now)
        await patiently(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            moved = conn.execute(self.move_sql, (dialog, step, version, payload, stamp, seen.row.id, seen.rev))
            if moved.rowcount != 1:
                conn.rollback()
                return Written.CHANGED
            if not conn.execute(self.claim_sql, (transport, update_id, stamp)).fetchall():
                conn.rollback()
                return Written.DUPLICATE
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return Written.SAVED

    async def close(self) -> None:
        """Close the optimistic path's connection (opened again if the store is used after)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

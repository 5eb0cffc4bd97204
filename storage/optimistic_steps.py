"""Dialog steps committed optimistically: read the state without a lock, compute the step, then
write the new state and claim the update id in one atomic write that succeeds only if the state
row is still the one that was read.

Most messages are answers inside a dialog (a figure, "quay lại") that touch nothing but the
dialog state. Locking the row for them costs PostgreSQL four round trips (BEGIN, claim and lock,
store, COMMIT); this costs two (read; one statement that updates and claims). The write is
conditional on the row's ``rev`` counter, which every write bumps, and the claim is inserted only
by a row that was updated, so a redelivery or a concurrent step of another worker makes the write
change nothing. The caller then takes the locked path (``storage.per_update``), which is also the
path for every step that reads or writes anything else.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.per_update import StateRow, sqlite_timestamp, state_row
from storage.sqlite_driver import Connection as InLoopSqlite
from storage.sqlite_driver import patiently


@dataclass(frozen=True)
class Seen:
    """The state row as read without a lock, its revision, and whether the update was applied."""

    row: StateRow
    rev: int
    applied: bool


class Written(enum.Enum):
    """How an optimistic write ended."""

    SAVED = "saved"
    CHANGED = "changed"  # the row moved since it was read: nothing was written
    DUPLICATE = "duplicate"  # the update id was already applied: nothing was written


class OptimisticSteps(Protocol):
    """Unlocked read and conditional write of one sender's dialog state."""

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        """The sender's state row (``None`` if there is none yet), and whether ``update_id`` was applied."""

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: dict[str, Any], now: dt.datetime,
    ) -> Written:
        """Store the new state and claim ``update_id`` together, if the row is still at ``seen.rev``."""


_READ = ("SELECT d.id, d.dialog, d.step, d.version, d.payload, d.rev, "
         "EXISTS (SELECT 1 FROM applied_updates a WHERE a.transport = {0} AND a.update_id = {1}) "
         "FROM dialog_states d WHERE d.transport = {0} AND d.chat_id = {2} AND d.user_id = {3}")


class _SqliteSteps:
    """Plain ``sqlite3`` calls; the write is one short ``BEGIN IMMEDIATE`` … ``COMMIT`` with no await inside."""

    read_sql = _READ.format("?1", "?2", "?3", "?4")
    move_sql = ("UPDATE dialog_states SET dialog = ?, step = ?, version = ?, payload = ?, updated_at = ?, "
                "rev = rev + 1 WHERE id = ? AND rev = ?")
    claim_sql = ("INSERT INTO applied_updates (transport, update_id, applied_at) VALUES (?, ?, ?) "
                 "ON CONFLICT (transport, update_id) DO NOTHING RETURNING update_id")

    def __init__(self, connection: InLoopSqlite) -> None:
        self._conn = connection.sqlite

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        found = await patiently(
            lambda: self._conn.execute(self.read_sql, (transport, update_id, chat_id, user_id)).fetchone())
        if found is None:
            return None
        return Seen(state_row(*found[:5]), found[5], bool(found[6]))

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: dict[str, Any], now: dt.datetime,
    ) -> Written:
        stamp = sqlite_timestamp(now)
        await patiently(lambda: self._conn.execute("BEGIN IMMEDIATE"))
        try:
            moved = self._conn.execute(self.move_sql, (dialog, step, version, json.dumps(payload, ensure_ascii=False),
                                                       stamp, seen.row.id, seen.rev))
            if moved.rowcount != 1:
                self._conn.rollback()
                return Written.CHANGED
            if not self._conn.execute(self.claim_sql, (transport, update_id, stamp)).fetchall():
                self._conn.rollback()
                return Written.DUPLICATE
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise
        return Written.SAVED


class _AsyncpgSteps:
    """Two autocommit statements; the second updates and claims at once, or does neither."""

    read_sql = _READ.format("$1", "$2", "$3", "$4")
    # A unique violation on the claim undoes the update too (one statement); no updated row, no claim.
    write_sql = (
        "WITH moved AS (UPDATE dialog_states SET dialog = $5, step = $6, version = $7, payload = $8, "
        "updated_at = $9, rev = rev + 1 WHERE id = $3 AND rev = $4 RETURNING id) "
        "INSERT INTO applied_updates (transport, update_id, applied_at) SELECT $1, $2, $9 FROM moved "
        "RETURNING update_id"
    )

    def __init__(self, connection: asyncpg.Connection[Any]) -> None:
        self._conn = connection

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        found = await self._conn.fetchrow(self.read_sql, transport, update_id, chat_id, user_id)
        if found is None:
            return None
        return Seen(state_row(*list(found)[:5]), found[5], bool(found[6]))

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: dict[str, Any], now: dt.datetime,
    ) -> Written:
        try:
            claimed = await self._conn.fetchval(self.write_sql, transport, update_id, seen.row.id, seen.rev, dialog,
                                                step, version, json.dumps(payload, ensure_ascii=False), now)
        except asyncpg.UniqueViolationError:
            return Written.DUPLICATE
        return Written.SAVED if claimed is not None else Written.CHANGED


@asynccontextmanager
async def optimistic_steps(engine: AsyncEngine) -> AsyncIterator[tuple[OptimisticSteps | None, AsyncConnection]]:
    """A pooled connection and its optimistic statements (``None`` for a driver without them).

    Whatever else the step needs from the database must go through this same connection: a step
    that held one pooled connection while waiting for a second could, under load, wait for ever
    (every connection held by a step that waits for another)."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        if isinstance(driver, InLoopSqlite):
            yield _SqliteSteps(driver), connection
        elif isinstance(driver, asyncpg.Connection):
            yield _AsyncpgSteps(driver), connection
        else:
            yield None, connection

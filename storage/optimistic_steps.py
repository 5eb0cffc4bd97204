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
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from storage.per_update import StateRow, sqlite_timestamp, state_row
from storage.sqlite_driver import open_in_loop, patiently


@dataclass(frozen=True)
class Seen:
    """The state row as read without a lock, its revision, and whether the update was applied."""

    row: StateRow
    rev: int
    applied: bool


class LastWrites:
    """What this process last wrote to each sender's state row: the next answer of that sender is
    computed from it without reading the row again.

    Only a hint: the write is conditional on ``rev`` and inserts the update id in the same atomic
    statement, so if another worker moved the row, or the update was already applied, the write
    changes nothing and the step goes to the locked path. Payloads are kept as the JSON that was
    written, so nothing a step does to its copy can reach the next one.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._rows: OrderedDict[tuple[str, str, str], tuple[int, str, str, int, str, int]] = OrderedDict()

    def get(self, key: tuple[str, str, str]) -> Seen | None:
        """The state last written for ``key`` by this process, if it is still known."""
        found = self._rows.get(key)
        if found is None:
            return None
        id_, dialog, step, version, payload, rev = found
        return Seen(StateRow(id_, dialog, step, version, json.loads(payload)), rev, applied=False)

    def put(self, key: tuple[str, str, str], seen: Seen, dialog: str, step: str, version: int, payload: str) -> None:
        """Remember the state just written over ``seen`` (its ``rev`` is now one more)."""
        self._rows[key] = (seen.row.id, dialog, step, version, payload, seen.rev + 1)
        self._rows.move_to_end(key)
        if len(self._rows) > self._size:
            self._rows.popitem(last=False)

    def forget(self, key: tuple[str, str, str]) -> None:
        """Drop what is known of ``key`` (the row was or may have been written by another path)."""
        self._rows.pop(key, None)


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
        payload: str, now: dt.datetime,
    ) -> Written:
        """Store the new state (``payload`` as JSON text) and claim ``update_id`` together, if the row
        is still at ``seen.rev``."""


_READ = ("SELECT d.id, d.dialog, d.step, d.version, d.payload, d.rev, "
         "EXISTS (SELECT 1 FROM applied_updates a WHERE a.transport = {0} AND a.update_id = {1}) "
         "FROM dialog_states d WHERE d.transport = {0} AND d.chat_id = {2} AND d.user_id = {3}")


class _SqliteSteps:
    """Plain ``sqlite3`` calls on a connection of its own, on the loop's thread. Every call runs to
    its end without an await (only waiting for the write lock yields, before ``BEGIN`` succeeds), so
    one connection serves all the steps of a process; the write is one short ``BEGIN IMMEDIATE`` …
    ``COMMIT``."""

    read_sql = _READ.format("?1", "?2", "?3", "?4")
    move_sql = ("UPDATE dialog_states SET dialog = ?, step = ?, version = ?, payload = ?, updated_at = ?, "
                "rev = rev + 1 WHERE id = ? AND rev = ?")
    claim_sql = ("INSERT INTO applied_updates (transport, update_id, applied_at) VALUES (?, ?, ?) "
                 "ON CONFLICT (transport, update_id) DO NOTHING RETURNING update_id")

    def __init__(self, database: str) -> None:
        self._database = database
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = open_in_loop(self._database)
        return self._conn

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
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
        conn = self._connection()
        stamp = sqlite_timestamp(now)
        await patiently(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            moved = conn.execute(self.move_sql, (dialog, step, version, payload,
                                                 stamp, seen.row.id, seen.rev))
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

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection[Any]]:
        # Checked out for one statement, never across the step: a step that needs more from the
        # database opens its own session, and holding one connection while waiting for another
        # can exhaust the pool (every connection held by a step waiting for a second).
        pooled = await self._engine.raw_connection()
        try:
            yield pooled.driver_connection
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError):
            await greenlet_spawn(pooled.invalidate)
            raise
        finally:
            await greenlet_spawn(pooled.close)

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        async with self._connection() as conn:
            found = await conn.fetchrow(self.read_sql, transport, update_id, chat_id, user_id)
        if found is None:
            return None
        return Seen(state_row(*list(found)[:5]), found[5], bool(found[6]))

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: str, now: dt.datetime,
    ) -> Written:
        try:
            async with self._connection() as conn:
                claimed = await conn.fetchval(self.write_sql, transport, update_id, seen.row.id, seen.rev, dialog,
                                              step, version, payload, now)
        except asyncpg.UniqueViolationError:
            return Written.DUPLICATE
        return Written.SAVED if claimed is not None else Written.CHANGED


def optimistic_steps(engine: AsyncEngine) -> OptimisticSteps | None:
    """The optimistic statements for ``engine``'s database, or ``None`` where there are none (an
    in-memory SQLite database, which no second connection can see; a driver without a direct path)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return None
        return _SqliteSteps(url.database)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        return _AsyncpgSteps(engine)
    return None

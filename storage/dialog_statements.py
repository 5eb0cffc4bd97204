"""What every driver of the dialog-state store shares: the rows it returns, its SQL (written once,
with placeholders each driver fills in), and the rules of the locked path.

The drivers themselves are ``storage.sqlite_store``, ``storage.asyncpg_store`` and
``storage.sqlalchemy_store``; the interface they implement is ``storage.dialog_store``.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


@dataclass(frozen=True)
class StateRow:
    """The state row of one chat and user (locked until commit when the locked path returned it)."""

    id: int
    dialog: str | None
    step: str | None
    version: int
    payload: dict[str, Any]


def state_row(id_: int, dialog: str | None, step: str | None, version: int, payload: Any) -> StateRow:
    """A ``StateRow`` from the columns as a driver returns them (the payload as JSON text or decoded)."""
    if isinstance(payload, str):
        payload = json.loads(payload)
    return StateRow(id=id_, dialog=dialog, step=step, version=version, payload=payload or {})


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


def unchanged_idle(row: StateRow, dialog: str | None, payload: dict[str, Any]) -> bool:
    """Whether a step leaves an idle, empty state idle and empty (then nothing need be written)."""
    # Most messages outside a dialog leave an empty state empty: no write, no WAL traffic.
    return dialog is None and row.dialog is None and not row.payload and not payload


def sqlite_timestamp(now: dt.datetime) -> str:
    """The text SQLAlchemy's SQLite ``DateTime`` writes, so that rows written here read and compare alike."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def connections(session: AsyncSession) -> tuple[AsyncConnection, Any]:
    """``session``'s connection and the driver's own connection under it (begins the session's
    transaction if needed)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return connection, raw.driver_connection


# The placeholders are filled in per driver ("?", "$1", ":name"), in the order of the braces.
CLAIM = ("INSERT INTO applied_updates (transport, update_id, applied_at) VALUES ({0}, {1}, {2}) "
         "ON CONFLICT (transport, update_id) DO NOTHING RETURNING update_id")
# One upsert both creates the state row and locks it: on PostgreSQL ``ON CONFLICT DO UPDATE`` locks
# the existing row until commit; on SQLite the transaction already holds the write lock.
LOCK = ("INSERT INTO dialog_states (transport, chat_id, user_id, version, payload, updated_at) "
        "VALUES ({0}, {1}, {2}, 1, '{{}}', {3}) "
        "ON CONFLICT (transport, chat_id, user_id) DO UPDATE SET transport = excluded.transport "
        "RETURNING id, dialog, step, version, payload")
STORE = ("UPDATE dialog_states SET dialog = {0}, step = {1}, version = {2}, payload = {3}, updated_at = {4}, "
         "rev = rev + 1 WHERE id = {5}")
# PostgreSQL only: the claim and the lock in one statement (one round trip). A redelivery's claim
# inserts nothing, so the upsert selects nothing and the state row is never touched.
CLAIM_AND_LOCK = (
    "WITH claim AS (" + CLAIM.format("{0}", "{1}", "{4}") + ") "
    "INSERT INTO dialog_states (transport, chat_id, user_id, version, payload, updated_at) "
    "SELECT {0}, {2}, {3}, 1, '{{}}', {4} FROM claim "
    "ON CONFLICT (transport, chat_id, user_id) DO UPDATE SET transport = excluded.transport "
    "RETURNING id, dialog, step, version, payload"
)
READ = ("SELECT d.id, d.dialog, d.step, d.version, d.payload, d.rev, "
        "EXISTS (SELECT 1 FROM applied_updates a WHERE a.transport = {0} AND a.update_id = {1}) "
        "FROM dialog_states d WHERE d.transport = {0} AND d.chat_id = {2} AND d.user_id = {3}")
# The optimistic write's first half: the state moves only if it is still at the revision read.
MOVE = ("UPDATE dialog_states SET dialog = {0}, step = {1}, version = {2}, payload = {3}, updated_at = {4}, "
        "rev = rev + 1 WHERE id = {5} AND rev = {6}")


class LockedStatements:
    """The locked path's rules, alike for every driver: a redelivery's claim stops before the lock;
    idle state that stays idle is not written. Subclasses run the statements."""

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        """Record ``update_id`` as applied; ``False`` when it already was (a redelivery)."""
        raise NotImplementedError

    async def _lock(self, transport: str, chat_id: str, user_id: str, now: dt.datetime) -> StateRow:
        raise NotImplementedError

    async def _write(self, row_id: int, dialog: str | None, step: str | None, version: int, payload: str,
                     now: dt.datetime) -> None:
        raise NotImplementedError

    async def claim_and_lock(
        self, transport: str, update_id: str, chat_id: str, user_id: str, now: dt.datetime
    ) -> StateRow | None:
        """Claim the update, then take the lock on the sender's state row and load it; ``None`` for a
        redelivery (nothing locked, nothing written)."""
        if not await self.claim(transport, update_id, now):
            return None
        return await self._lock(transport, chat_id, user_id, now)

    async def store(
        self, row: StateRow, dialog: str | None, step: str | None, version: int, payload: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        """Write the new state into the locked row; unchanged idle state is not written again."""
        if unchanged_idle(row, dialog, payload):
            return
        await self._write(row.id, dialog, step, version, json.dumps(payload, ensure_ascii=False), now)

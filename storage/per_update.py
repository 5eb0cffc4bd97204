"""The statements every incoming update runs: claim its id, lock and load the sender's dialog state,
store the new state. They are the bot's hottest path, so they go to the database driver directly,
inside the transaction the caller's SQLAlchemy session has begun.

- Claiming the update id is what makes an update take effect once: a redelivery finds its id taken.
- One upsert both creates the state row and locks it: on PostgreSQL ``ON CONFLICT DO UPDATE`` locks
  the existing row until commit (the "take the lock, then load" of aiogram's storages); on SQLite
  the transaction already holds the database's write lock (``BEGIN IMMEDIATE``).
- On PostgreSQL the claim and the lock are one statement: a redelivery's claim inserts nothing,
  so its upsert selects nothing and the state row is never touched.

Per driver: our in-loop SQLite connection (plain ``sqlite3`` calls, microseconds), asyncpg (one
round trip per statement, none for SQLAlchemy's bookkeeping), and SQLAlchemy ``text()`` for any
other async driver a ``DATABASE_URL`` may name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from sqlalchemy import bindparam, delete, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.base import UtcDateTime
from storage.models.dialogs import AppliedUpdate
from storage.sqlite_driver import Connection as InLoopSqlite

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


@dataclass(frozen=True)
class StateRow:
    """The locked state row of one chat and user."""

    id: int
    dialog: str | None
    step: str | None
    version: int
    payload: dict[str, Any]


def state_row(id_: int, dialog: str | None, step: str | None, version: int, payload: Any) -> StateRow:
    if isinstance(payload, str):
        payload = json.loads(payload)
    return StateRow(id=id_, dialog=dialog, step=step, version=version, payload=payload or {})


def unchanged_idle(row: StateRow, dialog: str | None, payload: dict[str, Any]) -> bool:
    # Most messages outside a dialog leave an empty state empty: no write, no WAL traffic.
    return dialog is None and row.dialog is None and not row.payload and not payload


def sqlite_timestamp(now: dt.datetime) -> str:
    """The text SQLAlchemy's SQLite ``DateTime`` writes, so that rows written here read and compare alike."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class PerUpdate(Protocol):
    """The per-update statements, bound to one open transaction."""

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        """Record ``update_id`` as applied; ``False`` when it already was (a redelivery)."""

    async def claim_and_lock(
        self, transport: str, update_id: str, chat_id: str, user_id: str, now: dt.datetime
    ) -> StateRow | None:
        """Claim the update and return the sender's state row, locked until commit; ``None`` for a
        redelivery (nothing locked, nothing written)."""

    async def store(
        self, row: StateRow, dialog: str | None, step: str | None, version: int, payload: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        """Write the new state into the locked row; unchanged idle state is not written again."""


_CLAIM = ("INSERT INTO applied_updates (transport, update_id, applied_at) VALUES ({0}, {1}, {2}) "
          "ON CONFLICT (transport, update_id) DO NOTHING RETURNING update_id")
_LOCK = ("INSERT INTO dialog_states (transport, chat_id, user_id, version, payload, updated_at) "
         "VALUES ({0}, {1}, {2}, 1, '{{}}', {3}) "
         "ON CONFLICT (transport, chat_id, user_id) DO UPDATE SET transport = excluded.transport "
         "RETURNING id, dialog, step, version, payload")
_STORE = ("UPDATE dialog_states SET dialog = {0}, step = {1}, version = {2}, payload = {3}, updated_at = {4}, "
          "rev = rev + 1 WHERE id = {5}")


class _Statements:
    """What every driver does alike: a redelivery's claim stops before the lock; idle state that
    stays idle is not written. Subclasses run the three statements."""

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        raise NotImplementedError

    async def _lock(self, transport: str, chat_id: str, user_id: str, now: dt.datetime) -> StateRow:
        raise NotImplementedError

    async def _write(self, row_id: int, dialog: str | None, step: str | None, version: int, payload: str,
                     now: dt.datetime) -> None:
        raise NotImplementedError

    async def claim_and_lock(
        self, transport: str, update_id: str, chat_id: str, user_id: str, now: dt.datetime
    ) -> StateRow | None:
        if not await self.claim(transport, update_id, now):
            return None
        return await self._lock(transport, chat_id, user_id, now)

    async def store(
        self, row: StateRow, dialog: str | None, step: str | None, version: int, payload: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        if unchanged_idle(row, dialog, payload):
            return
        await self._write(row.id, dialog, step, version, json.dumps(payload, ensure_ascii=False), now)


class _SqliteStatements(_Statements):
    """Plain ``sqlite3`` calls on the connection the session's ``BEGIN IMMEDIATE`` locked."""

    claim_sql = _CLAIM.format("?", "?", "?")
    lock_sql = _LOCK.format("?", "?", "?", "?")
    store_sql = _STORE.format("?", "?", "?", "?", "?", "?")

    def __init__(self, connection: InLoopSqlite) -> None:
        self._conn = connection.sqlite

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        return bool(self._conn.execute(self.claim_sql, (transport, update_id, sqlite_timestamp(now))).fetchall())

    async def _lock(self, transport: str, chat_id: str, user_id: str, now: dt.datetime) -> StateRow:
        rows = self._conn.execute(self.lock_sql, (transport, chat_id, user_id, sqlite_timestamp(now))).fetchall()
        return state_row(*rows[0])

    async def _write(self, row_id: int, dialog: str | None, step: str | None, version: int, payload: str,
                     now: dt.datetime) -> None:
        self._conn.execute(self.store_sql, (dialog, step, version, payload, sqlite_timestamp(now), row_id))


class _AsyncpgStatements(_Statements):
    """asyncpg calls on the connection whose transaction SQLAlchemy's adapter has started; claim and
    lock are one statement (one round trip)."""

    claim_sql = _CLAIM.format("$1", "$2", "$3")
    claim_and_lock_sql = (
        "WITH claim AS (" + _CLAIM.format("$1", "$2", "$5") + ") "
        "INSERT INTO dialog_states (transport, chat_id, user_id, version, payload, updated_at) "
        "SELECT $1, $3, $4, 1, '{}', $5 FROM claim "
        "ON CONFLICT (transport, chat_id, user_id) DO UPDATE SET transport = excluded.transport "
        "RETURNING id, dialog, step, version, payload"
    )
    store_sql = _STORE.format("$1", "$2", "$3", "$4", "$5", "$6")

    def __init__(self, connection: asyncpg.Connection[Any]) -> None:
        self._conn = connection

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        return await self._conn.fetchval(self.claim_sql, transport, update_id, now) is not None

    async def claim_and_lock(
        self, transport: str, update_id: str, chat_id: str, user_id: str, now: dt.datetime
    ) -> StateRow | None:
        row = await self._conn.fetchrow(self.claim_and_lock_sql, transport, update_id, chat_id, user_id, now)
        return None if row is None else state_row(*row)

    async def _write(self, row_id: int, dialog: str | None, step: str | None, version: int, payload: str,
                     now: dt.datetime) -> None:
        await self._conn.execute(self.store_sql, dialog, step, version, payload, now, row_id)


def _text(sql: str) -> Any:
    return text(sql).bindparams(bindparam("now", type_=UtcDateTime()))


class _SqlAlchemyStatements(_Statements):
    """The same statements through SQLAlchemy, for drivers without a direct path."""

    claim_sql = _text(_CLAIM.format(":transport", ":update_id", ":now"))
    lock_sql = _text(_LOCK.format(":transport", ":chat_id", ":user_id", ":now"))
    store_sql = _text(_STORE.format(":dialog", ":step", ":version", ":payload", ":now", ":id"))

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
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


async def per_update(session: AsyncSession) -> PerUpdate:
    """The per-update statements for ``session``'s connection; begins its transaction if needed."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if isinstance(driver, InLoopSqlite):
        return _SqliteStatements(driver)
    if isinstance(driver, asyncpg.Connection):
        adapted: Any = raw.dbapi_connection
        # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with its first statement; statements sent
        # past it must find the transaction open. (SQLAlchemy is pinned to 2.0.x in pyproject.)
        if not adapted._started:
            await adapted._start_transaction()
        return _AsyncpgStatements(driver)
    return _SqlAlchemyStatements(session)

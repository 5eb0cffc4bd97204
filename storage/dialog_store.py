"""The dialog-state store: the one interface through which the unit of work applies an update once
and keeps each (chat, user)'s dialog state, whatever the database and its driver.

Two paths, one contract (``tests/core/test_dialog_store_contract.py`` holds every driver to it, on
SQLite and PostgreSQL):

- the locked path, inside the transaction that also writes the update's effects: claim the update
  id (a redelivery finds it taken and stops), then take the lock on the sender's state row and load
  it ("take the lock, then load", as aiogram's storages do), then store the new state;
- the optimistic path, for a step that touches nothing but the dialog state: read without a lock,
  then one atomic write that stores the state and claims the update only if the row is still at the
  revision read; otherwise nothing is written and the caller takes the locked path.

Drivers: ``storage.sqlite_store`` (plain ``sqlite3`` on the event loop), ``storage.asyncpg_store``
(asyncpg directly) and ``storage.sqlalchemy_store`` (the portable one, for any other driver).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.asyncpg_store import AsyncpgLocked, AsyncpgStore
from storage.dialog_statements import Seen, StateRow, Written, connections
from storage.sqlalchemy_store import SqlAlchemyLocked, SqlAlchemyStore
from storage.sqlite_driver import Connection as InLoopSqlite
from storage.sqlite_store import SqliteLocked, SqliteStore

__all__ = ["DialogStore", "LockedState", "Seen", "StateRow", "Written", "dialog_store", "locked_state"]


class LockedState(Protocol):
    """The locked path's statements, bound to one open transaction."""

    async def claim(self, transport: str, update_id: str, now: dt.datetime) -> bool:
        """Record ``update_id`` as applied; ``False`` when it already was (a redelivery)."""

    async def claim_and_lock(
        self, transport: str, update_id: str, chat_id: str, user_id: str, now: dt.datetime
    ) -> StateRow | None:
        """Claim the update, then return the sender's state row (created if new), locked until
        commit; ``None`` for a redelivery (nothing locked, nothing written)."""

    async def store(
        self, row: StateRow, dialog: str | None, step: str | None, version: int, payload: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        """Write the new state into the locked row; unchanged idle state is not written again."""


class DialogStore(Protocol):
    """One database's dialog states and applied update ids, as the unit of work uses them."""

    @property
    def optimistic(self) -> bool:
        """Whether the unit of work should try the optimistic path first (it is cheaper here)."""

    async def locked(self, session: AsyncSession) -> LockedState:
        """The locked path's statements, inside ``session``'s transaction (begun here if needed)."""

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        """The sender's state row without a lock (``None`` if there is none yet), and whether
        ``update_id`` was applied."""

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: str, now: dt.datetime,
    ) -> Written:
        """Store the new state (``payload`` as JSON text) and claim ``update_id`` together, if the row
        is still at ``seen.rev``; otherwise write nothing and say why."""

    async def close(self) -> None:
        """Release what the store holds of its own (the pool's connections are the engine's)."""


def dialog_store(engine: AsyncEngine) -> DialogStore:
    """The dialog-state store for ``engine``'s database and driver."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return SqliteStore(engine)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        return AsyncpgStore(engine)
    return SqlAlchemyStore(engine)


async def locked_state(session: AsyncSession) -> LockedState:
    """The locked path's statements for ``session``'s connection, chosen by its driver; begins the
    session's transaction if needed."""
    connection, driver = await connections(session)
    if isinstance(driver, InLoopSqlite):
        return SqliteLocked(driver)
    if isinstance(driver, asyncpg.Connection):
        return AsyncpgLocked(connection, driver)
    return SqlAlchemyLocked(session)

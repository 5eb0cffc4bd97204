"""SQLite driven from the event loop itself, in the shape SQLAlchemy's aiosqlite dialect expects.

Why not aiosqlite's thread: a bot statement costs SQLite 5–30 µs, and every aiosqlite call (cursor,
execute, fetch, close, commit) is a round trip to a worker thread that costs more than that; one
report step made ~16 of them. Here every call runs at once on the loop's thread.

What keeps the loop from blocking: the connection never waits inside SQLite for a lock
(``timeout=0``). When another connection holds the write lock, SQLite answers "database is locked"
at once, having done nothing, and the statement is tried again after an ``asyncio.sleep`` — so the
holder, whether a task of this process or another process, can finish meanwhile. Long statements
would still hold the loop; the bot's per-update statements are short, and the long reports
(province summaries) run from the command line.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

# How long a statement keeps trying to get the write lock before the error reaches the caller:
# the same patience as the busy timeout the aiosqlite engine had.
LOCK_PATIENCE_SECONDS = 30.0
_FIRST_PAUSE = 0.0005
_LONGEST_PAUSE = 0.05

# sqlite3 (3.11) names these errors only by their message.
_BUSY_MESSAGES = ("database is locked", "database table is locked")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return str(error).startswith(_BUSY_MESSAGES)


async def patiently(action: Callable[[], T]) -> T:
    """Run ``action``; while SQLite answers "locked", pause (yielding the loop) and run it again."""
    deadline = time.monotonic() + LOCK_PATIENCE_SECONDS
    pause = _FIRST_PAUSE
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)


class Cursor:
    """The async cursor the SQLAlchemy adapter drives: execute, fetch, close."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        """Column descriptions of the last statement (``None`` for one without rows)."""
        return self._cursor.description

    @property
    def lastrowid(self) -> int | None:
        """Row id of the last inserted row."""
        return self._cursor.lastrowid

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        """Run one statement, waiting (without blocking the loop) for the write lock if needed."""
        await patiently(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any] | dict[str, Any]]) -> Cursor:
        """Run one statement per parameter set."""
        rows = list(parameters)
        await patiently(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        """The next row, or ``None``."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` rows."""
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Release the statement."""
        self._cursor.close()


class Connection:
    """A ``sqlite3`` connection with the awaitable methods of ``aiosqlite.Connection`` that SQLAlchemy uses."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The ``sqlite3`` connection, for statements that need no lock waiting (inside a transaction)."""
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        """Always ``None``: transactions are begun explicitly (``BEGIN IMMEDIATE``)."""
        return self._conn.isolation_level

    async def cursor(self) -> Cursor:
        """A new cursor."""
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        """Run one statement on a new cursor."""
        cursor = await self.cursor()
        return await cursor.execute(sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function (SQLAlchemy adds ``regexp``)."""
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        """Commit; in WAL mode a writer that holds the lock is never refused its commit."""
        await patiently(self._conn.commit)

    async def rollback(self) -> None:
        """Roll back the open transaction."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        self._conn.close()


def _connect(database: str, uri: bool) -> sqlite3.Connection:
    # check_same_thread=False: the pool may close a connection from a garbage-collection pass.
    return sqlite3.connect(database, timeout=0, isolation_level=None, check_same_thread=False, uri=uri)


# Per connection: in WAL mode a commit then waits for no disk flush (a crash of the process loses
# nothing; a power cut can lose the last commits).
_SYNCHRONOUS = "PRAGMA synchronous=NORMAL"


def open_in_loop(database: str, uri: bool = False) -> sqlite3.Connection:
    """Open ``database`` for use on the loop's thread: autocommit (transactions are begun
    explicitly), never waiting inside SQLite for a lock (see ``patiently``)."""
    connection = _connect(database, uri)
    connection.execute(_SYNCHRONOUS)
    return connection


async def open_patiently(database: str, uri: bool = False) -> sqlite3.Connection:
    """``open_in_loop``, waiting (without blocking the loop) while another process holds the lock: the
    first statement on a connection reads the schema, which a process switching a fresh database to
    WAL or migrating it can hold for a moment ("database is locked" when three demos started at once)."""
    connection = _connect(database, uri)
    await patiently(lambda: connection.execute(_SYNCHRONOUS))
    return connection


def connector(database: str, uri: bool = False) -> Callable[[], Any]:
    """The ``async_creator`` for ``create_async_engine``: opens ``database`` on the loop's thread."""

    async def connect() -> Connection:
        return Connection(await open_patiently(database, uri))

    return connect

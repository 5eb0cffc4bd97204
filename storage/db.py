"""Engines and sessions: a SQLite file by default, any SQLAlchemy async URL through ``DATABASE_URL``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from storage.sqlite_driver import connector

# An execution option: the connection's transactions only read, so on SQLite they begin without
# taking the write lock (in WAL mode a reader never waits for a writer, nor holds one up).
READS_ONLY = "reads_only"


def is_sqlite(url: str) -> bool:
    """Tell whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine. SQLite runs on the event loop's thread (``storage.sqlite_driver``),
    in WAL mode with foreign keys; its connections are opened in autocommit mode, because pysqlite's
    own BEGIN handling would start transactions late and break "take the lock, then load".

    Statement parameters are hidden from errors (``hide_parameters``): a failed write must never put a
    report's note, a name or a code into an exception message, and so into the logs."""
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        parsed = make_url(url)
        memory = parsed.database in (None, "", ":memory:")
        if not memory and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if memory:
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("async_creator", connector(":memory:" if memory else str(parsed.database)))
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        # IMMEDIATE takes the write lock at once: the SQLite form of "take the lock, then load".
        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            begin = "BEGIN" if conn.get_execution_options().get(READS_ONLY) else "BEGIN IMMEDIATE"
            # Straight to the driver: this runs once per transaction, SQLAlchemy's statement
            # bookkeeping would cost more than the BEGIN.
            conn.connection.dbapi_connection.execute(begin)

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", False)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory every unit of work uses (objects stay usable after commit)."""
    return async_sessionmaker(engine, expire_on_commit=False)

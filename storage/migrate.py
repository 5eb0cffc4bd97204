"""Run the Alembic migrations programmatically on an async engine (the only way the schema is made).

Several processes may start at once on a fresh database (``baocao demo`` and ``baocao run`` of
several workers): on PostgreSQL each migration run first takes a transaction-level advisory lock,
so one migrates while the others wait and then find the schema at head. On SQLite the transaction
is begun before Alembic looks at the version table: its ``BEGIN IMMEDIATE`` holds the database's write
lock for the whole run. (Left to itself Alembic commits after each migration on SQLite, and a second
process could then slip in between two migrations and apply the next one first.)
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

_HERE = Path(__file__).resolve().parent
# Keys of PostgreSQL advisory locks (any 64-bit numbers that nothing else in the database uses).
MIGRATION_LOCK = 0x6261_6F63_6D69_6701  # "baocmig" + 1
DEMO_LOCK = 0x6261_6F63_6465_6D01  # "baocdem" + 1


async def hold_lock(target: AsyncConnection | AsyncSession, key: int) -> None:
    """Wait for the advisory lock ``key`` and hold it until the current transaction ends (PostgreSQL);
    a no-op on SQLite, whose write transactions are already serialised."""
    bind = target.bind if isinstance(target, AsyncSession) else target
    if bind.dialect.name == "postgresql":
        await target.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def alembic_config(url: str = "") -> Config:
    """Return the Alembic configuration of this project, pointed at ``url`` when given."""
    config = Config(str(_HERE / "alembic.ini"))
    config.set_main_option("script_location", str(_HERE / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    """Bring the database of ``engine`` up to ``revision``."""

    def _upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.connect() as connection:
        # Alembic runs inside the transaction begun here (an "external" one to Alembic, which then
        # never commits in between); the commit releases the lock.
        await connection.begin()
        await hold_lock(connection, MIGRATION_LOCK)
        await connection.run_sync(_upgrade)
        await connection.commit()


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Take the database of ``engine`` down to ``revision``."""

    def _downgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.connect() as connection:
        await connection.begin()
        await hold_lock(connection, MIGRATION_LOCK)
        await connection.run_sync(_downgrade)
        await connection.commit()

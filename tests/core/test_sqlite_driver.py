"""SQLite on the event loop's thread: a statement that meets another writer's lock waits without
holding up the loop, goes on once the lock is free, and gives up after its patience."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import storage.sqlite_driver as driver
from storage.db import READS_ONLY, create_engine
from storage.migrate import upgrade


async def _migrated(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'locks.db'}")
    await upgrade(engine)
    return engine


async def test_a_write_waits_for_another_writer_without_blocking_the_loop(tmp_path: Path) -> None:
    engine = await _migrated(tmp_path)
    other = sqlite3.connect(tmp_path / "locks.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        other.execute("INSERT INTO applied_updates VALUES ('t', 'other', '2026-11-23 00:00:00.000000')")

        async def write() -> None:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO applied_updates VALUES ('t', 'ours', '2026-11-23 00:00:00')"))

        writing = asyncio.create_task(write())
        ticks = 0
        for _ in range(20):  # the loop keeps running while the write waits
            await asyncio.sleep(0.005)
            ticks += 1
        assert not writing.done() and ticks == 20
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 5)
        async with engine.connect() as conn:
            ids = (await conn.execute(text("SELECT update_id FROM applied_updates ORDER BY update_id"))).scalars()
            assert list(ids) == ["other", "ours"]
    finally:
        other.close()
        await engine.dispose()


async def test_a_lock_held_past_the_patience_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = await _migrated(tmp_path)
    monkeypatch.setattr(driver, "LOCK_PATIENCE_SECONDS", 0.2)
    other = sqlite3.connect(tmp_path / "locks.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(Exception, match="database is locked"):
            async with engine.begin() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        other.execute("ROLLBACK")
        other.close()
        await engine.dispose()


async def test_a_transaction_that_only_reads_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    """Every other transaction takes the write lock at once (``BEGIN IMMEDIATE``); one marked
    ``READS_ONLY`` reads the last committed rows while another process holds that lock."""
    engine = await _migrated(tmp_path)
    other = sqlite3.connect(tmp_path / "locks.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO applied_updates VALUES ('t', 'uncommitted', '2026-11-23 00:00:00.000000')")
        reader = engine.execution_options(**{READS_ONLY: True})
        async with reader.connect() as conn:
            count = await asyncio.wait_for(conn.scalar(text("SELECT count(*) FROM applied_updates")), 1)
        assert count == 0
        writing = asyncio.create_task(_count_in_a_write(engine))
        await asyncio.sleep(0.1)
        assert not writing.done()  # an ordinary transaction still waits for the lock
        other.execute("COMMIT")
        assert await asyncio.wait_for(writing, 5) == 1
    finally:
        other.close()
        await engine.dispose()


async def _count_in_a_write(engine: AsyncEngine) -> int:
    async with engine.begin() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM applied_updates")) or 0)

"""The table of applied update ids keeps what redelivery needs (a week), not every id for ever:
the running bot prunes older rows in batches."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.background import prune_old_updates, start_background
from storage.db import session_factory
from storage.models import AppliedUpdate
from storage.per_update import KEEP_APPLIED

NOW = dt.datetime(2031, 3, 10, 8, 0, tzinfo=dt.UTC)


async def _add(engine: AsyncEngine, ages: dict[str, dt.timedelta]) -> None:
    async with session_factory(engine)() as session, session.begin():
        session.add_all(AppliedUpdate(transport="telegram", update_id=uid, applied_at=NOW - age)
                        for uid, age in ages.items())


async def _left(engine: AsyncEngine) -> set[str]:
    async with session_factory(engine)() as session:
        return set((await session.execute(select(AppliedUpdate.update_id))).scalars())


async def test_ids_older_than_a_week_are_pruned_in_batches(engine: AsyncEngine) -> None:
    old = {f"old-{i}": KEEP_APPLIED + dt.timedelta(hours=i + 1) for i in range(7)}
    recent = {"recent": dt.timedelta(days=1), "edge": KEEP_APPLIED - dt.timedelta(seconds=1)}
    await _add(engine, {**old, **recent})
    removed = await prune_old_updates(session_factory(engine), NOW, batch=3)  # 3 + 3 + 1
    assert removed == 7
    assert await _left(engine) == set(recent)
    assert await prune_old_updates(session_factory(engine), NOW) == 0


async def test_a_redelivery_within_the_week_is_still_recognised(engine: AsyncEngine) -> None:
    """Pruning never drops an id Telegram or Zalo may still deliver again."""
    await _add(engine, {"42": dt.timedelta(hours=23)})
    await prune_old_updates(session_factory(engine), NOW)
    assert await _left(engine) == {"42"}


async def test_the_running_bot_prunes_on_its_own(engine: AsyncEngine) -> None:
    """Before: nothing ever deleted these rows."""
    await _add(engine, {"ancient": dt.timedelta(days=400), "today": dt.timedelta(minutes=5)})

    async def deliver(_message: object) -> str | None:
        raise AssertionError("nothing to deliver")

    background = start_background(session_factory(engine), "telegram", deliver, quiet_hours="off",
                                  now=lambda: NOW, prune_every=0.05)
    try:
        for _ in range(100):
            if await _left(engine) == {"today"}:
                break
            await asyncio.sleep(0.05)
    finally:
        await background.stop()
    assert await _left(engine) == {"today"}


async def test_pruning_reads_an_index_on_applied_at(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        indexes = await conn.run_sync(lambda c: inspect(c).get_indexes("applied_updates"))
    assert any(ix["column_names"] == ["applied_at"] for ix in indexes)

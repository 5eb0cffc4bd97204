"""A sender process killed (SIGKILL) half-way through a broadcast, then a new sender: every message arrives.

The killed sender's claimed rows are taken over when their lease ends. Exactly once holds for every
row except those delivered in the instant between the transport's answer and the commit that marks
them sent: a transport without idempotency keys (Telegram, Zalo) leaves that gap. A batch is sent
concurrently, so the gap holds at most one batch: the last deliveries before the kill.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.rate_limit import RateLimiter
from bot.sender import OutboxSender
from storage.db import session_factory
from storage.models import OutboxMessage
from tests.groups.sender_process import LIMITS, SETTINGS, log_delivery

ROOT = Path(__file__).resolve().parents[2]
ROWS = 150


async def test_sender_killed_mid_broadcast_then_restarted(engine: AsyncEngine, db_url: str, tmp_path: Path) -> None:
    async with session_factory(engine)() as session, session.begin():
        session.add_all(
            OutboxMessage(transport="telegram", chat_id=str(-1000 - i), chat_type="group", text=f"m{i}",
                          dedupe_key=f"crash:{i}")
            for i in range(ROWS)
        )
    log = tmp_path / "delivered.log"
    log.touch()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.groups.sender_process", db_url, str(log), cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        for _ in range(3000):  # bounded: at most 30 s
            if len(log.read_text().splitlines()) >= 50:
                break
            await asyncio.sleep(0.01)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    before = log.read_text().splitlines()
    assert 50 <= len(before) < ROWS, "the kill must land half-way through the broadcast"

    async def deliver(message: OutboxMessage) -> str:
        return log_delivery(str(log), message)

    restarted = OutboxSender(session_factory(engine), deliver, RateLimiter(LIMITS), SETTINGS, worker_id="new")
    await restarted.drain(timeout=60)

    counts = collections.Counter(log.read_text().splitlines())
    assert set(counts) == {f"crash:{i}" for i in range(ROWS)}  # nothing lost
    twice = [key for key, n in counts.items() if n > 1]
    in_flight = set(before[-SETTINGS.batch:])
    assert set(twice) <= in_flight and all(counts[key] == 2 for key in twice), (twice, before[-SETTINGS.batch:])
    async with session_factory(engine)() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert all(r.sent_at is not None for r in rows)
    # the rows the dead sender had delivered and marked before its last batch were not sent again
    assert all(counts[key] == 1 for key in before[: -SETTINGS.batch])

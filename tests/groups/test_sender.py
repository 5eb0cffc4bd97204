"""The outbox sender against a fake transport on both databases: limits, 429, 5xx, crashes, two senders."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery_errors import Permanent, RetryAfter, Transient
from bot.rate_limit import Limits, RateLimiter
from bot.sender import OutboxSender, SenderSettings
from storage.calendar import CalendarRules
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage
from tests.groups.fakes import FakeDeliver

FAST = Limits(per_second=1000.0, chat_interval=0.0, group_limit=10_000, group_window=1.0)


async def _enqueue(engine: AsyncEngine, n: int, chats: int | None = None, chat_type: str = "group") -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        for i in range(n):
            chat = i if chats is None else i % chats
            session.add(
                OutboxMessage(
                    transport="telegram",
                    chat_id=str(-1000 - chat),
                    chat_type=chat_type,
                    text=f"message {i}",
                    dedupe_key=f"test:{i}",
                )
            )


async def _rows(engine: AsyncEngine) -> list[OutboxMessage]:
    async with session_factory(engine)() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_every_row_is_delivered_once_and_marked(engine: AsyncEngine) -> None:
    await _enqueue(engine, 40)
    fake = FakeDeliver()
    sender = OutboxSender(session_factory(engine), fake, RateLimiter(FAST))
    stats = await sender.drain(timeout=30)
    assert stats.sent == 40
    assert sorted(fake.keys()) == sorted(f"test:{i}" for i in range(40))
    rows = await _rows(engine)
    assert all(r.sent_at is not None and r.message_id and r.attempts == 1 for r in rows)
    assert await sender.pending() == 0


async def test_rate_limits_hold_per_chat_per_group_and_in_all(engine: AsyncEngine) -> None:
    # Telegram's limits scaled down in time so the test is quick: 40/s in all, 0.1 s per chat,
    # 3 messages per 0.6 s into one group.
    limits = Limits(per_second=40.0, chat_interval=0.1, group_limit=3, group_window=0.6)
    await _enqueue(engine, 30, chats=3)
    fake = FakeDeliver()
    sender = OutboxSender(session_factory(engine), fake, RateLimiter(limits), SenderSettings(batch=10))
    await sender.drain(timeout=60)
    assert len(fake.delivered) == 30
    times = sorted(t for t, _ in fake.delivered)
    # The limiter hands out slots; a busy event loop may wake one delivery late, bunching it with the
    # next. So each check spans one message more than the limit: k+1 messages take at least k slots.
    slack = 0.01
    assert all(b - a >= 4 / 40 - slack for a, b in zip(times, times[5:], strict=False))
    # Over the whole run too: the first and last may each be woken late, so n messages hold n-2 slots.
    assert (len(times) - 2) / (times[-1] - times[0]) <= 40 * 1.05
    by_chat: dict[str, list[float]] = collections.defaultdict(list)
    for t, m in fake.delivered:
        by_chat[m.chat_id].append(t)
    for chat_times in by_chat.values():
        chat_times.sort()
        assert all(b - a >= 0.1 - slack for a, b in zip(chat_times, chat_times[2:], strict=False))
        # no window of 0.6 s holds more than 4 messages into one group (3, plus one woken late)
        assert all(b - a >= 0.6 - slack for a, b in zip(chat_times, chat_times[4:], strict=False))


async def test_429_waits_retry_after_then_delivers_once(engine: AsyncEngine) -> None:
    await _enqueue(engine, 3)
    fake = FakeDeliver(script={"test:1": [RetryAfter(0.5)]})
    sender = OutboxSender(session_factory(engine), fake, RateLimiter(FAST))
    await sender.drain(timeout=30)
    assert sorted(fake.keys()) == ["test:0", "test:1", "test:2"]
    first_try = next(t for t, k in fake.attempts if k == "test:1")
    delivered_at = next(t for t, m in fake.delivered if m.dedupe_key == "test:1")
    assert delivered_at - first_try >= 0.5
    row = next(r for r in await _rows(engine) if r.dedupe_key == "test:1")
    assert row.sent_at is not None and row.last_error is None


async def test_5xx_and_timeouts_are_retried_with_backoff_permanent_is_not(engine: AsyncEngine) -> None:
    await _enqueue(engine, 4)
    fake = FakeDeliver(
        script={
            "test:0": [Transient("502 Bad Gateway"), TimeoutError()],
            "test:1": [Permanent("403 bot was kicked from the group chat")],
            "test:2": [Transient("500")] * 3,
        }
    )
    settings = SenderSettings(backoff_base=0.1, max_attempts=3)
    sender = OutboxSender(session_factory(engine), fake, RateLimiter(FAST), settings)
    await sender.drain(timeout=30)
    rows = {r.dedupe_key: r for r in await _rows(engine)}
    assert rows["test:0"].sent_at is not None and rows["test:0"].attempts == 3
    tries = [t for t, k in fake.attempts if k == "test:0"]
    assert tries[1] - tries[0] >= 0.075 and tries[2] - tries[1] >= 0.15  # backoff doubles (±25 %)
    assert rows["test:1"].failed_at is not None and rows["test:1"].sent_at is None
    assert "kicked" in (rows["test:1"].last_error or "")
    assert [k for _, k in fake.attempts].count("test:1") == 1
    assert rows["test:2"].failed_at is not None and rows["test:2"].attempts == 3
    assert sorted(fake.keys()) == ["test:0", "test:3"]


async def test_sender_cancelled_mid_broadcast_then_restarted_delivers_each_once(engine: AsyncEngine) -> None:
    await _enqueue(engine, 60)
    fake = FakeDeliver(latency=0.002)
    limits = Limits(per_second=200.0, chat_interval=0.0, group_limit=10_000, group_window=1.0)
    settings = SenderSettings(batch=15, lease_seconds=1.5)
    first = OutboxSender(session_factory(engine), fake, RateLimiter(limits), settings)
    stop = asyncio.Event()
    task = asyncio.create_task(first.run_forever(stop))
    while len(fake.delivered) < 23:
        await asyncio.sleep(0.001)
    task.cancel()  # the crash: wherever the sender is, it stops now
    await asyncio.gather(task, return_exceptions=True)
    done_before = len(fake.delivered)
    assert 23 <= done_before < 60
    second = OutboxSender(session_factory(engine), fake, RateLimiter(limits), settings)
    await second.drain(timeout=30)
    counts = collections.Counter(fake.keys())
    assert set(counts) == {f"test:{i}" for i in range(60)}
    assert max(counts.values()) == 1
    assert await second.pending() == 0


async def test_two_senders_share_the_outbox_without_sending_twice(engine: AsyncEngine, db_url: str) -> None:
    await _enqueue(engine, 150)
    fake = FakeDeliver(latency=0.001)
    other_engine = create_engine(db_url)
    try:
        senders = [
            OutboxSender(session_factory(eng), fake, RateLimiter(FAST), SenderSettings(batch=7))
            for eng in (engine, other_engine)
        ]
        results = await asyncio.gather(*(s.drain(timeout=60) for s in senders))
    finally:
        await other_engine.dispose()
    counts = collections.Counter(fake.keys())
    assert len(counts) == 150 and max(counts.values()) == 1
    assert sum(r.sent for r in results) == 150
    if engine.dialect.name == "postgresql":
        assert all(r.sent > 0 for r in results)  # SKIP LOCKED lets both work at once
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


async def test_quiet_hours_hold_every_row(engine: AsyncEngine, pin_clock: Callable[[dt.datetime], None]) -> None:
    night = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.UTC)  # 22:30 in Vietnam
    pin_clock(night)  # the rows are queued at night, by the same clock the sender reads
    await _enqueue(engine, 2)
    fake = FakeDeliver()
    sender = OutboxSender(
        session_factory(engine), fake, RateLimiter(FAST), quiet=CalendarRules().is_quiet, now=lambda: night
    )
    stats = await sender.run_once()
    assert stats.sent == 0 and fake.delivered == []
    morning = dt.datetime(2026, 11, 24, 0, 5, tzinfo=dt.UTC)  # 07:05 in Vietnam
    sender = OutboxSender(
        session_factory(engine), fake, RateLimiter(FAST), quiet=CalendarRules().is_quiet, now=lambda: morning
    )
    assert (await sender.run_once()).sent == 2


async def test_a_busy_event_loop_never_bunches_sends_past_the_global_rate(engine: AsyncEngine) -> None:
    # 20/s in all; the fake transport sometimes blocks the whole loop (as a slow commit would), so
    # booked slots wake up late together: the limiter must still keep every 1-second window at 20.
    await _enqueue(engine, 70)
    fake = FakeDeliver()
    blocked = {"n": 0}

    def block_sometimes(count: int) -> None:
        if count % 9 == 0:
            time.sleep(0.12)
            blocked["n"] += 1

    fake.on_delivery = block_sometimes
    limits = Limits(per_second=20.0, chat_interval=0.0, group_limit=10_000, group_window=1.0)
    sender = OutboxSender(session_factory(engine), fake, RateLimiter(limits), SenderSettings(batch=25))
    await sender.drain(timeout=60)
    times = sorted(t for t, _ in fake.delivered)
    assert len(times) == 70 and blocked["n"] >= 5
    left = 0
    for right, moment in enumerate(times):
        while moment - times[left] >= 1.0:
            left += 1
        assert right - left + 1 <= 20


async def test_on_postgres_one_worker_sends_the_others_stand_by(engine: AsyncEngine, db_url: str) -> None:
    if engine.dialect.name != "postgresql":
        return  # SQLite serves one process; there is no one else to stand by
    fake = FakeDeliver()
    other_engine = create_engine(db_url)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    first = OutboxSender(session_factory(engine), fake, RateLimiter(FAST), worker_id="first")
    second = OutboxSender(session_factory(other_engine), fake, RateLimiter(FAST), worker_id="second")
    tasks = [asyncio.create_task(first.run_forever(stop_first, idle_seconds=0.05))]
    try:
        for _ in range(500):
            if first.leading:
                break
            await asyncio.sleep(0.01)
        assert first.leading
        tasks.append(asyncio.create_task(second.run_forever(stop_second, idle_seconds=0.05)))
        await asyncio.sleep(0.3)  # both are running before any row exists
        await _enqueue(engine, 40)
        for _ in range(500):
            if len(fake.delivered) == 40:
                break
            await asyncio.sleep(0.01)
        assert {m.claimed_by for _, m in fake.delivered} == {"first"} and not second.leading
        tasks[0].cancel()  # the leader dies; its connection closes and the standby takes over
        await asyncio.gather(tasks[0], return_exceptions=True)
        await _enqueue_more(engine, 40, 10)
        for _ in range(1000):
            if len(fake.delivered) == 50:
                break
            await asyncio.sleep(0.01)
        assert second.leading
        assert [m.claimed_by for _, m in fake.delivered[40:]] == ["second"] * 10
    finally:
        stop_second.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await other_engine.dispose()


async def _enqueue_more(engine: AsyncEngine, start: int, n: int) -> None:
    async with session_factory(engine)() as session, session.begin():
        session.add_all(
            OutboxMessage(transport="telegram", chat_id=str(-5000 - i), chat_type="group", text=f"later {i}",
                          dedupe_key=f"test:{start + i}")
            for i in range(n)
        )

"""The outbox sender: claims pending rows, delivers them within the rate limits, marks each one sent.

Rows are claimed with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite), so
several senders never take the same row. Each delivered row is marked sent in its own transaction
right after the transport returns; after a crash the rows not yet marked are claimed again once their
lease ends. The one message that can go out twice is one whose delivery succeeded in the instant
before the crash, before its row was marked: no transport offers an idempotency key to close that gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import uuid
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.delivery_errors import Permanent, RetryAfter, Transient
from bot.rate_limit import RateLimiter
from storage.models.base import utcnow
from storage.models.outbox import OutboxMessage

log = logging.getLogger(__name__)


# Given the rows just claimed, the ids of those no longer worth sending (a report filed meanwhile).
Obsolete = Callable[[AsyncSession, list[OutboxMessage]], Awaitable[set[int]]]


class Deliver(Protocol):
    """A transport's way to push one outbox row; returns the platform's message id."""

    async def __call__(self, message: OutboxMessage) -> str | None:
        """Deliver ``message`` or raise RetryAfter, Transient or Permanent."""
        ...


@dataclass(frozen=True)
class SenderSettings:
    """How many rows a sender claims at once, how long it holds them, and how it retries."""

    batch: int = 30
    lease_seconds: float = 60.0
    # Only rows whose chat is free within this horizon are delivered in a batch; the rest wait in the DB.
    horizon_seconds: float = 2.0
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_max: float = 900.0


@dataclass
class SendStats:
    """What one call of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0

    def add(self, other: SendStats) -> None:
        """Accumulate ``other`` into this one."""
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.deferred += other.deferred


class OutboxSender:
    """Delivers the outbox through one ``Deliver`` within the limits of one ``RateLimiter``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        deliver: Deliver,
        limiter: RateLimiter | None = None,
        settings: SenderSettings | None = None,
        quiet: Callable[[dt.datetime], bool] | None = None,
        now: Callable[[], dt.datetime] = utcnow,
        worker_id: str | None = None,
        transport: str | None = None,
        obsolete: Obsolete | None = None,
    ) -> None:
        self._sessions = sessions
        # A process running Telegram and Zalo has one sender per transport, each for its own rows.
        self._transport = transport
        self._obsolete = obsolete
        # True while this sender holds the PostgreSQL sending lock (``run_forever`` with ``exclusive``).
        self.leading = False
        self._deliver = deliver
        self.limiter = limiter or RateLimiter()
        self.settings = settings or SenderSettings()
        self._quiet = quiet
        self._now = now
        self.worker_id = worker_id or uuid.uuid4().hex[:16]

    async def claim(self) -> list[OutboxMessage]:
        """Claim up to one batch of rows that are due and not held by a live sender."""
        async with self._sessions() as session, session.begin():
            now = self._now()
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                    OutboxMessage.available_at <= now,
                    or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                )
                .order_by(OutboxMessage.available_at, OutboxMessage.id)
                .limit(self.settings.batch)
                .with_for_update(skip_locked=True)
            )
            if self._transport is not None:
                query = query.where(OutboxMessage.transport == self._transport)
            rows = list((await session.scalars(query)).all())
            if self._obsolete is not None and rows:
                # A reminder decided an hour ago may be moot now: its report came in while it queued.
                dropped = await self._obsolete(session, rows)
                for row in rows:
                    if row.id in dropped:
                        row.failed_at, row.last_error = now, "obsolete: no longer due"
                rows = [row for row in rows if row.id not in dropped]
            until = now + dt.timedelta(seconds=self.settings.lease_seconds)
            for row in rows:
                row.claimed_until = until
                row.claimed_by = self.worker_id
        return rows

    async def run_once(self) -> SendStats:
        """Claim one batch and deliver what the limits allow now; return what happened."""
        stats = SendStats()
        if self._quiet is not None and self._quiet(self._now()):
            return stats
        rows = await self.claim()
        if not rows:
            return stats
        limiter = self.limiter
        now_mono = limiter.now()
        scheduled: list[tuple[OutboxMessage, float]] = []
        for row in rows:
            key = f"{row.transport}:{row.chat_id}"
            ready = limiter.ready_at(key, row.chat_type == "group")
            if ready - now_mono > self.settings.horizon_seconds:
                await self._release(row, ready - now_mono)
                stats.deferred += 1
                continue
            scheduled.append((row, limiter.reserve(key, row.chat_type == "group")))
        results = await asyncio.gather(*(self._deliver_at(row, slot) for row, slot in scheduled))
        for outcome in results:
            stats.add(outcome)
        return stats

    async def pending(self) -> int:
        """Count rows neither sent nor given up on."""
        async with self._sessions() as session:
            query = select(func.count()).select_from(OutboxMessage)
            query = query.where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
            if self._transport is not None:  # another transport's rows are not this sender's to wait for
                query = query.where(OutboxMessage.transport == self._transport)
            return int(await session.scalar(query) or 0)

    async def drain(self, timeout: float = 600.0, idle_seconds: float = 0.05) -> SendStats:
        """Send until no row is pending (waiting out rate limits and retries), or until ``timeout`` s."""
        total = SendStats()
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            stats = await self.run_once()
            total.add(stats)
            if stats.sent + stats.retried + stats.failed == 0:
                if await self.pending() == 0:
                    break
                # Rows are waiting for their chat, a retry moment or another sender's lease.
                await asyncio.sleep(idle_seconds)
        return total

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 1.0, exclusive: bool = True) -> None:
        """Send until ``stop`` is set, sleeping ``idle_seconds`` when the outbox is empty.

        On PostgreSQL with ``exclusive``, only the worker holding the transport's advisory lock sends
        and the others stand by: the rate limiter is per process, so one sender per bot keeps
        Telegram's limits across N workers. When the holder dies its connection closes and the lock
        passes to a standby.
        """
        engine = self._sessions.kw.get("bind")
        if exclusive and isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
            await self._run_as_leader(engine, stop, idle_seconds)
        else:
            await self._send_loop(stop, idle_seconds)

    async def _run_as_leader(self, engine: AsyncEngine, stop: asyncio.Event, idle_seconds: float) -> None:
        key = zlib.crc32(f"baocao-outbox:{self._transport or '*'}".encode())
        while not stop.is_set():
            try:
                async with engine.connect() as conn:
                    got = await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
                    await conn.commit()
                    if got:
                        self.leading = True
                        try:
                            await self._send_loop(stop, idle_seconds)
                        finally:
                            self.leading = False
                            # A pooled connection would keep the session lock: close it instead.
                            await conn.invalidate()
                        continue
            except Exception:
                log.exception("outbox sender could not take the sending lock")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds * 3)

    async def _send_loop(self, stop: asyncio.Event, idle_seconds: float) -> None:
        while not stop.is_set():
            try:
                stats = await self.run_once()
            except Exception:
                log.exception("outbox sender round failed")
                stats = SendStats()
            if stats.sent + stats.retried + stats.failed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_seconds)

    async def _deliver_at(self, row: OutboxMessage, slot: float) -> SendStats:
        delay = slot - self.limiter.now()
        if delay > 0:
            await asyncio.sleep(delay)
        await self.limiter.pace()
        stats = SendStats()
        # A claim that ran out while we waited may already be someone else's: never deliver it here.
        if row.claimed_until is None or self._now() >= row.claimed_until - dt.timedelta(seconds=1):
            stats.deferred += 1
            return stats
        key = f"{row.transport}:{row.chat_id}"
        try:
            message_id = await self._deliver(row)
        except RetryAfter as exc:
            self.limiter.pause(key, exc.seconds)
            await asyncio.shield(self._retry(row, exc.seconds, str(exc), count=False))
            stats.retried += 1
        except Permanent as exc:
            await asyncio.shield(self._fail(row, f"permanent: {exc}"))
            stats.failed += 1
        except (Transient, TimeoutError, OSError) as exc:
            if row.attempts + 1 >= self.settings.max_attempts:
                await asyncio.shield(self._fail(row, f"gave up: {exc!r}"))
                stats.failed += 1
            else:
                await asyncio.shield(self._retry(row, self._backoff(row.attempts + 1), repr(exc)))
                stats.retried += 1
        else:
            # Shielded: a sender cancelled right after delivering still records it, so it is not resent.
            await asyncio.shield(self._mark_sent(row, message_id))
            stats.sent += 1
        return stats

    def _backoff(self, attempts: int) -> float:
        base = min(self.settings.backoff_max, self.settings.backoff_base * float(2 ** (attempts - 1)))
        return base * random.uniform(0.75, 1.25)

    async def _mark_sent(self, row: OutboxMessage, message_id: str | None) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.sent_at.is_(None))
                .values(
                    sent_at=self._now(),
                    message_id=message_id,
                    attempts=OutboxMessage.attempts + 1,
                    claimed_until=None,
                    last_error=None,
                )
            )

    async def _retry(self, row: OutboxMessage, seconds: float, error: str, count: bool = True) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.sent_at.is_(None))
                .values(
                    available_at=self._now() + dt.timedelta(seconds=seconds),
                    attempts=OutboxMessage.attempts + (1 if count else 0),
                    claimed_until=None,
                    claimed_by=None,
                    last_error=error[:2000],
                )
            )

    async def _fail(self, row: OutboxMessage, error: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.sent_at.is_(None))
                .values(
                    failed_at=self._now(),
                    attempts=OutboxMessage.attempts + 1,
                    claimed_until=None,
                    last_error=error[:2000],
                )
            )

    async def _release(self, row: OutboxMessage, seconds: float) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == self.worker_id)
                .values(
                    available_at=self._now() + dt.timedelta(seconds=seconds),
                    claimed_until=None,
                    claimed_by=None,
                )
            )

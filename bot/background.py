"""The work a running bot does besides answering: the scheduler tick, the outbox sender and pruning."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import Deliver, OutboxSender
from handlers.reminders import obsolete_reminders
from storage import clock
from storage.calendar import CalendarRules
from storage.per_update import KEEP_APPLIED, PRUNE_BATCH, prune_applied

log = logging.getLogger(__name__)
TICK_SECONDS = 60.0
PRUNE_SECONDS = 3600.0


@dataclass
class Background:
    """Background tasks of one process; ``stop`` ends them cleanly."""

    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def stop(self) -> None:
        """Ask every task to finish and wait for them."""
        self.stop_event.set()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _tick_forever(tick: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await tick()
        except Exception:
            log.exception("scheduler tick failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=TICK_SECONDS)


async def prune_old_updates(
    sessions: async_sessionmaker[AsyncSession], now: dt.datetime, keep: dt.timedelta = KEEP_APPLIED,
    batch: int = PRUNE_BATCH,
) -> int:
    """Delete the ids of updates applied more than ``keep`` before ``now``, one batch per transaction."""
    removed = 0
    while True:
        async with sessions() as session, session.begin():
            count = await prune_applied(session, now - keep, batch)
        removed += count
        if count < batch:
            return removed
        await asyncio.sleep(0)  # let updates in between batches


async def _prune_forever(
    sessions: async_sessionmaker[AsyncSession], now: Callable[[], dt.datetime], stop: asyncio.Event,
    every: float,
) -> None:
    while not stop.is_set():
        try:
            removed = await prune_old_updates(sessions, now())
            if removed:
                log.info("pruned %d applied update ids older than %s", removed, KEEP_APPLIED)
        except Exception:
            log.exception("pruning applied update ids failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


def quiet_rule(quiet_hours: str) -> Callable[[dt.datetime], bool] | None:
    """Turn ``"21:00-07:00"`` into the sender's quiet-hours test; ``"off"`` means none."""
    if quiet_hours.strip().lower() in ("off", "none", "0", ""):
        return None
    start, _sep, end = quiet_hours.partition("-")
    return CalendarRules(quiet_start=start.strip(), quiet_end=end.strip()).is_quiet


def start_background(
    sessions: async_sessionmaker[AsyncSession], transport: str, deliver: Deliver,
    tick: Callable[[], Awaitable[None]] | None = None, quiet_hours: str = "21:00-07:00",
    now: Callable[[], dt.datetime] = clock.now, prune_every: float = PRUNE_SECONDS,
) -> Background:
    """Start the outbox sender for ``transport``, the pruning of old update ids (every ``prune_every``
    seconds) and the scheduler tick when one is given."""
    background = Background()
    sender = OutboxSender(sessions, deliver, transport=transport, quiet=quiet_rule(quiet_hours),
                          obsolete=obsolete_reminders, now=now)
    background.tasks.append(asyncio.create_task(sender.run_forever(background.stop_event)))
    background.tasks.append(asyncio.create_task(_prune_forever(sessions, now, background.stop_event, prune_every)))
    if tick is not None:
        background.tasks.append(asyncio.create_task(_tick_forever(tick, background.stop_event)))
    return background


def scheduler_tick(
    sessions: async_sessionmaker[AsyncSession], now: Callable[[], dt.datetime] = clock.now
) -> Callable[[], Awaitable[None]] | None:
    """Return the reminder/summary tick when the scheduler module is present."""
    try:
        module = importlib.import_module("bot.scheduler")
    except ImportError:
        return None
    factory = getattr(module, "make_tick", None)
    return factory(sessions, now) if factory is not None else None

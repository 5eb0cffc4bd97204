"""The scheduler tick: once a minute, write the reminders and summaries that are due (the sender pushes them).

The tick is a query (handlers.reminders), not a timer per job: a missed minute, a restart or a second
worker changes nothing, because each decision is a row with a unique dedupe key. Each commune is
decided in its own short transaction so a long tick never holds the database for the others.

A commune whose tick wrote nothing is looked at again only after ``recheck`` (10 minutes by default):
with thousands of communes a province would otherwise run every commune's queries every minute for
nothing. This memory only saves work; what is due is always decided from the database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.province_reminders import province_tick
from handlers.reminders import due_commune_ids, write_due
from storage.models.base import utcnow

log = logging.getLogger(__name__)


class Scheduler:
    """Decides, commune by commune, what is due; remembers which communes had nothing to do lately."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], recheck: dt.timedelta = dt.timedelta(minutes=10)
    ) -> None:
        self._sessions = sessions
        self._recheck = recheck
        self._idle_until: dict[int, dt.datetime] = {}

    async def tick(self, now: dt.datetime) -> int:
        """Write every row due at ``now``; return how many this worker wrote."""
        async with self._sessions() as session:
            # Only the communes whose calendar has something due now (three queries for all of them).
            ids = await due_commune_ids(session, now)
        written = 0
        for commune_id in ids:
            idle_until = self._idle_until.get(commune_id)
            # Skipping delays a newly due row by at most ``recheck``; it never loses one.
            if idle_until is not None and now < idle_until:
                continue
            try:
                async with self._sessions() as session, session.begin():
                    count = len(await write_due(session, now, commune_id=commune_id))
            except Exception:
                # One commune's broken data must not stop the others' reminders.
                log.exception("reminders of commune %s failed", commune_id)
                continue
            written += count
            if count == 0:
                self._idle_until[commune_id] = now + self._recheck
            else:
                self._idle_until.pop(commune_id, None)
        # The province leaders' summaries: the few provinces with an audience, each asked of its own calendar.
        written += await province_tick(self._sessions, now)
        if written:
            log.info("scheduler wrote %d outbox rows", written)
        return written


async def tick(sessions: async_sessionmaker[AsyncSession], now: dt.datetime) -> int:
    """Write every row due at ``now`` (no memory between calls); return how many were written."""
    return await Scheduler(sessions).tick(now)


def make_tick(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], dt.datetime] = utcnow
) -> Callable[[], Awaitable[None]]:
    """Return the tick ``bot.background`` runs every minute."""
    scheduler = Scheduler(sessions)

    async def run() -> None:
        await scheduler.tick(clock())

    return run

"""The scheduler tick: once a minute, write the reminders and summaries that are due (the sender pushes them).

The tick is a query (handlers.reminders), not a timer per job: a missed minute, a restart or a second
worker changes nothing, because each decision is a row with a unique dedupe key. Each commune is
decided in its own short transaction so a long tick never holds the database for the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.reminders import commune_ids, write_due
from storage.models.base import utcnow

log = logging.getLogger(__name__)


async def tick(sessions: async_sessionmaker[AsyncSession], now: dt.datetime) -> int:
    """Write every row due at ``now``; return how many were written by this worker."""
    async with sessions() as session:
        ids = await commune_ids(session)
    written = 0
    for commune_id in ids:
        try:
            async with sessions() as session, session.begin():
                written += len(await write_due(session, now, commune_id=commune_id))
        except Exception:
            # One commune's broken data must not stop the others' reminders.
            log.exception("reminders of commune %s failed", commune_id)
    if written:
        log.info("scheduler wrote %d outbox rows", written)
    return written


def make_tick(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], dt.datetime] = utcnow
) -> Callable[[], Awaitable[None]]:
    """Return the tick ``bot.background`` runs every minute."""

    async def run() -> None:
        await tick(sessions, clock())

    return run

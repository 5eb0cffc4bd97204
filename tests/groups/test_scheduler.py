"""The scheduler tick: decides per commune, writes once across workers, skips idle communes for a while."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduler import Scheduler, make_tick
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import OutboxMessage
from tests.groups.commune import build_commune

# Calendar-dependent: CI runs it again with the clock pinned at each moment (make test-dates).
pytestmark = pytest.mark.calendar


def _at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 22, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


async def _rows(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_ticks_write_each_reminder_once(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await build_commune(session, hamlets=3)
        await build_commune(session, hamlets=2, name="Xã Thứ Hai", groups=False)
    sessions = session_factory(engine)
    first = Scheduler(sessions, recheck=dt.timedelta(minutes=5))
    assert await first.tick(_at(7, 55)) == 0  # reminders are due from 08:00
    assert await first.tick(_at(7, 58)) == 0  # both communes idle until 08:00
    assert await first.tick(_at(8, 0)) == (1 + 3) + 2  # group + reporters; reporters only where no group
    other = Scheduler(sessions)
    assert await other.tick(_at(8, 0)) == 0  # a second worker finds them written
    assert await first.tick(_at(8, 1)) == 0
    assert await _rows(engine) == 6
    clock = {"now": _at(8, 30)}
    tick = make_tick(sessions, clock=lambda: clock["now"])
    await tick()
    assert await _rows(engine) == 6

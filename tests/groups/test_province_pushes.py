"""Province summaries pushed by the scheduler tick: the day after each deadline of the communes' reports, once,
never in the quiet hours; to the province leaders' group, and privately to a province leader on Zalo."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduler import Scheduler
from handlers.province_reminders import due_periods, province_ids_with_audience
from storage.calendar import TZ, CalendarRules
from storage.db import session_factory
from storage.models import GroupBinding, OutboxMessage
from tests.groups.province import LEADER_ZALO, PROVINCE_CHAT, build_province

# Calendar-dependent only through the moments below (each test pins its own).
pytestmark = pytest.mark.calendar


def _at(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


async def _province_rows(engine: AsyncEngine) -> list[OutboxMessage]:
    async with session_factory(engine)() as session:
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key.like("province:%")).order_by(OutboxMessage.id)
        return list((await session.scalars(query)).all())


async def test_the_day_after_the_deadline_the_group_and_the_zalo_leader_get_it_once(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await build_province(session)
    sessions = session_factory(engine)
    scheduler = Scheduler(sessions)
    await scheduler.tick(_at(2026, 12, 1, 7, 59))  # before the summary time
    assert await _province_rows(engine) == []
    await scheduler.tick(_at(2026, 12, 1, 8, 0))
    rows = await _province_rows(engine)
    where = sorted((r.transport, r.chat_id, r.chat_type, r.attachment is not None) for r in rows)
    assert where == [("telegram", PROVINCE_CHAT, "group", False), ("telegram", PROVINCE_CHAT, "group", True),
                     ("zalo", LEADER_ZALO, "private", False), ("zalo", LEADER_ZALO, "private", True)]
    text = next(r for r in rows if r.transport == "telegram" and r.attachment is None)
    assert text.dedupe_key == f"province:deadline:2026-11:2026-12-01:telegram:{PROVINCE_CHAT}"
    assert text.text.startswith("Báo cáo của các xã tháng 11/2026 — Tỉnh Thử Nghiệm") and "Xã C" in text.text
    chart = next(r for r in rows if r.transport == "zalo" and r.attachment is not None)
    assert chart.attachment is not None and chart.attachment[:4] == b"\x89PNG"
    # Another worker, a later minute: nothing twice.
    await Scheduler(sessions).tick(_at(2026, 12, 1, 8, 0))
    await scheduler.tick(_at(2026, 12, 1, 9, 30))
    assert len(await _province_rows(engine)) == 4


@pytest.mark.parametrize(("moment", "why"), [
    (_at(2026, 12, 2, 8, 0), "the 2nd of the month: no communes' deadline yesterday"),
    (_at(2026, 12, 31, 23, 59), "the last minute of the year: quiet hours"),
    (_at(2026, 12, 1, 22, 0), "the right day, but in the quiet hours"),
])
async def test_nothing_is_pushed_when_nothing_is_due(engine: AsyncEngine, moment: dt.datetime, why: str) -> None:
    async with session_factory(engine)() as session, session.begin():
        await build_province(session)
    await Scheduler(session_factory(engine)).tick(moment)
    assert await _province_rows(engine) == [], why


async def test_on_16_12_the_year_stands_for_the_fourth_quarter_and_the_second_half(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await build_province(session)
    await Scheduler(session_factory(engine)).tick(_at(2026, 12, 16, 8, 0))
    keys = {r.dedupe_key for r in await _province_rows(engine) if r.attachment is None and r.transport == "telegram"}
    # The commune police file only the annual report then (the longest of the periods ending 31/12).
    assert keys == {f"province:deadline:2026:2026-12-16:telegram:{PROVINCE_CHAT}"}


def test_due_periods_follow_the_calendar_of_the_plan() -> None:
    rules = CalendarRules(quarter_day=10, year_deadline="20/12")
    assert [p.code for p in due_periods(rules, _at(2026, 12, 11, 8, 0))] == ["2026-Q4"]
    assert [p.code for p in due_periods(rules, _at(2026, 9, 11, 8, 0))] == ["2026-Q3"]
    assert [p.code for p in due_periods(rules, _at(2026, 12, 1, 8, 0))] == ["2026-11"]
    assert [p.code for p in due_periods(rules, _at(2026, 12, 21, 8, 0))] == ["2026"]
    assert [p.code for p in due_periods(rules, _at(2026, 6, 16, 8, 0))] == ["2026-H1"]
    assert due_periods(rules, _at(2026, 12, 21, 6, 59)) == []  # quiet until 07:00


async def test_only_provinces_with_someone_to_tell_are_asked(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        built = await build_province(session, leader=False, group=False)
        # A commune's leaders' group is not a province's audience.
        session.add(GroupBinding(transport="telegram", chat_id="-5", unit_id=built.communes["A"].commune.id,
                                 purpose="leaders"))
        await session.flush()
        assert await province_ids_with_audience(session) == []
        session.add(GroupBinding(transport="telegram", chat_id="-6", unit_id=built.province.id, purpose="province"))
        await session.flush()
        assert await province_ids_with_audience(session) == [built.province.id]

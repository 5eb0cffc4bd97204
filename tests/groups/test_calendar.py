"""The calendar: period codes, deadlines from domain.md, a plan's stated deadlines, settings, quiet hours."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.calendar import TZ, CalendarRules, calendar_for
from storage.db import session_factory
from storage.models import Plan, PlanDeadline
from storage.periods import get_or_create_period, months_in, parse_period, previous, same_last_year
from tests.groups.commune import build_commune

# Calendar-dependent: CI runs it again with the clock pinned at each moment (make test-dates).
pytestmark = pytest.mark.calendar


def test_period_codes() -> None:
    q4 = parse_period("2026-q4")
    assert (q4.code, q4.starts_on, q4.ends_on) == ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert parse_period("2026-H1").ends_on == dt.date(2026, 6, 30)
    assert parse_period("2026").kind == "year"
    assert previous(parse_period("2026-01")).code == "2025-12"
    assert same_last_year(q4).code == "2025-Q4"
    assert [m.code for m in months_in(parse_period("2026-H2"))][::5] == ["2026-07", "2026-12"]
    for bad in ("2026-13", "2026-Q5", "26-11", "tháng 11"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_default_deadlines_follow_domain_md() -> None:
    rules = CalendarRules()
    assert rules.hamlet_deadline(parse_period("2026-11")) == dt.date(2026, 11, 25)
    assert rules.hamlet_deadline(parse_period("2026-02")) == dt.date(2026, 2, 25)
    assert rules.commune_deadline(parse_period("2026-Q4")) == dt.date(2026, 12, 15)
    assert rules.hamlet_deadline(parse_period("2026-Q4")) == dt.date(2026, 12, 10)  # 5 days earlier
    assert rules.commune_deadline(parse_period("2026-H1")) == dt.date(2026, 6, 15)
    assert rules.commune_deadline(parse_period("2026")) == dt.date(2026, 12, 15)
    days = rules.reminder_days(parse_period("2026-11"))
    assert [d.day for d in days] == [22, 24, 25, 26, 27, 28, 29, 30]
    assert rules.deadline_end(parse_period("2026-11")) == dt.datetime(2026, 11, 26, tzinfo=TZ)


def test_quiet_hours_are_vietnam_time() -> None:
    rules = CalendarRules()

    def at(hour: int, minute: int) -> dt.datetime:
        return dt.datetime(2026, 11, 23, hour, minute, tzinfo=TZ).astimezone(dt.UTC)

    assert [rules.is_quiet(at(h, m)) for h, m in ((20, 59), (21, 0), (23, 30), (0, 0), (6, 59), (7, 0))] == [
        False, True, True, True, True, False]


async def test_a_plan_states_deadlines_and_the_commune_settings_win(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        built = await build_commune(session, hamlets=1, groups=False, reporters=False)
        plan = Plan(area_id=built.province.id, title="Kế hoạch thử", issued_on=dt.date(2026, 1, 5))
        session.add(plan)
        await session.flush()
        session.add_all([
            PlanDeadline(plan_id=plan.id, kind="year", due="15/11", text="trước ngày 15/11 hằng năm"),
            PlanDeadline(plan_id=plan.id, kind="quarter", due="10 của tháng cuối quý", text="trước ngày 10"),
        ])
        await session.flush()
        rules = await calendar_for(session, built.commune)
        assert rules.commune_deadline(parse_period("2026")) == dt.date(2026, 11, 15)
        assert rules.commune_deadline(parse_period("2026-Q3")) == dt.date(2026, 9, 10)
        built.commune.settings = {"calendar": {"year_deadline": "5/12", "hamlet_month_day": 20}}
        rules = await calendar_for(session, built.commune)
        assert rules.commune_deadline(parse_period("2026")) == dt.date(2026, 12, 5)
        assert rules.hamlet_deadline(parse_period("2026-11")) == dt.date(2026, 11, 20)
        first = await get_or_create_period(session, "2026-Q4")
        again = await get_or_create_period(session, "2026-q4")
        assert first.id == again.id and first.ends_on == dt.date(2026, 12, 31)

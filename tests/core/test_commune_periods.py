"""The commune police's quarterly, six-monthly and annual reports through the core, on SQLite and
PostgreSQL: prefilled from the commune's own months (the hamlets' sums standing in for a month it did not
file; stocks from the latest month, flows added up), the choice of the reports due at pinned moments
(the 1st of a month, 31/12 at 23:59, 1/1 at 00:01), a period named in plain words, and a plan's
quarter deadline ("trước ngày 10 tháng cuối quý") moving when the quarter's report is offered."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.commune_periods import due_periods
from handlers.dispatch import Core
from locales.messages import Reply
from storage.calendar import TZ, CalendarRules
from storage.commune_report import hamlet_sums, report_kinds
from storage.invites import open_or_new_invite
from storage.models import Indicator, IndicatorSet, Period, Plan, PlanDeadline, Report, ReportValue, Unit
from storage.periods import parse_period
from storage.reports import save_report
from tests.core.chat import Clock, User, demo, texts

# The commune set's fourteen figures in order; the first three and diem_tu_van are stocks.
CODES = ["nghien", "su_dung", "sau_cai", "nghien_moi", "tu_van", "tuyen_truyen", "to_giac", "vu_phat_hien",
         "doi_tuong", "cai_bat_buoc", "cai_tu_nguyen", "diem_tu_van", "tuyen_truyen_xa", "trong_cay_xoa"]
JULY = dict(zip(CODES, [5, 3, 4, 1, 2, 3, 1, 1, 2, 0, 1, 1, 1, 0], strict=True))
AUGUST = dict(zip(CODES, [7, 2, 4, 2, 3, 1, 0, 2, 3, 1, 0, 2, 2, 50], strict=True))


def vn(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    """A moment in Vietnam time (the clock the officer lives by)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


async def _police(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    """(police unit id, its set id, the commune id)."""
    async with sessions() as session:
        police = (await session.execute(select(Unit).where(Unit.name == "Công an xã"))).scalar_one()
        set_id = (await session.execute(
            select(IndicatorSet.id).where(IndicatorSet.code == "xa_thang"))).scalar_one()
        assert police.parent_id is not None
        return police.id, set_id, police.parent_id


async def _officer(core: Core, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> User:
    police_id, _set_id, _commune = await _police(sessions)
    async with sessions() as session, session.begin():
        code = (await open_or_new_invite(session, police_id, "officer", clock.now)).code
    officer = User(core, "5001")
    assert "Công an xã" in texts(await officer.say(f"/start {code}"))
    return officer


async def _stored(sessions: async_sessionmaker[AsyncSession], period: str) -> dict[str, tuple[int | None, str | None]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Indicator.code, ReportValue.value, ReportValue.reason)
            .join(ReportValue, ReportValue.indicator_id == Indicator.id)
            .join(Report, Report.id == ReportValue.report_id)
            .join(Unit, Unit.id == Report.unit_id)
            .join(Period, Period.id == Report.period_id)
            .where(Unit.name == "Công an xã", Period.code == period)
        )
        return {code: (value, reason) for code, value, reason in rows.all()}


def _buttons(replies: list[Reply]) -> list[str]:
    return [button.data for reply in replies for row in reply.buttons for button in row]


async def test_a_quarter_is_prefilled_from_the_communes_months_and_the_hamlets_of_a_month_not_filed(
    engine: AsyncEngine,
) -> None:
    clock = Clock()  # 23/11/2026: the demo's hamlets reported May to October, its police May to September
    sessions, _summary = await demo(engine, clock)
    police_id, set_id, commune_id = await _police(sessions)
    async with sessions() as session, session.begin():
        # September left to the hamlets' sums: the quarter mixes the commune's months and a month it did not file.
        september_id = select(Period.id).where(Period.code == "2026-09").scalar_subquery()
        filed = select(Report.id).where(Report.unit_id == police_id, Report.period_id == september_id)
        await session.execute(delete(ReportValue).where(ReportValue.report_id.in_(filed)))
        await session.execute(delete(Report).where(Report.unit_id == police_id, Report.period_id == september_id))
        for month, values in (("2026-07", JULY), ("2026-08", AUGUST)):
            await save_report(session, unit_id=police_id, set_id=set_id, period=parse_period(month),
                              values=dict(values), note=None, person_id=None, now=clock.now)
    async with sessions() as session:
        september = await hamlet_sums(session, commune_id, "2026-09", ["nghien", "nghien_moi", "tu_van"])
    assert september.reported == 12
    officer = await _officer(Core(sessions=sessions, clock=clock), sessions, clock)

    first = texts(await officer.say("báo cáo quý 3"))
    assert "quý III/2026" in first and "(1/14)" in first
    assert "3/3 tháng trong kỳ: 2 tháng theo báo cáo tháng của xã, 1 tháng theo tổng các thôn" in first
    # A stock takes the latest month (September, from the hamlets), not the sum of three months.
    assert f"Cộng các tháng: {september.sums['nghien']} người (3/3 tháng có số liệu)" in first
    for _keep in range(3):
        asked = texts(await officer.say("đúng"))
    flows = JULY["nghien_moi"] + AUGUST["nghien_moi"] + september.sums["nghien_moi"]
    assert f"Cộng các tháng: {flows} người" in asked and "(4/14)" in asked
    reason = texts(await officer.say(str(flows + 1)))
    assert f"số cộng các tháng là {flows} người" in reason and "lý do" in reason
    assert "(5/14)" in texts(await officer.say("1 người phát hiện cuối tháng 9 chưa vào báo cáo tháng"))
    for _keep in range(2):
        await officer.say("1")
    commune_only = texts(await officer.say("1"))  # vu_phat_hien: from July and August only
    assert "(8/14)" in commune_only
    assert f"Cộng các tháng: {JULY['vu_phat_hien'] + AUGUST['vu_phat_hien']} vụ (3/3 tháng" in commune_only
    for _keep in range(6):
        last_question = texts(await officer.say("đúng"))
    assert "(14/14)" in last_question
    summary_text = texts(await officer.say("đúng"))
    assert "Mới phát hiện: khác số cộng các tháng" in summary_text
    assert "Đã lưu báo cáo quý III/2026 của Công an xã" in texts(await officer.say("xác nhận"))

    stored = await _stored(sessions, "2026-Q3")
    assert stored["nghien"] == (september.sums["nghien"], None)
    assert stored["nghien_moi"] == (flows + 1, "1 người phát hiện cuối tháng 9 chưa vào báo cáo tháng")
    assert stored["vu_phat_hien"] == (JULY["vu_phat_hien"] + AUGUST["vu_phat_hien"], None)
    assert stored["diem_tu_van"] == (AUGUST["diem_tu_van"], None)  # a stock: August, the latest it was filed
    assert stored["trong_cay_xoa"] == (50, None)
    assert await _stored(sessions, "2026-09") == {}  # the month is not filed by filing its quarter


@pytest.mark.parametrize(
    ("moment", "offered"),
    [
        (dt.date(2026, 12, 1), ["2026-11", "2026-12", "2026"]),  # the 1st: two months and the year
        (dt.date(2026, 12, 31), ["2026-12", "2026"]),  # the last day of the year
        (dt.date(2027, 1, 1), ["2026-12", "2027-01", "2026"]),  # the year's report, late, still offered
        (dt.date(2026, 11, 23), ["2026-11"]),  # three weeks before 15/12 the year is not offered yet
        (dt.date(2026, 11, 24), ["2026-11", "2026"]),
        (dt.date(2026, 6, 1), ["2026-05", "2026-06", "2026-H1"]),  # six months, not also the second quarter
        (dt.date(2026, 9, 30), ["2026-09", "2026-Q3"]),  # the last day of a quarter
        (dt.date(2026, 10, 6), ["2026-10"]),  # past the first days: the quarter is no longer offered
    ],
)
def test_the_reports_due_on_a_day(moment: dt.date, offered: list[str]) -> None:
    assert [p.code for p in due_periods(CalendarRules(), moment, report_kinds())] == offered


async def test_on_the_first_of_december_the_officer_picks_the_annual_report_by_its_number(
    engine: AsyncEngine,
) -> None:
    clock = Clock()
    sessions, _summary = await demo(engine, clock)
    officer = await _officer(Core(sessions=sessions, clock=clock), sessions, clock)
    clock.now = vn(2026, 12, 1, 8, 0)
    menu = await officer.say("báo cáo")
    shown = texts(menu)
    assert "nhiều báo cáo đến hạn" in shown and "• Năm 2026: hạn 15/12/2026" in shown
    assert "• Tháng 12/2026: hạn 30/12/2026" in shown and "Quý IV" not in shown
    assert _buttons(menu) == ["period:2026-11", "period:2026-12", "period:2026"]
    year = texts(await officer.say("3"))
    assert "năm 2026" in year and "(1/14)" in year
    # The demo commune's hamlets reported May to October, its police May to September: October from hamlets.
    assert "6/12 tháng trong kỳ: 5 tháng theo báo cáo tháng của xã, 1 tháng theo tổng các thôn" in year


async def test_at_the_last_minute_of_the_year_the_month_and_the_year_are_offered_and_named_in_words(
    engine: AsyncEngine,
) -> None:
    clock = Clock()
    sessions, _summary = await demo(engine, clock)
    officer = await _officer(Core(sessions=sessions, clock=clock), sessions, clock)
    clock.now = vn(2026, 12, 31, 23, 59)
    menu = await officer.say("bao cao")
    assert _buttons(menu) == ["period:2026-12", "period:2026"]
    assert "quý 4" in texts(await officer.say("quý 9"))  # not a period: the choice again, with examples
    assert "năm 2026" in texts(await officer.say("nam 2026"))
    await officer.say("hủy")
    await officer.say("đúng")
    clock.now = vn(2027, 1, 1, 0, 1)
    half = texts(await officer.say("bao cao 6 thang dau nam 2026"))  # named: no choice
    assert "6 tháng đầu năm 2026" in half and "(1/14)" in half and "Cộng các tháng" in half


async def test_a_plan_saying_before_the_10th_of_the_quarters_last_month_moves_the_quarter_report(
    engine: AsyncEngine,
) -> None:
    clock = Clock()
    sessions, _summary = await demo(engine, clock)
    officer = await _officer(Core(sessions=sessions, clock=clock), sessions, clock)
    clock.now = vn(2027, 2, 18, 9, 0)
    plain = texts(await officer.say("báo cáo"))  # by default (15/3) the first quarter is not due yet
    assert "tháng 2/2027" in plain and "(1/14)" in plain
    await officer.say("hủy")
    await officer.say("đúng")
    _police_id, _set_id, commune_id = await _police(sessions)
    async with sessions() as session, session.begin():
        plan = Plan(area_id=commune_id, title="Kế hoạch báo cáo", issued_on=dt.date(2027, 1, 5))
        session.add(plan)
        await session.flush()
        session.add(PlanDeadline(plan_id=plan.id, kind="quarter", due="10 của tháng cuối quý",
                                 text="Báo cáo quý trước ngày 10 tháng cuối quý"))
    menu = await officer.say("báo cáo")
    assert "• Quý I/2027: hạn 10/03/2027" in texts(menu)
    assert _buttons(menu) == ["period:2027-02", "period:2027-Q1"]
    quarter = texts(await officer.say("2"))
    assert "quý I/2027" in quarter and "(1/14)" in quarter
    assert "10/03/2027" in texts(await officer.say("hạn nộp khi nào?"))

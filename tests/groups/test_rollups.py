"""Province summaries read ``area_totals`` (kept by ``save_report``): the same figures as summing every
report, after first reports, corrections, a value left empty, a hamlet skipping months and a retired
hamlet, for a month, a quarter, a half and a year, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.summaries import Summary, build_summary
from handlers.summary_chart import summary_png
from handlers.summary_render import summary_text
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import AreaTotal, Report, Unit
from storage.periods import PeriodSpec, months_in, parse_period
from storage.reports import save_report
from storage.rollups import rebuild
from tests.groups.commune import BuiltCommune, build_commune, random_values

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
MONTHS = [m for year in ("2025", "2026") for m in months_in(parse_period(year))][6:23]  # 2025-07 … 2026-11


def _figures(summary: Summary) -> dict[str, object]:
    """Everything a summary computes from the reports (made_at and order of dicts aside)."""
    return {
        "totals": summary.totals, "previous": summary.previous_totals, "last_year": summary.last_year_totals,
        "history": [(m.code, values) for m, values in summary.history],
        "hamlets": [dataclasses.astuple(h) for h in summary.hamlets],
        "derived": summary.derived,
    }


async def _file(engine: AsyncEngine, built: BuiltCommune, hamlet: Unit, month: PeriodSpec,
                values: dict[str, int | None]) -> None:
    async with session_factory(engine)() as session, session.begin():
        await save_report(session, unit_id=hamlet.id, set_id=built.set_row.id, period=month, values=values,
                          note=None, person_id=None, now=dt.datetime.combine(month.ends_on, dt.time(9), TZ))


async def _province(engine: AsyncEngine) -> tuple[Unit, list[BuiltCommune]]:
    rng = random.Random(14)
    async with session_factory(engine)() as session, session.begin():
        first = await build_commune(session, hamlets=4, name="Xã Một", groups=False, reporters=False)
        second = await build_commune(session, hamlets=3, name="Xã Hai", province=first.province, groups=False,
                                     reporters=False)
    for built in (first, second):
        for index, hamlet in enumerate(built.hamlets):
            for month in MONTHS:
                # Xóm 2 skips the last month of each quarter: its stock figures of a quarter are the
                # middle month's, so "latest" and "last month" differ.
                if index == 1 and month.number % 3 == 0:
                    continue
                values: dict[str, int | None] = dict(random_values(rng))
                if index == 2 and month.code == "2026-08":
                    values["nghien"] = None  # left empty: SUM ignores it, as the direct query does
                await _file(engine, built, hamlet, month, values)
    # Corrections: the same report filed again with other figures (a stock and a flow).
    await _file(engine, first, first.hamlets[0], parse_period("2026-11"), {**random_values(rng), "nghien": 99})
    await _file(engine, second, second.hamlets[2], parse_period("2026-09"), {**random_values(rng), "tu_van": 77})
    async with session_factory(engine)() as session, session.begin():
        province = await session.get(Unit, first.province.id)
        assert province is not None
    return province, [first, second]


@pytest.mark.parametrize("code", ["2026-11", "2026-Q3", "2026-Q4", "2026-H2", "2026"])
async def test_province_summary_from_area_totals_equals_the_direct_sums(engine: AsyncEngine, code: str) -> None:
    province, (first, _second) = await _province(engine)
    period = parse_period(code)
    sessions = session_factory(engine)

    async def both() -> tuple[Summary, Summary]:
        async with sessions() as session:
            direct = await build_summary(session, province, period, NOW, rollup=False)
            rolled = await build_summary(session, province, period, NOW, rollup=True)
        return direct, rolled

    direct, rolled = await both()
    assert direct.totals and any(values for _m, values in direct.history), "the reports must show"
    assert _figures(rolled) == _figures(direct)

    # A retired hamlet counts in no total: its commune is then summed from its reports.
    async with sessions() as session, session.begin():
        await session.execute(update(Unit).where(Unit.id == first.hamlets[3].id).values(retired_at=NOW))
    direct_after, rolled_after = await both()
    assert direct_after.totals != direct.totals
    assert _figures(rolled_after) == _figures(direct_after)


async def test_area_totals_kept_by_save_report_equal_a_rebuild_and_are_what_is_read(engine: AsyncEngine) -> None:
    province, (first, _second) = await _province(engine)
    sessions = session_factory(engine)

    async def rows() -> dict[tuple[int, str, str, str], tuple[int | None, int | None]]:
        async with sessions() as session:
            found = (await session.execute(select(AreaTotal))).scalars().all()
            return {(r.area_id, r.set_code, r.period_code, r.code): (r.total, r.last_total) for r in found}

    kept = await rows()
    # Months, quarters, halves and years of both communes, for every indicator.
    assert {key[2] for key in kept} >= {"2026-11", "2026-Q3", "2026-H2", "2026", "2025"}
    assert kept[(first.commune.id, first.set_row.code, "2026-11", "nghien")][0] is not None
    async with sessions() as session, session.begin():
        await rebuild(session)
    assert await rows() == kept

    # The province summary reads these rows: change one and its total moves by as much.
    period = parse_period("2026-Q3")
    async with sessions() as session:
        before = (await build_summary(session, province, period, NOW, per_hamlet_values=False)).totals["tu_van"]
    async with sessions() as session, session.begin():
        await session.execute(
            update(AreaTotal)
            .where(AreaTotal.area_id == first.commune.id, AreaTotal.period_code == "2026-Q3",
                   AreaTotal.code == "tu_van")
            .values(total=AreaTotal.total + 1000)
        )
    async with sessions() as session:
        after = (await build_summary(session, province, period, NOW, per_hamlet_values=False)).totals["tu_van"]
    assert before is not None and after == before + 1000


@pytest.mark.parametrize("code", ["2026-11", "2026-Q3", "2026-Q4"])
async def test_a_province_summary_for_text_lists_only_hamlets_late_or_missing_and_counts_the_rest(
    engine: AsyncEngine, code: str
) -> None:
    """Built for the text and chart, a province's summary works out each hamlet's status in one GROUP BY and
    lists only the hamlets late or missing: the same counts and names as when every hamlet is listed."""
    province, (first, second) = await _province(engine)
    sessions = session_factory(engine)
    # Late reports (every month of Xóm 1 of Xã Hai filed on 2 December) and a retired hamlet, never counted.
    async with sessions() as session, session.begin():
        await session.execute(
            update(Report).where(Report.unit_id == second.hamlets[0].id)
            .values(submitted_at=dt.datetime(2026, 12, 2, 9, tzinfo=TZ)))
        await session.execute(update(Unit).where(Unit.id == first.hamlets[3].id).values(retired_at=NOW))
        # Filed at each month's end, after the 25th: late; Xóm 1 of Xã Một filed ahead, on time.
        await session.execute(update(Report).where(Report.unit_id == first.hamlets[0].id)
                              .values(submitted_at=dt.datetime(2025, 7, 1, 9, tzinfo=TZ)))
    period = parse_period(code)
    async with sessions() as session:
        listed = await build_summary(session, province, period, NOW, per_hamlet_values=True)
        compact = await build_summary(session, province, period, NOW, per_hamlet_values=False)
    assert compact.on_time_unlisted == len(listed.with_status("on_time")) and not compact.with_status("on_time")
    for status in ("on_time", "late", "missing"):
        assert compact.count(status) == listed.count(status), status
    for status in ("late", "missing"):
        assert [(h.unit_id, h.name, h.filed, h.expected, h.last_submitted) for h in compact.with_status(status)] == [
            (h.unit_id, h.name, h.filed, h.expected, h.last_submitted) for h in listed.with_status(status)], status
    assert (compact.reported, compact.expected) == (listed.reported, listed.expected) == (
        listed.reported, 6)
    if code != "2026-Q4":  # December has begun and no hamlet has filed it: every one is missing the quarter
        assert second.hamlets[0].id in {h.unit_id for h in compact.with_status("late")}
        assert compact.on_time_unlisted == 1  # Xóm 1 of Xã Một
    else:
        assert compact.count("missing") == 6 and compact.on_time_unlisted == 0
    # The chart draws the counts (a bar: tiles would need every hamlet) and states them as the text does.
    assert summary_png(compact)[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Đã báo cáo: {compact.reported}/{compact.expected} thôn, xóm" in summary_text(compact)
    if code == "2026-Q3":
        # Xóm 2 of each commune skipped September: missing the quarter.
        assert {h.name for h in compact.with_status("missing")} == {"Xóm 2"} and compact.count("missing") == 2

"""Running totals of hamlet reports (``area_totals``): kept in the transaction that saves a report.

A hamlet report changes the totals of its area (the hamlet's parent) for its period and every period
enclosing it (quarter, half, year). Rather than adding deltas, those few rows are recomputed from the
area's own reports (a commune: some forty hamlets), so a correction, a value set to None or a report
written twice cannot drift. ``rebuild`` recomputes everything (the migration, data loaded by COPY).

Reports written around ``storage.reports.save_report`` (tests, bulk loads) must call ``refresh`` or
``rebuild``. Retiring a hamlet changes no row here (see ``AreaTotal``); a hamlet moved to another parent
would need ``refresh`` of both parents, but nothing moves hamlets: a changed hamlet list retires them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, case, delete, func, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AreaTotal, Indicator, IndicatorSet, Period, Report, ReportValue, Unit
from storage.periods import PeriodSpec, parse_period, period_of

_ORDER = ("month", "quarter", "half", "year")
# pg_advisory_xact_lock(namespace, area id): one refresh of an area at a time (two hamlets of a commune
# saving at once would otherwise both delete, then both insert the same rows).
_LOCK_NAMESPACE = 7410


def enclosing(spec: PeriodSpec) -> list[PeriodSpec]:
    """``spec`` and the longer periods that contain it (a month, its quarter, its half, its year)."""
    if spec.kind not in _ORDER:
        return [spec]
    return [spec] + [period_of(kind, spec.starts_on) for kind in _ORDER[_ORDER.index(spec.kind) + 1:]]


async def refresh(
    session: AsyncSession, periods: list[PeriodSpec], area_ids: list[int] | None = None,
    set_code: str | None = None,
) -> None:
    """Recompute the rows of ``periods`` (for ``area_ids`` and ``set_code``, or all of them)."""
    if area_ids is not None and not area_ids:
        return
    if session.bind.dialect.name == "postgresql" and area_ids is not None:
        for area_id in sorted(set(area_ids)):
            await session.execute(text("SELECT pg_advisory_xact_lock(:ns, :id)"),
                                  {"ns": _LOCK_NAMESPACE, "id": area_id})
    for spec in periods:
        wipe = delete(AreaTotal).where(AreaTotal.period_code == spec.code)
        if area_ids is not None:
            wipe = wipe.where(AreaTotal.area_id.in_(area_ids))
        if set_code is not None:
            wipe = wipe.where(AreaTotal.set_code == set_code)
        await session.execute(wipe)
        await session.execute(_insert(spec, area_ids, set_code))


def _insert(spec: PeriodSpec, area_ids: list[int] | None, set_code: str | None) -> Insert:
    """INSERT … SELECT of one period's rows: flows summed, stocks from each hamlet's latest report."""
    newest_first: Any = literal(1)
    if spec.kind != "month":
        # Several reports of a hamlet in the period: rank them so a stock takes the latest.
        newest_first = func.row_number().over(
            partition_by=(Report.unit_id, IndicatorSet.code, Indicator.code), order_by=Period.starts_on.desc()
        )
    ranked = (
        select(Unit.parent_id.label("area_id"), IndicatorSet.code.label("set_code"),
               Indicator.code.label("code"), ReportValue.value.label("value"), newest_first.label("rank"))
        .select_from(ReportValue)
        .join(Report, Report.id == ReportValue.report_id)
        .join(Unit, Unit.id == Report.unit_id)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .join(Period, Period.id == Report.period_id)
        .where(Unit.kind == "hamlet", Unit.parent_id.is_not(None), Period.kind == IndicatorSet.period_kind,
               Period.starts_on >= spec.starts_on, Period.ends_on <= spec.ends_on)
    )
    if area_ids is not None:
        ranked = ranked.where(Unit.parent_id.in_(area_ids))
    if set_code is not None:
        ranked = ranked.where(IndicatorSet.code == set_code)
    rows = ranked.subquery("ranked")
    summed = (
        select(rows.c.area_id, rows.c.set_code, literal(spec.code).label("period_code"), rows.c.code,
               func.sum(rows.c.value), func.sum(case((rows.c.rank == 1, rows.c.value))))
        .group_by(rows.c.area_id, rows.c.set_code, rows.c.code)
    )
    return insert(AreaTotal).from_select(
        ["area_id", "set_code", "period_code", "code", "total", "last_total"], summed
    )


async def refresh_for_report(session: AsyncSession, unit_id: int, set_id: int, period: PeriodSpec | str) -> None:
    """Bring the totals in line with the report of ``unit_id`` just saved (a hamlet's; others add nothing)."""
    spec = parse_period(period) if isinstance(period, str) else period
    unit = (await session.execute(select(Unit.kind, Unit.parent_id).where(Unit.id == unit_id))).first()
    if unit is None or unit.kind != "hamlet" or unit.parent_id is None:
        return
    set_code = await session.scalar(select(IndicatorSet.code).where(IndicatorSet.id == set_id))
    if set_code is None:
        return
    await refresh(session, enclosing(spec), [unit.parent_id], set_code)


async def rebuild(session: AsyncSession) -> None:
    """Recompute every row from the reports (after a bulk load, or to check nothing drifted)."""
    await session.execute(delete(AreaTotal))
    query = select(Period.code).where(Period.id.in_(select(Report.period_id).distinct()))
    specs: dict[str, PeriodSpec] = {}
    for code in (await session.scalars(query)).all():
        for spec in enclosing(parse_period(code)):
            specs[spec.code] = spec
    for spec in sorted(specs.values(), key=lambda s: (s.starts_on, s.code)):
        await session.execute(_insert(spec, None, None))

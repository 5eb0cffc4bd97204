"""A period's summary for an area, computed in SQL: who reported, totals, changes, targets (notes on request).

Monthly figures of a longer period (quarter, half, year) are combined per indicator: people under
management now (stock indicators) take each hamlet's latest month, the rest are summed. Every total
is one GROUP BY over report_values × indicators × reports × periods, restricted to the area's hamlets.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import current_language
from storage.calendar import calendar_for, local
from storage.indicator_sets import change_note, spans_a_change, versions_used
from storage.models import AreaTotal, Indicator, IndicatorSet, Period, Report, ReportValue, Unit
from storage.periods import PeriodSpec, months_in, period_of, previous, same_last_year
from storage.reporting_scope import (
    ancestors,
    areas_below,
    areas_with_retired_hamlets,
    filed_reports,
    hamlet_ids,
    hamlet_rows,
    hamlet_set,
    period_reports,
)

_DATA = Path(__file__).with_name("summary_indicators.json")
PERIOD_ORDER = ("month", "quarter", "half", "year")


@cache
def summary_data() -> dict[str, Any]:
    """The stock indicator codes, chart codes and default targets (data shipped with the code)."""
    data: dict[str, Any] = json.loads(_DATA.read_text(encoding="utf-8"))
    return data


class SummaryError(ValueError):
    """The summary cannot be made (no hamlet set, a period shorter than the set's)."""


@dataclass(frozen=True)
class IndicatorInfo:
    """An indicator as summaries show it."""

    code: str
    label: str
    measure: str
    stock: bool


@dataclass
class HamletStatus:
    """One hamlet's line: filed on time, late, or missing (and its figures when filed)."""

    unit_id: int
    name: str
    status: str  # "on_time", "late", "missing"
    filed: int
    expected: int
    last_submitted: dt.datetime | None
    values: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Derived:
    """A figure computed from totals, against its target; ``None`` when its inputs are missing."""

    code: str
    value: float | None
    target: float
    met: bool | None
    basis: str  # the period(s) of the reports it is built from


@dataclass
class Summary:
    """Everything a summary says, as data; rendered to text, a chart and a workbook elsewhere."""

    area_id: int
    area_name: str
    area_kind: str
    period: PeriodSpec
    deadline: dt.date
    made_at: dt.datetime
    indicators: list[IndicatorInfo]
    hamlets: list[HamletStatus]
    totals: dict[str, int | None]
    previous_totals: dict[str, int | None]
    last_year_totals: dict[str, int | None]
    derived: list[Derived]
    notes: list[str]
    history: list[tuple[PeriodSpec, dict[str, int | None]]]
    # The sentence saying the period's reports were filed with different versions of the set, else None.
    change_note: str | None = None
    # Hamlets on time that ``hamlets`` does not list one by one: a province's or a country's summary for
    # the text and chart lists only the hamlets late or missing (a country has 90,000 hamlets).
    on_time_unlisted: int = 0

    @property
    def expected(self) -> int:
        """How many hamlets are expected to report."""
        return len(self.hamlets) + self.on_time_unlisted

    @property
    def reported(self) -> int:
        """How many hamlets filed every report due in the period."""
        return sum(1 for h in self.hamlets if h.status != "missing") + self.on_time_unlisted

    def with_status(self, status: str) -> list[HamletStatus]:
        """The hamlets in ``status`` listed one by one, in their setup order (see ``on_time_unlisted``)."""
        return [h for h in self.hamlets if h.status == status]

    def count(self, status: str) -> int:
        """How many hamlets are in ``status``, listed or not."""
        return len(self.with_status(status)) + (self.on_time_unlisted if status == "on_time" else 0)


def sub_periods(period: PeriodSpec, set_kind: str) -> list[PeriodSpec]:
    """The periods of the set's kind that make up ``period`` (months of a quarter…)."""
    if PERIOD_ORDER.index(set_kind) > PERIOD_ORDER.index(period.kind):
        raise SummaryError(f"a {set_kind} set cannot be summarised per {period.kind}")
    if set_kind == period.kind:
        return [period]
    if set_kind == "month":
        return months_in(period)
    subs, day = [], period.starts_on
    while day <= period.ends_on:
        subs.append(period_of(set_kind, day))
        day = subs[-1].ends_on + dt.timedelta(days=1)
    return subs


def _is_stock(code: str, rules: dict[str, Any]) -> bool:
    over_time = rules.get("over_time")
    if over_time in ("last", "sum"):
        return bool(over_time == "last")
    return code in summary_data()["stock"]


async def indicators_of(session: AsyncSession, hamlet_set: IndicatorSet) -> list[IndicatorInfo]:
    """The countable indicators of the set, in the order the bot asks them."""
    rows = await session.scalars(
        select(Indicator)
        .where(Indicator.set_id == hamlet_set.id, Indicator.kind != "text")
        .order_by(Indicator.position)
    )
    english = current_language() == "en"
    return [
        IndicatorInfo(
            i.code, (i.label_en if english and i.label_en else i.label), i.measure, _is_stock(i.code, i.rules)
        )
        for i in rows
    ]


def _base(hamlets: Any, set_code: str, codes: list[str]) -> Any:
    """The joined FROM clause of every total: values of hamlet reports of the set, by period code."""
    return (
        select()
        .select_from(ReportValue)
        .join(Report, Report.id == ReportValue.report_id)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .join(Period, Period.id == Report.period_id)
        .where(IndicatorSet.code == set_code, Period.code.in_(codes), Report.unit_id.in_(hamlets))
    )


def _label(groups: dict[str, list[str]], column: Any) -> Any:
    """The group (its label) a report's period code (``column``) belongs to."""
    return case(*((column.in_(codes), name) for name, codes in groups.items()))


async def _period_ids(session: AsyncSession, groups: dict[str, list[str]]) -> list[int]:
    """The ids of the periods of ``groups``: filtering reports by id lets PostgreSQL find a hamlet's
    report of a month in one probe of (unit_id, period_id) instead of reading all its reports."""
    every_code = sorted({code for codes in groups.values() for code in codes})
    return list((await session.scalars(select(Period.id).where(Period.code.in_(every_code)))).all())


def _area_reports(
    hamlets: Any, set_code: str, groups: dict[str, list[str]], period_ids: list[int], many: bool = False
) -> Any:
    """The reports of ``hamlets`` of the set in the periods of ``groups``, read first and kept apart
    (MATERIALIZED on PostgreSQL): their values are then fetched by report id. Joined the other way,
    PostgreSQL matched a month's reports of a whole country to 27 million values before keeping a
    province's 20,000 (a parallel scan of every value, 6 s for the province's per-hamlet figures).

    ``many`` (a province, a country): the period's reports are read first and then kept if their
    hamlet is in the area; a country's 90,000 hamlets probed one by one read 2 million reports."""
    every_code = sorted({code for codes in groups.values() for code in codes})
    if many:
        in_period = (
            select(Report.id, Report.unit_id, Report.period_id)
            .join(IndicatorSet, IndicatorSet.id == Report.set_id)
            .where(IndicatorSet.code == set_code, Report.period_id.in_(period_ids))
            .cte("period_reports")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        return (
            select(in_period.c.id.label("id"), in_period.c.unit_id.label("unit_id"),
                   Period.code.label("period_code"), Period.starts_on.label("starts_on"))
            .join(Period, Period.id == in_period.c.period_id)
            .where(in_period.c.unit_id.in_(hamlets))
            .cte("area_reports")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
    return (
        select(Report.id.label("id"), Report.unit_id.label("unit_id"), Period.code.label("period_code"),
               Period.starts_on.label("starts_on"))
        .join(Period, Period.id == Report.period_id)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .where(IndicatorSet.code == set_code, Period.code.in_(every_code), Report.period_id.in_(period_ids),
               Report.unit_id.in_(hamlets))
        .cte("area_reports")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def _ranked(
    hamlets: Any, set_code: str, groups: dict[str, list[str]], stocks: set[str], period_ids: list[int],
    many: bool = False,
) -> Any:
    """Every value of a stock indicator of ``hamlets`` in ``groups`` (label -> period codes), ranked
    newest first per (group, hamlet, indicator), so each takes its latest month, in one scan."""
    reports = _area_reports(hamlets, set_code, groups, period_ids, many)
    label = _label(groups, reports.c.period_code)
    newest_first: Any = func.row_number().over(
        partition_by=(label, reports.c.unit_id, Indicator.code), order_by=reports.c.starts_on.desc()
    )
    if all(len(codes) == 1 for codes in groups.values()):
        # One period per group: a hamlet has one report in it, nothing to rank (and no sort to pay).
        newest_first = literal(1)
    return (
        select(label.label("grp"), reports.c.unit_id.label("unit_id"), Indicator.code.label("code"),
               ReportValue.value.label("value"), newest_first.label("rank"))
        .select_from(reports)
        .join(ReportValue, ReportValue.report_id == reports.c.id)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .where(Indicator.code.in_(stocks))
        .subquery("ranked")
    )


def _flows(
    hamlets: Any, set_code: str, groups: dict[str, list[str]], stocks: set[str], per_unit: bool, period_ids: list[int],
    many: bool = False,
) -> Any:
    """The sums of every other (flow) indicator per group (and hamlet): summed per indicator id first,
    so the millions of values of a province are never joined to their indicator one by one."""
    reports = _area_reports(hamlets, set_code, groups, period_ids, many)
    label = _label(groups, reports.c.period_code)
    keys: list[Any] = [label.label("grp"), ReportValue.indicator_id.label("indicator_id")]
    if per_unit:
        keys.append(reports.c.unit_id.label("unit_id"))
    inner = (
        select(*keys, func.sum(ReportValue.value).label("value"))
        .select_from(reports)
        .join(ReportValue, ReportValue.report_id == reports.c.id)
        # A join, not NOT IN (subquery): PostgreSQL charged that subquery to every index probe of
        # report_values and so scanned all of them instead.
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .where(Indicator.code.not_in(stocks))
        .group_by(*(key.element for key in keys))
        .subquery("flows")
    )
    outer_keys: list[Any] = [inner.c.unit_id] if per_unit else [inner.c.grp]
    return (
        select(*outer_keys, Indicator.code, func.sum(inner.c.value))
        .join(Indicator, Indicator.id == inner.c.indicator_id)
        .group_by(*outer_keys, Indicator.code)
    )


def _merge(into: dict[str, int | None], more: dict[str, int | None]) -> None:
    """Add ``more`` to ``into`` as SQL's SUM over both would: None only where every part is None."""
    for code, value in more.items():
        if code not in into or into[code] is None:
            into[code] = value
        elif value is not None:
            into[code] = (into[code] or 0) + value


def _span(subs: list[PeriodSpec]) -> PeriodSpec | None:
    """The one period that ``subs`` make up (the quarter of three months), or None if there is none."""
    if len(subs) == 1:
        return subs[0]
    for kind in PERIOD_ORDER:
        whole = period_of(kind, subs[0].starts_on)
        if whole.starts_on == subs[0].starts_on and whole.ends_on == subs[-1].ends_on:
            return whole
    return None


async def _direct_totals(
    session: AsyncSession, hamlets: Any, set_code: str, groups: dict[str, list[PeriodSpec]], stocks: set[str],
    many: bool = False,
) -> dict[str, dict[str, int | None]]:
    """Totals per group computed from every report value of ``hamlets``."""
    # A year's previous period is also its same period last year: a CASE would give each row to the
    # first group only and leave the other empty, so groups of the same periods are computed once.
    first_of: dict[tuple[str, ...], str] = {}
    for name, subs in groups.items():
        first_of.setdefault(tuple(p.code for p in subs), name)
    codes = {name: list(key) for key, name in first_of.items()}
    period_ids = await _period_ids(session, codes)
    ranked = _ranked(hamlets, set_code, codes, stocks, period_ids, many)
    stock_query = (
        select(ranked.c.grp, ranked.c.code, func.sum(ranked.c.value))
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.grp, ranked.c.code)
    )
    out: dict[str, dict[str, int | None]] = {name: {} for name in groups}
    for query in (_flows(hamlets, set_code, codes, stocks, False, period_ids, many), stock_query):
        for name, code, value in (await session.execute(query)).all():
            out[name][code] = None if value is None else int(value)
    for name, subs in groups.items():
        out[name] = dict(out[first_of[tuple(p.code for p in subs)]])
    return out


def _in_use_below(areas: list[int]) -> Any:
    """The hamlets in use directly below ``areas`` (those whose totals cannot come from ``area_totals``)."""
    return select(Unit.id).where(Unit.parent_id.in_(areas), Unit.kind == "hamlet", Unit.retired_at.is_(None))


async def grouped_totals(
    session: AsyncSession, area_id: int, set_code: str, groups: dict[str, list[PeriodSpec]], stocks: set[str],
    many: bool = False, rollup: bool = True,
) -> dict[str, dict[str, int | None]]:
    """Totals per indicator code for each group of periods (the period, the previous one, last year's).

    A province or a district (``many``) reads ``area_totals``: a few thousand rows instead of millions
    of values. Its areas with a retired hamlet (whose totals there still count it) are summed from
    their reports, as a commune always is; ``rollup=False`` sums everything from the reports."""
    spans = {name: _span(subs) for name, subs in groups.items()}
    if not (many and rollup) or any(span is None for span in spans.values()):
        return await _direct_totals(session, hamlet_ids(area_id, many=many), set_code, groups, stocks, many)
    dirty = await areas_with_retired_hamlets(session, area_id)
    out = await _direct_totals(session, _in_use_below(dirty), set_code, groups, stocks) if dirty else {
        name: {} for name in groups}
    # The previous period of a year is also its "same period last year": one code, two groups.
    by_code: dict[str, list[str]] = defaultdict(list)
    for name, span in spans.items():
        if span is not None:
            by_code[span.code].append(name)
    areas = areas_below(area_id)
    query = (
        select(AreaTotal.period_code, AreaTotal.code, func.sum(AreaTotal.total), func.sum(AreaTotal.last_total))
        .where(AreaTotal.area_id.in_(select(areas.c.id)), AreaTotal.area_id.not_in(dirty),
               AreaTotal.set_code == set_code, AreaTotal.period_code.in_(list(by_code)))
        .group_by(AreaTotal.period_code, AreaTotal.code)
    )
    found: dict[str, dict[str, int | None]] = {name: {} for name in groups}
    for period_code, code, total, last_total in (await session.execute(query)).all():
        value = last_total if code in stocks else total
        for name in by_code[period_code]:
            found[name][code] = None if value is None else int(value)
    for name in groups:
        _merge(out[name], found[name])
    return out


async def totals(
    session: AsyncSession, area_id: int, set_code: str, subs: list[PeriodSpec], stocks: set[str]
) -> dict[str, int | None]:
    """Totals per indicator code over ``subs``: flows summed, stocks from each hamlet's latest period."""
    return (await grouped_totals(session, area_id, set_code, {"p": subs}, stocks))["p"]


async def per_hamlet(
    session: AsyncSession, area_id: int, set_code: str, subs: list[PeriodSpec], stocks: set[str],
    many: bool = False, codes: list[str] | None = None,
) -> dict[int, dict[str, int | None]]:
    """Each hamlet's figures over ``subs`` (same combination rules as ``totals``).

    With ``codes`` (the set's indicator codes) each hamlet comes back as one row, its figures in
    columns: a province's 20,000 hamlets are 40,000 rows instead of 240,000, the time of the
    per-hamlet figures being mostly that of reading rows."""
    groups = {"p": [p.code for p in subs]}
    hamlets = hamlet_ids(area_id, many=many)
    period_ids = await _period_ids(session, groups)
    ranked = _ranked(hamlets, set_code, groups, stocks, period_ids, many)
    stock_query = (
        select(ranked.c.unit_id, ranked.c.code, func.sum(ranked.c.value))
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.unit_id, ranked.c.code)
    )
    flow_query = _flows(hamlets, set_code, groups, stocks, True, period_ids, many)
    out: dict[int, dict[str, int | None]] = defaultdict(dict)
    if codes:
        for query, wanted in ((flow_query, [c for c in codes if c not in stocks]),
                              (stock_query, [c for c in codes if c in stocks])):
            if wanted:
                await _read_pivoted(session, query, wanted, out)
        return out
    for query in (flow_query, stock_query):
        for unit_id, code, value in (await session.execute(query)).all():
            out[unit_id][code] = None if value is None else int(value)
    return out


async def _read_pivoted(
    session: AsyncSession, query: Any, codes: list[str], out: dict[int, dict[str, int | None]]
) -> None:
    """Read ``query`` (unit id, code, value) as one row per unit; a code absent for a unit stays absent
    (its count is 0), a None value stays None, as when read row by row."""
    rows = query.subquery("by_code")
    unit, code, value = rows.c[0], rows.c[1], rows.c[2]
    columns: list[Any] = [func.sum(case((code == c, value))) for c in codes]
    columns += [func.count(case((code == c, 1))) for c in codes]
    pivot = select(unit, *columns).group_by(unit)
    width = len(codes)
    for row in (await session.execute(pivot)).all():
        figures = out[row[0]]
        for index, c in enumerate(codes):
            if row[1 + width + index]:
                figures[c] = None if row[1 + index] is None else int(row[1 + index])


async def _direct_history(
    session: AsyncSession, hamlets: Any, set_code: str, months: list[PeriodSpec], codes: list[str]
) -> dict[str, dict[str, int | None]]:
    query = (
        _base(hamlets, set_code, [m.code for m in months])
        .add_columns(Period.code, Indicator.code, func.sum(ReportValue.value))
        .where(Indicator.code.in_(codes))
        .group_by(Period.code, Indicator.code)
    )
    found: dict[str, dict[str, int | None]] = defaultdict(dict)
    for period_code, code, value in (await session.execute(query)).all():
        found[period_code][code] = None if value is None else int(value)
    return found


async def monthly_history(
    session: AsyncSession, area_id: int, set_code: str, months: list[PeriodSpec], codes: list[str],
    many: bool = False, rollup: bool = True,
) -> list[tuple[PeriodSpec, dict[str, int | None]]]:
    """Totals of ``codes`` per month (one GROUP BY over all the months; ``area_totals`` as in
    ``grouped_totals`` for a province or a district)."""
    if not (many and rollup):
        found = await _direct_history(session, hamlet_ids(area_id, many=many), set_code, months, codes)
        return [(m, dict(found.get(m.code, {}))) for m in months]
    dirty = await areas_with_retired_hamlets(session, area_id)
    found = await _direct_history(session, _in_use_below(dirty), set_code, months, codes) if dirty else (
        defaultdict(dict))
    areas = areas_below(area_id)
    query = (
        select(AreaTotal.period_code, AreaTotal.code, func.sum(AreaTotal.total))
        .where(AreaTotal.area_id.in_(select(areas.c.id)), AreaTotal.area_id.not_in(dirty),
               AreaTotal.set_code == set_code, AreaTotal.period_code.in_([m.code for m in months]),
               AreaTotal.code.in_(codes))
        .group_by(AreaTotal.period_code, AreaTotal.code)
    )
    rolled: dict[str, dict[str, int | None]] = defaultdict(dict)
    for period_code, code, value in (await session.execute(query)).all():
        rolled[period_code][code] = None if value is None else int(value)
    out = []
    for month in months:
        values = dict(found.get(month.code, {}))
        _merge(values, rolled.get(month.code, {}))
        out.append((month, values))
    return out


async def notes_of(
    session: AsyncSession, area_id: int, set_code: str, subs: list[PeriodSpec], many: bool = False
) -> list[str]:
    """The difficulties hamlets wrote, without saying which hamlet wrote which (sorted, deduplicated)."""
    query = (
        select(Report.note)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .join(Period, Period.id == Report.period_id)
        .where(
            IndicatorSet.code == set_code,
            Period.code.in_([p.code for p in subs]),
            Report.unit_id.in_(hamlet_ids(area_id, many=many)),
            Report.note.is_not(None),
            func.length(func.trim(Report.note)) > 0,
        )
        .distinct()
        .order_by(Report.note)
        .limit(50)
    )
    return [note.strip() for note in (await session.scalars(query)).all() if note]


def _sum(values: dict[str, int | None], codes: list[str]) -> int | None:
    parts = [values.get(c) for c in codes]
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def derived_figures(
    targets: dict[str, Any], period: PeriodSpec, now_totals: dict[str, int | None],
    last_year: dict[str, int | None],
) -> list[Derived]:
    """The plan's derived figures against their targets."""
    out: list[Derived] = []
    for code, rule in targets.items():
        if "numerator" in rule:
            num, den = _sum(now_totals, rule["numerator"]), _sum(now_totals, rule["denominator"])
            value = None if num is None or not den else num / den
            target = float(rule["at_least"])
            out.append(Derived(code, value, target, None if value is None else value >= target, period.code))
        elif "vs" in rule:
            base, now_value = _sum(last_year, rule["codes"]), _sum(now_totals, rule["codes"])
            value = None if base is None or now_value is None or base == 0 else (now_value - base) / base
            target = float(rule["at_most"])
            basis = f"{period.code} / {same_last_year(period).code}"
            out.append(Derived(code, value, target, None if value is None else value <= target, basis))
    return out


async def _hamlets_with_reports(
    session: AsyncSession, area_id: int, set_code: str, subs: list[PeriodSpec],
    by_hamlet: dict[int, list[tuple[str, dt.datetime]]],
) -> list[tuple[int, str]]:
    """(id, name) of a province's or a country's hamlets in use, in setup order, and into ``by_hamlet``
    their reports of ``subs``: one query (a country's 90,000 hamlets and their reports were two).

    The periods' reports are read first, then matched to the area's hamlets (see ``_area_reports``)."""
    period_ids = await _period_ids(session, {"p": [p.code for p in subs]})
    in_period = period_reports(set_code, period_ids)
    hamlets = (
        select(Unit.id, Unit.name)
        .where(Unit.parent_id.in_(select(areas_below(area_id).c.id)), Unit.kind == "hamlet",
               Unit.retired_at.is_(None))
        .subquery("hamlets")
    )
    query = (
        select(hamlets.c.id, hamlets.c.name, Period.code, in_period.c.submitted_at)
        .select_from(hamlets)
        .outerjoin(in_period, in_period.c.unit_id == hamlets.c.id)
        .outerjoin(Period, Period.id == in_period.c.period_id)
        .order_by(hamlets.c.id)
    )
    names: list[tuple[int, str]] = []
    for unit_id, name, code, submitted_at in (await session.execute(query)).all():
        if not names or names[-1][0] != unit_id:
            names.append((unit_id, name))
        if code is not None:
            by_hamlet[unit_id].append((code, submitted_at))
    return names


async def _hamlets_not_on_time(
    session: AsyncSession, area_id: int, set_code: str, subs: list[PeriodSpec], expected_subs: list[PeriodSpec],
    deadline_ends: dict[str, dt.datetime],
) -> tuple[list[HamletStatus], int]:
    """A province's or a country's hamlets late or missing (listed) and how many are on time (counted):
    each hamlet's status worked out by one GROUP BY. A country's quarter was 255,000 hamlet-period rows
    read into Python to name the 4,000 hamlets missing; the text and chart need only those and counts."""
    period_ids: dict[str, int] = {code: pid for code, pid in (await session.execute(
        select(Period.code, Period.id).where(Period.code.in_([p.code for p in subs])))).all()}
    in_period = (
        select(Report.unit_id, Report.period_id, Report.submitted_at)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .where(IndicatorSet.code == set_code, Report.period_id.in_(list(period_ids.values())))
        .cte("period_reports")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    hamlets = (
        select(Unit.id, Unit.name)
        .where(Unit.parent_id.in_(select(areas_below(area_id).c.id)), Unit.kind == "hamlet",
               Unit.retired_at.is_(None))
        .subquery("hamlets")
    )
    due_ids = [period_ids[p.code] for p in expected_subs if p.code in period_ids]
    late_cases = [(and_(in_period.c.period_id == period_ids[code], in_period.c.submitted_at >= end), 1)
                  for code, end in deadline_ends.items() if code in period_ids]
    late: Any = func.max(case(*late_cases, else_=0)) if late_cases else literal(0)
    due_filed: Any = (func.count(func.distinct(case((in_period.c.period_id.in_(due_ids), in_period.c.period_id))))
                      if due_ids else literal(0))
    per_hamlet = (
        select(hamlets.c.id.label("id"), hamlets.c.name.label("name"),
               func.count(func.distinct(in_period.c.period_id)).label("filed"), due_filed.label("due_filed"),
               late.label("late"), func.max(in_period.c.submitted_at).label("last"))
        .select_from(hamlets)
        .outerjoin(in_period, in_period.c.unit_id == hamlets.c.id)
        .group_by(hamlets.c.id, hamlets.c.name)
        .subquery("per_hamlet")
    )
    on_time = and_(per_hamlet.c.due_filed == len(expected_subs), per_hamlet.c.late == 0)
    flagged = (
        select(per_hamlet, func.sum(case((on_time, 1), else_=0)).over().label("on_time_count"),
               case((on_time, 1), else_=0).label("on_time"))
        .subquery("flagged")
    )
    query = select(flagged).where(flagged.c.on_time == 0).order_by(flagged.c.id)
    listed: list[HamletStatus] = []
    counted: int | None = None
    for row in (await session.execute(query)).all():
        counted = int(row.on_time_count or 0)
        status = "missing" if row.due_filed < len(expected_subs) else "late"
        listed.append(HamletStatus(row.id, row.name, status, int(row.filed), len(expected_subs), row.last))
    if counted is None:
        # Nothing late or missing: every hamlet in use is on time.
        counted = int(await session.scalar(select(func.count()).select_from(hamlets)) or 0)
    return listed, counted


# More owners than this with a revised set: the area's reports are counted by version in one query.
_MAX_REVISED_OWNERS = 20


async def summary_change_note(
    session: AsyncSession, area_id: int, set_code: str, subs: list[PeriodSpec]
) -> str | None:
    """The sentence for a summary whose reports were filed with different versions of the set, else None.

    Only the reports of an owner whose set of this code has a second version can span a change, so only
    those are counted (under the owner when it is below the area, else under the area): counting a whole
    country's quarter by version took 1.6 s; with no revised set nothing is counted at all."""
    revised = list((await session.scalars(
        select(IndicatorSet.owner_id).where(IndicatorSet.code == set_code, IndicatorSet.version > 1).distinct()
    )).all())
    if not revised:
        return None
    area = await session.get(Unit, area_id)
    if area is None:
        return None
    above_area = {unit.id for unit in await ancestors(session, area)}
    scopes: set[int] = set()
    for owner_id in revised[:_MAX_REVISED_OWNERS + 1]:
        owner = await session.get(Unit, owner_id)
        if owner is None:
            continue
        if owner_id in above_area:
            scopes.add(area_id)  # a set the area inherits (or its own): its reports are the area's
        elif area_id in {unit.id for unit in await ancestors(session, owner)}:
            scopes.add(owner_id)  # a unit below the area that owns its own set
    if len(revised) > _MAX_REVISED_OWNERS or area_id in scopes:
        scopes = {area_id}
    codes = [p.code for p in subs]
    uses = [use for scope in sorted(scopes) for use in await versions_used(session, scope, codes, set_code)]
    return await change_note(session, uses) if spans_a_change(uses) else None


async def build_summary(
    session: AsyncSession, area: Unit, period: PeriodSpec, now: dt.datetime, history_months: int = 12,
    per_hamlet_values: bool = True, with_notes: bool = False, rollup: bool = True,
) -> Summary:
    """Compute the summary of ``period`` for ``area`` (a commune, or a province/district) at ``now``.

    ``per_hamlet_values`` fills each hamlet's figures (the workbook needs them; the text and chart do not).
    ``with_notes`` reads the hamlets' notes: only for a leader in a private chat who asks; a summary for
    a group is built without them, so no group message can ever hold one. ``rollup=False`` sums a
    province's totals from its reports instead of ``area_totals`` (the same figures, to compare).
    """
    hamlet_set_row = await hamlet_set(session, area)
    if hamlet_set_row is None:
        raise SummaryError(f"no hamlet indicator set for {area.name}")
    subs = sub_periods(period, hamlet_set_row.period_kind)
    indicators = await indicators_of(session, hamlet_set_row)
    stocks = {i.code for i in indicators if i.stock}
    set_code = hamlet_set_row.code
    rules = await calendar_for(session, area)
    today = local(now).date()

    # A province or a district: plans for 20,000 hamlets (``hamlet_ids``).
    many = area.kind not in ("commune", "hamlet")
    by_hamlet: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    deadline_ends = {p.code: rules.deadline_end(p) for p in subs}
    expected_subs = [p for p in subs if p.starts_on <= today] or subs[:1]
    hamlets: list[HamletStatus] = []
    on_time_unlisted = 0
    names: list[tuple[int, str]] = []
    if many and not per_hamlet_values:
        hamlets, on_time_unlisted = await _hamlets_not_on_time(
            session, area.id, set_code, subs, expected_subs, deadline_ends)
    elif many:
        names = await _hamlets_with_reports(session, area.id, set_code, subs, by_hamlet)
    else:
        for item in await filed_reports(session, area.id, set_code, subs):
            by_hamlet[item.unit_id].append((item.period_code, item.submitted_at))
        names = await hamlet_rows(session, area.id)
    values = await per_hamlet(session, area.id, set_code, subs, stocks, many,
                              [i.code for i in indicators]) if per_hamlet_values else {}
    for unit_id, name in names:
        reports = by_hamlet.get(unit_id, [])
        done = {code for code, _ in reports}
        complete = all(p.code in done for p in expected_subs)
        late = any(at >= deadline_ends[code] for code, at in reports)
        status = "missing" if not complete else ("late" if late else "on_time")
        last = max((at for _, at in reports), default=None)
        hamlets.append(HamletStatus(unit_id, name, status, len(done), len(expected_subs), last,
                                    dict(values.get(unit_id, {}))))

    kind = hamlet_set_row.period_kind
    groups = {"now": subs, "previous": sub_periods(previous(period), kind),
              "last_year": sub_periods(same_last_year(period), kind)}
    all_totals = await grouped_totals(session, area.id, set_code, groups, stocks, many, rollup)
    now_totals, prev_totals, ly_totals = all_totals["now"], all_totals["previous"], all_totals["last_year"]
    targets = dict(summary_data()["targets"])
    targets.update((area.settings or {}).get("targets") or {})
    months: list[PeriodSpec] = []
    month = period_of("month", period.ends_on)
    for _ in range(history_months):
        months.insert(0, month)
        month = previous(month)
    history = await monthly_history(session, area.id, set_code, months, list(summary_data()["chart_codes"]),
                                    many, rollup)
    return Summary(
        area_id=area.id, area_name=area.name, area_kind=area.kind, period=period,
        deadline=rules.hamlet_deadline(period) if period.kind == hamlet_set_row.period_kind
        else rules.hamlet_deadline(subs[-1]),
        made_at=now, indicators=indicators, hamlets=hamlets, totals=now_totals,
        previous_totals=prev_totals, last_year_totals=ly_totals,
        derived=derived_figures(targets, period, now_totals, ly_totals),
        notes=await notes_of(session, area.id, set_code, subs, many) if with_notes else [], history=history,
        change_note=await summary_change_note(session, area.id, set_code, subs), on_time_unlisted=on_time_unlisted,
    )

"""The commune's own report: which agency files it, and the hamlet sums it is prefilled with.

A commune indicator with ``rules = {"sum_of": "<hamlet code>"}`` is the sum of that hamlet indicator
over the month's hamlet reports of the commune; the sum is one SQL query (``hamlet_ids``). The quarterly,
six-monthly and annual reports (``report_kinds``) use the same set: they are prefilled from the
commune's own monthly reports of the period, the hamlets' sums standing in for a month not filed."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.vietnamese import fold
from storage.models import Indicator, IndicatorSet, Period, Report, ReportValue, Unit
from storage.periods import PeriodSpec, months_in
from storage.reporting_scope import hamlet_ids

# The set's unit kind: the commune police (an agency) reports it.
POLICE_KIND = "police"
# The demo data holds the default commune set and the police name prefixes.
DATA = Path(__file__).with_name("demo_commune.json")


@functools.cache
def police_names() -> tuple[str, ...]:
    """The folded name prefixes of a commune police agency ("cong an", "ca xa"…)."""
    names: list[str] = json.loads(DATA.read_text(encoding="utf-8"))["commune_set"]["police_names"]
    return tuple(names)


def names_commune_police(name: str) -> bool:
    """Tell whether an agency's name is the commune police's ("Công an xã", "CA phường"…), the one
    check every layer uses (reporting set, access, invite cards)."""
    folded = fold(name)
    return any(folded == prefix or folded.startswith(prefix + " ") for prefix in police_names())


def is_commune_police(unit: Unit) -> bool:
    """Tell whether ``unit`` is the commune police agency ("Công an xã", "CA phường"…)."""
    return unit.kind == "agency" and names_commune_police(unit.name)


@dataclass(frozen=True)
class HamletSums:
    """The hamlets' sums of one month: by hamlet code, with how many hamlets reported of how many."""

    sums: dict[str, int]
    reported: int
    expected: int
    last_filed: dt.datetime | None
    commune_months: int = 0  # a longer period: months taken from the commune's own monthly report
    hamlet_months: int = 0  # … and months taken from the hamlets' sums (no commune report that month)


async def hamlet_sums(session: AsyncSession, commune_id: int, period_code: str, codes: list[str]) -> HamletSums:
    """Sum ``codes`` over the hamlet reports of ``commune_id`` for ``period_code`` (in SQL)."""
    hamlets = hamlet_ids(commune_id, "commune_sums")
    month_reports = (
        select(Report.id, Report.unit_id, Report.updated_at)
        .join(Period, Period.id == Report.period_id)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .where(Period.code == period_code, IndicatorSet.unit_kind == "hamlet", Report.unit_id.in_(hamlets))
        .subquery()
    )
    counted = (await session.execute(
        select(func.count(func.distinct(month_reports.c.unit_id)), func.max(month_reports.c.updated_at))
    )).one()
    expected = await session.scalar(select(func.count()).select_from(hamlet_ids(commune_id, "commune_all").subquery()))
    sums: dict[str, int] = dict.fromkeys(codes, 0)
    if codes:
        rows = await session.execute(
            select(Indicator.code, func.coalesce(func.sum(ReportValue.value), 0))
            .join(ReportValue, ReportValue.indicator_id == Indicator.id)
            .join(month_reports, month_reports.c.id == ReportValue.report_id)
            .where(Indicator.code.in_(codes))
            .group_by(Indicator.code)
        )
        sums.update({code: int(total) for code, total in rows.all()})
    return HamletSums(sums=sums, reported=int(counted[0] or 0), expected=int(expected or 0), last_filed=counted[1])


def sum_sources(rules_by_code: dict[str, dict[str, object]]) -> dict[str, str]:
    """The commune code → hamlet code of each sum indicator."""
    return {code: str(rules["sum_of"]) for code, rules in rules_by_code.items() if rules.get("sum_of")}



@functools.cache
def report_kinds() -> tuple[str, ...]:
    """The period kinds the commune police report ("month", "quarter", "half", "year"), from the data."""
    kinds: list[str] = json.loads(DATA.read_text(encoding="utf-8"))["commune_set"].get("report_periods", ["month"])
    return tuple(kinds)


def is_stock(rules: dict[str, object]) -> bool:
    """Tell whether a figure is a stock (people under management now): a longer period takes its latest
    month instead of the sum of its months (the rule summaries read too)."""
    return rules.get("over_time") == "last"


async def _commune_months(session: AsyncSession, unit_id: int, set_id: int, codes: list[str]
                          ) -> dict[str, tuple[dict[str, int], dt.datetime]]:
    """The commune police's own monthly reports among the months ``codes``: values and when filed."""
    rows = await session.execute(
        select(Period.code, Indicator.code, ReportValue.value, Report.updated_at)
        .join(Report, Report.period_id == Period.id)
        .join(ReportValue, ReportValue.report_id == Report.id)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .where(Report.unit_id == unit_id, Report.set_id == set_id, Period.code.in_(codes))
    )
    found: dict[str, tuple[dict[str, int], dt.datetime]] = {}
    for month, code, value, updated_at in rows.all():
        values, _when = found.setdefault(month, ({}, updated_at))
        if value is not None:
            values[code] = int(value)
    return found


async def period_sums(session: AsyncSession, *, commune_id: int, unit_id: int, set_id: int, spec: PeriodSpec,
                      sources: dict[str, str | None], stock: set[str]) -> HamletSums:
    """Prefill the commune's report of a quarter, half year or year from its months.

    Each month counts its commune report when filed, else the hamlets' sums of that month (only the
    figures that are such sums); flows are added up, a stock figure (``stock``) takes its latest month.
    ``reported``/``expected`` count the months with figures of the months in ``spec``."""
    months = [m.code for m in months_in(spec)]
    own = await _commune_months(session, unit_id, set_id, months)
    hamlet_codes = sorted({source for source in sources.values() if source})
    by_month: list[dict[str, int]] = []
    commune_months = hamlet_months = 0
    last: dt.datetime | None = None
    for month in months:
        when: dt.datetime | None
        if month in own:
            values, when = own[month]
            by_month.append({code: values[code] for code in sources if code in values})
            commune_months += 1
        else:
            found = await hamlet_sums(session, commune_id, month, hamlet_codes)
            if not found.reported:
                continue
            by_month.append({code: found.sums.get(source, 0) for code, source in sources.items() if source})
            hamlet_months += 1
            when = found.last_filed
        if when is not None:
            last = when if last is None or _utc(when) > _utc(last) else last
    sums: dict[str, int] = {}
    for code in sources:
        seen = [values[code] for values in by_month if code in values]
        if seen:
            sums[code] = seen[-1] if code in stock else sum(seen)
    return HamletSums(sums=sums, reported=commune_months + hamlet_months, expected=len(months), last_filed=last,
                      commune_months=commune_months, hamlet_months=hamlet_months)


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive UTC times; compare both as aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@functools.cache
def period_words() -> dict[str, str]:
    """Folded words naming only a kind of period ("quy", "6 thang", "nam") → its kind, from the data."""
    words: dict[str, str] = json.loads(DATA.read_text(encoding="utf-8"))["commune_set"].get("period_words", {})
    return dict(words)

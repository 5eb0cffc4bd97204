"""The commune's own report: which agency files it, and the hamlet sums it is prefilled with.

A commune indicator with ``rules = {"sum_of": "<hamlet code>"}`` is the sum of that hamlet indicator
over the month's hamlet reports of the commune; the sum is one SQL query (``hamlet_ids``)."""

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


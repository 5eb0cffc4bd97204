"""Who is expected to report what under an area: its hamlets, their indicator set, what they filed.

Shared by the reminders and the summaries. Everything is a query over the area's subtree (a recursive
CTE, so a province with or without districts works the same), never a loop over rows in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import CTE, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IndicatorSet, Period, Report, Unit
from storage.periods import PeriodSpec


def subtree(area_id: int, name: str = "subtree") -> CTE:
    """A recursive CTE of ``area_id`` and every unit below it (columns ``id``, ``kind``)."""
    top = select(Unit.id, Unit.kind).where(Unit.id == area_id).cte(name, recursive=True)
    below = select(Unit.id, Unit.kind).join(top, Unit.parent_id == top.c.id)
    return top.union_all(below)


def hamlet_ids(area_id: int, name: str = "subtree", many: bool = False) -> Select[tuple[int]]:
    """A subquery of the ids of the hamlets in use under ``area_id`` (``name`` the CTE when used twice).

    ``many`` for a province, a district or a country: the hamlets directly below the areas of
    ``areas_below`` (never a walk of every unit), so PostgreSQL's row estimate stays near the truth.
    For a commune the CTE of its subtree is small and read as is.
    """
    # A retired hamlet (merged, dissolved) is expected to report nothing and counts in no total; its
    # reports stay in the database, attributed to it.
    if many:
        # The areas above the hamlets, then their hamlets through the (parent_id, kind) index: with a
        # country loaded, reading the kind of every unit matched 110,000 hamlets to the province's
        # 20,000 (filed reports 0.8 s for a quarter).
        areas = areas_below(area_id, name)
        return select(Unit.id).where(Unit.parent_id.in_(select(areas.c.id)), Unit.kind == "hamlet",
                                     Unit.retired_at.is_(None))
    tree = subtree(area_id, name)
    in_use = select(Unit.id).where(Unit.retired_at.is_(None))
    return select(tree.c.id).where(tree.c.kind == "hamlet", tree.c.id.in_(in_use))


# The kinds of unit that can have hamlets below them (what ``areas_below`` walks).
_UPPER_KINDS = ("country", "province", "district", "commune")


def areas_below(area_id: int, name: str = "areas") -> CTE:
    """A recursive CTE (column ``id``) of ``area_id`` and the areas under it, without their hamlets.

    What ``area_totals`` is keyed by: a national tree has 3,321 communes and 90,000 hamlets, and the
    hamlets are never walked (the index on (parent_id, kind) is read for the area kinds only)."""
    top = select(Unit.id).where(Unit.id == area_id).cte(name, recursive=True)
    below = select(Unit.id).join(top, Unit.parent_id == top.c.id).where(Unit.kind.in_(_UPPER_KINDS))
    return top.union_all(below)


async def areas_with_retired_hamlets(session: AsyncSession, area_id: int) -> list[int]:
    """The areas under ``area_id`` (itself included) that have a retired hamlet directly below them."""
    areas = areas_below(area_id)
    query = (
        select(Unit.parent_id)
        .where(Unit.kind == "hamlet", Unit.retired_at.is_not(None), Unit.parent_id.in_(select(areas.c.id)))
        .distinct()
    )
    return sorted(i for i in (await session.scalars(query)).all() if i is not None)


async def hamlet_rows(session: AsyncSession, area_id: int, many: bool = False) -> list[tuple[int, str]]:
    """(id, name) of the hamlets in use under ``area_id``, in setup order: ``area_hamlets`` without
    building 90,000 ORM objects for a country."""
    query = (
        select(Unit.id, Unit.name)
        .where(Unit.id.in_(hamlet_ids(area_id, many=many)), Unit.retired_at.is_(None))
        .order_by(Unit.id)
    )
    return [(unit_id, name) for unit_id, name in (await session.execute(query)).all()]


async def area_hamlets(session: AsyncSession, area_id: int, many: bool = False) -> list[Unit]:
    """Return the hamlets in use under ``area_id`` in the order they were set up (xóm 1, xóm 2, …)."""
    query = (
        select(Unit)
        .where(Unit.id.in_(hamlet_ids(area_id, many=many)), Unit.retired_at.is_(None))
        .order_by(Unit.id)
    )
    return list((await session.scalars(query)).all())


async def ancestors(session: AsyncSession, unit: Unit) -> list[Unit]:
    """Return ``unit`` and the areas above it, nearest first."""
    chain = [unit]
    while chain[-1].parent_id is not None and len(chain) < 10:
        parent = await session.get(Unit, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
    return chain


async def hamlet_set(session: AsyncSession, area: Unit) -> IndicatorSet | None:
    """Return the indicator set hamlets of ``area`` report: the latest version of the nearest owner's
    (a commune's own, else the one it inherits from its province), monthly first; for a province or
    district without a set of its own, the one its communes configured (they share a code)."""
    chain = await ancestors(session, area)
    # Every version of the chain's few sets, newest first: cheaper than asking SQL for the newest of each.
    owned = list((await session.scalars(
        select(IndicatorSet)
        .where(IndicatorSet.owner_id.in_([u.id for u in chain]), IndicatorSet.unit_kind == "hamlet")
        .order_by((IndicatorSet.period_kind != "month"), IndicatorSet.code, IndicatorSet.version.desc())
    )).all())
    for owner in chain:
        found = next((s for s in owned if s.owner_id == owner.id), None)
        if found is not None:
            return found
    if area.kind in ("commune", "hamlet"):
        return None
    # The first commune's (lowest id) newest version.
    communes_set: IndicatorSet | None = await session.scalar(
        select(IndicatorSet)
        .where(IndicatorSet.unit_kind == "hamlet", IndicatorSet.owner_id.in_(select(subtree(area.id).c.id)))
        .order_by((IndicatorSet.period_kind != "month"), IndicatorSet.owner_id, IndicatorSet.code,
                  IndicatorSet.version.desc())
        .limit(1)
    )
    return communes_set


async def commune_of(session: AsyncSession, unit: Unit) -> Unit | None:
    """Return the commune ``unit`` belongs to (itself when it is one)."""
    for item in await ancestors(session, unit):
        if item.kind == "commune":
            return item
    return None


@dataclass(frozen=True)
class Filed:
    """One hamlet's report of one period: when it came in."""

    unit_id: int
    period_code: str
    submitted_at: dt.datetime


def period_reports(set_code: str, period_ids: list[int]) -> CTE:
    """The reports of a set's periods (unit, period, when filed), read once before they are matched to an
    area's hamlets: probing a country's 90,000 hamlets one by one read all their 2 million reports."""
    return (
        select(Report.unit_id, Report.period_id, Report.submitted_at)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .where(IndicatorSet.code == set_code, Report.period_id.in_(period_ids))
        .cte("period_reports")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


async def filed_reports(
    session: AsyncSession, area_id: int, set_code: str, periods: list[PeriodSpec], many: bool = False
) -> list[Filed]:
    """Return the hamlet reports filed under ``area_id`` for ``periods`` (sets matched by code)."""
    if not periods:
        return []
    codes = [p.code for p in periods]
    # By id: a hamlet's report of the period is then one probe of (unit_id, period_id).
    period_ids = list((await session.scalars(select(Period.id).where(Period.code.in_(codes)))).all())
    if many:
        # A province or a country: the period's reports first, then those of the area's hamlets (a
        # country's 90,000 hamlets probed one by one read all their 2 million reports: 3.3 s).
        in_period = period_reports(set_code, period_ids)
        query = (
            select(in_period.c.unit_id, Period.code, in_period.c.submitted_at)
            .join(Period, Period.id == in_period.c.period_id)
            .where(in_period.c.unit_id.in_(hamlet_ids(area_id, many=True)))
        )
    else:
        query = (
            select(Report.unit_id, Period.code, Report.submitted_at)
            .join(Period, Period.id == Report.period_id)
            .join(IndicatorSet, IndicatorSet.id == Report.set_id)
            .where(Period.code.in_(codes), Report.period_id.in_(period_ids), IndicatorSet.code == set_code,
                   Report.unit_id.in_(hamlet_ids(area_id)))
        )
    return [Filed(unit_id, code, at) for unit_id, code, at in (await session.execute(query)).all()]


"""A province's summary of its communes' own reports (the commune police's report), computed in SQL.

A province has a few hundred communes, each with one police report a month of about twenty figures:
the figures are grouped per commune and indicator in the database (flows summed over the period's
months, stocks from each commune's latest month), the rest is arithmetic on those few rows. Which
commune's report is in, late or missing follows the province's calendar (``commune_deadline``); the
officer to call for a missing report is the commune police's registered officer (a user of the bot,
never a person under management). Rates per 1,000 residents follow Quyết định 28/2025/QĐ-TTg, whose
criteria are shares of the resident population.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.summaries import (
    PERIOD_ORDER,
    Derived,
    IndicatorInfo,
    derived_figures,
    indicators_of,
    sub_periods,
    summary_change_note,
    summary_data,
)
from storage.calendar import at_local, calendar_for
from storage.commune_report import POLICE_KIND, police_names
from storage.models import Identity, Indicator, IndicatorSet, Membership, Period, Person, Report, ReportValue, Unit
from storage.periods import PeriodSpec, period_of, same_last_year
from storage.reporting_scope import subtree

# Quyết định 28/2025/QĐ-TTg, type I criteria as shares of the residents: addicts and users under
# management ≥ 0.5 %, drug offenders arrested ≥ 0.1 %.
USERS_CODES = ("nghien", "su_dung")
OFFENDERS_CODE = "doi_tuong"
USERS_PER_1000 = 5.0
OFFENDERS_PER_1000 = 1.0
FURTHEST = 5
POLICE_ROLES = ("officer", "admin")


class ProvinceSummaryError(ValueError):
    """The province summary cannot be made (no commune report set under the area)."""


@dataclass(frozen=True)
class Officer:
    """Someone of the commune police to call about a missing report: their name and how to reach them."""

    name: str
    contact: str  # what is stored to reach them: a Telegram link or the messenger's name
    phone: str | None = None  # the work mobile they gave with /sdt: what a leader on any messenger can call


@dataclass
class CommuneLine:
    """One commune: its report's status, its figures, its residents and whom to call."""

    unit_id: int
    name: str
    status: str  # "on_time", "late", "missing"
    submitted_at: dt.datetime | None
    population: int | None
    values: dict[str, int | None] = field(default_factory=dict)
    officers: list[Officer] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)
    shortfall: float = 0.0  # how far from its targets (0 when every target is met or unknown)

    def per_1000(self, codes: tuple[str, ...]) -> float | None:
        """The sum of ``codes`` per 1,000 residents (``None`` without a population or a figure)."""
        return per_1000(self.values, codes, self.population)


@dataclass
class ProvinceSummary:
    """Everything the province summary says, as data; rendered to text, a chart and a workbook elsewhere."""

    area_id: int
    area_name: str
    period: PeriodSpec
    deadline: dt.date
    overdue: bool  # the deadline has passed: a missing report is late
    made_at: dt.datetime
    set_code: str
    indicators: list[IndicatorInfo]
    communes: list[CommuneLine]
    totals: dict[str, int | None]
    last_year_totals: dict[str, int | None]
    derived: list[Derived]
    population: int  # residents of the communes whose population is known
    population_totals: dict[str, int | None]  # totals over those communes only, for the rates
    # The sentence saying the period's reports were filed with different versions of the set, else None.
    change_note: str | None = None

    def with_status(self, status: str) -> list[CommuneLine]:
        """The communes in ``status``, in their setup order."""
        return [c for c in self.communes if c.status == status]

    @property
    def reported(self) -> int:
        """How many communes filed their report."""
        return sum(1 for c in self.communes if c.status != "missing")

    def furthest(self, count: int = FURTHEST) -> list[CommuneLine]:
        """The communes furthest from their targets, furthest first (only those that miss one)."""
        behind = [c for c in self.communes if c.shortfall > 0]
        return sorted(behind, key=lambda c: (-c.shortfall, c.unit_id))[:count]

    def rate(self, codes: tuple[str, ...]) -> float | None:
        """The province's sum of ``codes`` per 1,000 residents, over the communes with a known population."""
        return per_1000(self.population_totals, codes, self.population or None)

    def over_threshold(self, codes: tuple[str, ...], threshold: float) -> list[CommuneLine]:
        """The communes at or over ``threshold`` per 1,000 residents for ``codes``."""
        return [c for c in self.communes if (r := c.per_1000(codes)) is not None and r >= threshold]


def per_1000(values: dict[str, int | None], codes: tuple[str, ...], population: int | None) -> float | None:
    """``codes`` summed per 1,000 of ``population`` (``None`` when a figure or the population is missing)."""
    parts = [values.get(code) for code in codes]
    if not population or any(p is None for p in parts):
        return None
    return sum(p for p in parts if p is not None) * 1000 / population


def shortfall(items: list[Derived]) -> float:
    """How far figures are from their targets, summed (a ratio short of 45 % by 10 points counts 0.10)."""
    total = 0.0
    for item in items:
        if item.value is None or item.met is not False:
            continue
        total += abs(item.value - item.target)
    return total


def _communes(area_id: int) -> Any:
    """The communes in use under ``area_id`` (any depth: old plans have districts)."""
    tree = subtree(area_id, "province_tree")
    return select(Unit.id).where(Unit.id.in_(select(tree.c.id)), Unit.kind == "commune", Unit.retired_at.is_(None))


async def police_agencies(session: AsyncSession, area_id: int) -> dict[int, int]:
    """Each commune police agency under ``area_id`` (found by its folded name) → its commune: one query, one
    row a commune. The figures are then read by these ids, so the planner never joins the area's tree
    (PostgreSQL guesses a recursive CTE's size badly: nested loops over every report)."""
    named = or_(*(or_(Unit.folded_name == prefix, Unit.folded_name.like(prefix + " %")) for prefix in police_names()))
    rows = await session.execute(
        select(Unit.id, Unit.parent_id)
        .where(Unit.kind == "agency", Unit.parent_id.in_(_communes(area_id)), Unit.retired_at.is_(None), named)
    )
    return {agency_id: commune_id for agency_id, commune_id in rows.all() if commune_id is not None}


async def police_set(session: AsyncSession, area_id: int, kind: str = "month") -> IndicatorSet | None:
    """The commune police's set of ``kind`` configured under the area (the communes share its code), else
    their monthly set, whose months make up a longer period."""
    found: IndicatorSet | None = await session.scalar(
        select(IndicatorSet)
        .where(IndicatorSet.unit_kind == POLICE_KIND, IndicatorSet.owner_id.in_(select(subtree(area_id).c.id)),
               IndicatorSet.period_kind.in_((kind, "month")))
        .order_by((IndicatorSet.period_kind != kind), IndicatorSet.id)
        .limit(1)
    )
    return found


async def commune_figures(
    session: AsyncSession, agencies: dict[int, int], set_code: str, subs: list[PeriodSpec], stocks: set[str]
) -> dict[int, dict[str, int | None]]:
    """Each commune's figures over ``subs``: flows summed, stocks from the commune's latest month (two queries,
    grouped by the police agency that filed them; ``agencies`` maps each to its commune)."""
    if not agencies:
        return {}
    base = (
        select()
        .select_from(ReportValue)
        .join(Report, Report.id == ReportValue.report_id)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .join(Period, Period.id == Report.period_id)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .where(IndicatorSet.code == set_code, Period.code.in_([p.code for p in subs]),
               Report.unit_id.in_(list(agencies)))
    )
    flows = (
        base.add_columns(Report.unit_id, Indicator.code, func.sum(ReportValue.value))
        .where(Indicator.code.not_in(stocks) if stocks else Indicator.code.is_not(None))
        .group_by(Report.unit_id, Indicator.code)
    )
    out: dict[int, dict[str, int | None]] = defaultdict(dict)
    for agency_id, code, value in (await session.execute(flows)).all():
        out[agencies[agency_id]][code] = None if value is None else int(value)
    if stocks:
        newest: Any = func.row_number().over(
            partition_by=(Report.unit_id, Indicator.code), order_by=Period.starts_on.desc()
        )
        if len(subs) == 1:
            newest = literal(1)  # one month: one report per commune, nothing to rank (and no sort to pay)
        ranked = (
            base.add_columns(Report.unit_id.label("agency_id"), Indicator.code.label("code"),
                             ReportValue.value.label("value"), newest.label("rank"))
            .where(Indicator.code.in_(stocks))
            .subquery("ranked")
        )
        latest = select(ranked.c.agency_id, ranked.c.code, ranked.c.value).where(ranked.c.rank == 1)
        for agency_id, code, value in (await session.execute(latest)).all():
            out[agencies[agency_id]][code] = None if value is None else int(value)
    return out


async def _filed(
    session: AsyncSession, agencies: dict[int, int], set_code: str, subs: list[PeriodSpec]
) -> dict[int, list[tuple[str, dt.datetime]]]:
    """Each commune's reports of ``subs``: (period code, when filed)."""
    out: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    if not agencies:
        return out
    query = (
        select(Report.unit_id, Period.code, Report.submitted_at)
        .join(IndicatorSet, IndicatorSet.id == Report.set_id)
        .join(Period, Period.id == Report.period_id)
        .where(IndicatorSet.code == set_code, Period.code.in_([p.code for p in subs]),
               Report.unit_id.in_(list(agencies)))
    )
    for agency_id, code, at in (await session.execute(query)).all():
        out[agencies[agency_id]].append((code, at))
    return out


async def _populations(session: AsyncSession, area_id: int) -> dict[int, int]:
    """Each commune's residents: its own figure, else the sum of its hamlets' where any is known."""
    own = await session.execute(select(Unit.id, Unit.population).where(Unit.id.in_(_communes(area_id)),
                                                                        Unit.population.is_not(None)))
    out = {unit_id: int(pop) for unit_id, pop in own.all() if pop}
    hamlets = await session.execute(
        select(Unit.parent_id, func.sum(Unit.population))
        .where(Unit.parent_id.in_(_communes(area_id)), Unit.kind == "hamlet", Unit.retired_at.is_(None),
               Unit.population.is_not(None))
        .group_by(Unit.parent_id)
    )
    for commune_id, pop in hamlets.all():
        if commune_id not in out and pop:
            out[commune_id] = int(pop)
    return out


async def officers_of(session: AsyncSession, agencies: dict[int, int], commune_ids: list[int]
                      ) -> dict[int, list[Officer]]:
    """The commune police's registered officers (and admins) of ``commune_ids``: name, messenger and phone."""
    wanted = set(commune_ids)
    ids = [agency_id for agency_id, commune_id in agencies.items() if commune_id in wanted]
    if not ids:
        return {}
    query = (
        select(Membership.unit_id, Person.id, Person.display_name, Person.phone, Identity.transport,
               Identity.external_id)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(Identity, Identity.person_id == Person.id)
        .where(Membership.unit_id.in_(ids), Membership.role.in_(POLICE_ROLES))
        .order_by(Membership.unit_id, Membership.role.desc(), Person.id, Identity.id)
    )
    out: dict[int, list[Officer]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for agency_id, person_id, name, phone, transport, external_id in (await session.execute(query)).all():
        commune_id = agencies[agency_id]
        if (commune_id, person_id) in seen:
            continue  # one line a person, by their first messenger
        seen.add((commune_id, person_id))
        contact = f"tg://user?id={external_id}" if transport == "telegram" else (transport or "").capitalize()
        out[commune_id].append(Officer(name or "?", contact, phone))
    for found in out.values():
        found.sort(key=lambda officer: officer.phone is None)  # stable: one with a phone first, to be called
    return out


def _sum(rows: list[dict[str, int | None]], codes: list[str]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for code in codes:
        found = [row[code] for row in rows if row.get(code) is not None]
        out[code] = sum(v for v in found if v is not None) if found else None
    return out


def covering(period: PeriodSpec) -> list[PeriodSpec]:
    """``period`` and the longer periods that end with it: the commune police file only the longest report of
    periods ending the same day (the year's report stands for the fourth quarter's and the second half's)."""
    longer = [period_of(kind, period.ends_on) for kind in PERIOD_ORDER[PERIOD_ORDER.index(period.kind) + 1:]]
    return [period, *(p for p in longer if p.ends_on == period.ends_on)]


async def _figures(
    session: AsyncSession, agencies: dict[int, int], set_code: str, period: PeriodSpec, set_kind: str,
    stocks: set[str],
) -> dict[int, dict[str, int | None]]:
    """Each commune's figures of ``period``: its own report of the period where filed (a quarter's report),
    else its reports of the set's periods inside it combined (the months: flows summed, stocks the latest)."""
    subs = sub_periods(period, set_kind)
    combined = await commune_figures(session, agencies, set_code, subs, stocks)
    if subs == [period]:
        return combined
    own = await commune_figures(session, agencies, set_code, [period], stocks)
    return {**combined, **own}


async def build_province_summary(
    session: AsyncSession, area: Unit, period: PeriodSpec, now: dt.datetime
) -> ProvinceSummary:
    """Compute the summary of ``period`` for the province (or district) ``area`` from its communes' reports.

    A commune has reported a month when its police filed that month's report; a quarter, half year or year
    when they filed that period's report (or the longer one that ends with it), late when filed after the
    period's commune deadline. The figures come from that report, else from the months it is made of.
    """
    set_row = await police_set(session, area.id, period.kind)
    if set_row is None:
        raise ProvinceSummaryError(f"no commune report set under {area.name}")
    sub_periods(period, set_row.period_kind)  # a period shorter than the set's is refused here
    indicators = await indicators_of(session, set_row)
    stocks = {i.code for i in indicators if i.stock}
    codes = [i.code for i in indicators]
    rules = await calendar_for(session, area)
    deadline = rules.commune_deadline(period)
    counted = covering(period)
    late_from = {p.code: _end_of(rules.commune_deadline(p)) for p in counted}

    communes = list((await session.execute(
        select(Unit.id, Unit.name).where(Unit.id.in_(_communes(area.id))).order_by(Unit.id)
    )).all())
    agencies = await police_agencies(session, area.id)
    filed = await _filed(session, agencies, set_row.code, counted)
    values = await _figures(session, agencies, set_row.code, period, set_row.period_kind, stocks)
    last_year = await _figures(session, agencies, set_row.code, same_last_year(period), set_row.period_kind,
                               stocks)
    populations = await _populations(session, area.id)
    targets = dict(summary_data()["targets"])
    targets.update((area.settings or {}).get("targets") or {})

    lines: list[CommuneLine] = []
    for commune_id, name in communes:
        reports = dict(filed.get(commune_id, []))
        # The period's own report first, else the longer one that stands for it.
        found = next((p.code for p in counted if p.code in reports), None)
        at = reports.get(found) if found is not None else None
        status = "missing" if at is None else ("late" if at >= late_from[found or period.code] else "on_time")
        own = dict(values.get(commune_id, {}))
        derived = derived_figures(targets, period, own, last_year.get(commune_id, {})) if own else []
        lines.append(CommuneLine(
            unit_id=commune_id, name=name, status=status, submitted_at=at,
            population=populations.get(commune_id), values=own, derived=derived, shortfall=shortfall(derived),
        ))
    # Whom to call: only for the communes whose report is missing (a few rows, never every commune's staff).
    missing_ids = [line.unit_id for line in lines if line.status == "missing"]
    officers = await officers_of(session, agencies, missing_ids)
    for line in lines:
        line.officers = officers.get(line.unit_id, [])

    totals = _sum([line.values for line in lines], codes)
    ly_totals = _sum(list(last_year.values()), codes)
    with_population = [line for line in lines if line.population]
    return ProvinceSummary(
        area_id=area.id, area_name=area.name, period=period, deadline=deadline,
        overdue=now >= _end_of(deadline), made_at=now, set_code=set_row.code, indicators=indicators,
        communes=lines, totals=totals, last_year_totals=ly_totals,
        derived=derived_figures(targets, period, totals, ly_totals),
        population=sum(line.population or 0 for line in with_population),
        population_totals=_sum([line.values for line in with_population], codes),
        change_note=await summary_change_note(
            session, area.id, set_row.code, [*counted, *sub_periods(period, set_row.period_kind)]),
    )


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in Vietnam time: a report filed from then on is late."""
    return at_local(day + dt.timedelta(days=1), dt.time(0, 0))

"""Reports: the indicator set a unit fills in, previous and latest reports, and saving with revisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.commune_report import POLICE_KIND, is_commune_police
from storage.indicator_sets import current_set
from storage.models import Indicator, IndicatorSet, Period, Report, ReportRevision, ReportValue, Unit
from storage.periods import PeriodSpec, get_or_create_period
from storage.reporting_scope import ancestors
from storage.rollups import refresh_for_report

NOTE_CODE = "ghi_chu"


@dataclass(frozen=True)
class IndicatorView:
    """What the dialog needs to know of one indicator."""

    id: int
    code: str
    label: str
    question: str
    measure: str
    kind: str
    required: bool
    rules: dict[str, Any]


@dataclass(frozen=True)
class ReportView:
    """A stored report as read back: period, when, who, values by code, note."""

    id: int
    unit_id: int
    period_code: str
    revision: int
    submitted_at: dt.datetime
    updated_at: dt.datetime
    values: dict[str, int | None]
    note: str | None
    # The version of the set it was filed with: read it back with that version's labels and questions.
    set_id: int = 0


@dataclass(frozen=True)
class SaveOutcome:
    """What saving did: the new revision and, for a correction, each changed value (old, new)."""

    report_id: int
    revision: int
    corrected: bool
    saved_at: dt.datetime
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)


async def indicator_set_for(session: AsyncSession, unit: Unit) -> tuple[IndicatorSet, list[IndicatorView]] | None:
    """Return the set a unit reports, with its indicators: the latest version of the set its commune
    configured for its kind, else the one the nearest area above (the province) configured."""
    chain = await ancestors(session, unit)
    commune_at = next((i for i, u in enumerate(chain) if u.kind == "commune"), None)
    if commune_at is None:
        return None
    unit_kind = POLICE_KIND if is_commune_police(unit) else unit.kind
    indicator_set = await current_set(session, chain[commune_at:], unit_kind)
    if indicator_set is None:
        return None
    return indicator_set, await set_definition(session, indicator_set.id)


async def set_definition(session: AsyncSession, set_id: int) -> list[IndicatorView]:
    """The indicators of one version of a set, in order: a report is read with the version it was filed with."""
    indicators = (
        await session.execute(select(Indicator).where(Indicator.set_id == set_id).order_by(Indicator.position))
    ).scalars()
    return [
        IndicatorView(id=i.id, code=i.code, label=i.label, question=i.question, measure=i.measure,
                      kind=i.kind, required=i.required, rules=dict(i.rules or {}))
        for i in indicators
    ]


async def _values(session: AsyncSession, report_id: int) -> dict[str, int | None]:
    rows = await session.execute(
        select(Indicator.code, ReportValue.value)
        .join(ReportValue, ReportValue.indicator_id == Indicator.id)
        .where(ReportValue.report_id == report_id)
    )
    return {code: value for code, value in rows.all()}


def _view(report: Report, period_code: str, values: dict[str, int | None]) -> ReportView:
    return ReportView(id=report.id, unit_id=report.unit_id, period_code=period_code,
                      revision=report.revision, submitted_at=report.submitted_at,
                      updated_at=report.updated_at, values=values, note=report.note, set_id=report.set_id)


def _versions_of(set_id: int) -> Select[tuple[int]]:
    """The ids of every version of the set ``set_id`` is one version of (same owner, same code)."""
    one = select(IndicatorSet.owner_id, IndicatorSet.code).where(IndicatorSet.id == set_id).subquery()
    return select(IndicatorSet.id).join(one, (IndicatorSet.owner_id == one.c.owner_id)
                                        & (IndicatorSet.code == one.c.code))


async def report_for(session: AsyncSession, unit_id: int, set_id: int, period_code: str) -> ReportView | None:
    """Return the report of a unit for a period, if filed (with any version of the set ``set_id``)."""
    row = (
        await session.execute(
            select(Report)
            .join(Period, Period.id == Report.period_id)
            .where(Report.unit_id == unit_id, Report.set_id.in_(_versions_of(set_id)), Period.code == period_code)
            .order_by(Report.updated_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return _view(row, period_code, await _values(session, row.id))


async def latest_report(session: AsyncSession, unit_id: int, before: str | None = None) -> ReportView | None:
    """Return the unit's report of the latest period (strictly before ``before`` when given)."""
    statement = (
        select(Report, Period.code)
        .join(Period, Period.id == Report.period_id)
        .where(Report.unit_id == unit_id, Period.kind == "month")
        .order_by(Period.starts_on.desc())
        .limit(1)
    )
    if before is not None:
        statement = statement.where(Period.code < before)
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    report, code = row
    return _view(report, code, await _values(session, report.id))


async def save_report(
    session: AsyncSession,
    *,
    unit_id: int,
    set_id: int,
    period: PeriodSpec,
    values: dict[str, int | None],
    note: str | None,
    person_id: int | None,
    now: dt.datetime,
    reasons: dict[str, str] | None = None,
) -> SaveOutcome:
    """Store a report; filing the same unit and period again keeps the old state as a revision.

    ``reasons`` holds, by code, why a figure differs from the hamlets' sum (the commune's report)."""
    why = reasons or {}
    period_row = await get_or_create_period(session, period)
    indicator_ids: dict[str, int] = {
        code: indicator_id
        for code, indicator_id in (
            await session.execute(select(Indicator.code, Indicator.id).where(Indicator.set_id == set_id))
        ).all()
    }
    report = (
        await session.execute(
            select(Report)
            .where(Report.unit_id == unit_id, Report.set_id.in_(_versions_of(set_id)),
                   Report.period_id == period_row.id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if report is None:
        report = Report(unit_id=unit_id, set_id=set_id, period_id=period_row.id, revision=1,
                        submitted_by=person_id, submitted_at=now, updated_at=now, note=note)
        session.add(report)
        await session.flush()
        session.add_all(
            ReportValue(report_id=report.id, indicator_id=indicator_ids[code], value=value, reason=why.get(code))
            for code, value in values.items()
            if code in indicator_ids
        )
        await session.flush()
        await refresh_for_report(session, unit_id, set_id, period)
        return SaveOutcome(report_id=report.id, revision=1, corrected=False, saved_at=now)
    old_values = await _values(session, report.id)
    changes: dict[str, tuple[object, object]] = {
        code: (old_values.get(code), value) for code, value in values.items() if old_values.get(code) != value
    }
    if (report.note or None) != (note or None):
        changes[NOTE_CODE] = (report.note, note)
    session.add(
        ReportRevision(
            report_id=report.id, revision=report.revision, changed_by=person_id, changed_at=now,
            snapshot={"values": old_values, "note": report.note, "submitted_by": report.submitted_by,
                      "changes": {k: [v[0], v[1]] for k, v in changes.items()}},
        )
    )
    if report.set_id != set_id:
        # A correction after the set changed is filed with the new version; the state it replaces stays
        # in the revision above (values by code), and the old version's indicators are not touched.
        report.set_id = set_id
        await session.execute(delete(ReportValue).where(ReportValue.report_id == report.id))
    existing = {
        row.indicator_id: row
        for row in (await session.execute(select(ReportValue).where(ReportValue.report_id == report.id))).scalars()
    }
    for code, value in values.items():
        indicator_id = indicator_ids.get(code)
        if indicator_id is None:
            continue
        if indicator_id in existing:
            existing[indicator_id].value = value
            existing[indicator_id].reason = why.get(code)
        else:
            session.add(ReportValue(report_id=report.id, indicator_id=indicator_id, value=value,
                                    reason=why.get(code)))
    report.revision += 1
    report.note = note
    report.updated_at = now
    report.submitted_by = person_id
    await session.flush()
    await refresh_for_report(session, unit_id, set_id, period)
    return SaveOutcome(report_id=report.id, revision=report.revision, corrected=True, saved_at=now,
                       changes=changes)


async def revisions_of(session: AsyncSession, report_id: int) -> list[ReportRevision]:
    """Return every superseded state of a report, oldest first."""
    return list(
        (
            await session.execute(
                select(ReportRevision).where(ReportRevision.report_id == report_id).order_by(ReportRevision.revision)
            )
        ).scalars()
    )

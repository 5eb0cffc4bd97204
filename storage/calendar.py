"""Deadlines, reminder days and quiet hours of the reporting periods (``storage.periods``).

The rules come from the commune's ``Unit.settings["calendar"]`` and default to domain.md: hamlets
report monthly by the 25th and 5 days before each commune deadline (the commune's month: the 30th, or the
month's last day); the commune's quarterly report is
due by the 15th of the quarter's last month, the half-year report by 15/6, the annual one by 15/12.
Deadlines are local dates (Asia/Ho_Chi_Minh): a report is on time when filed by the end of that day.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import _
from storage.models.plans import Plan, PlanDeadline
from storage.models.units import Unit

# Vietnam time is where periods begin and end; the calendar speaks it too (and callers import it here).
from storage.periods import TZ as TZ
from storage.periods import PeriodSpec


def local(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` (timezone-aware) in Vietnam time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(TZ)


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    """Return the aware moment of ``time`` on ``day`` in Vietnam time."""
    return dt.datetime.combine(day, time, tzinfo=TZ)


def _hhmm(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _day_month(text: str) -> tuple[int, int]:
    day, month = text.split("/")
    return int(day), int(month)


@dataclass(frozen=True)
class CalendarRules:
    """The calendar of one commune: deadlines, reminder days and times, quiet hours."""

    hamlet_month_day: int = 25
    hamlet_days_before_commune: int = 5
    quarter_day: int = 15
    half_deadline: str = "15/6"
    year_deadline: str = "15/12"
    remind_days_before: tuple[int, ...] = (3, 1)
    remind_days_after: int = 5
    remind_time: str = "08:00"
    summary_time: str = "08:00"
    quiet_start: str = "21:00"
    quiet_end: str = "07:00"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> CalendarRules:
        """Read ``settings["calendar"]`` of a commune; missing keys keep the domain defaults."""
        raw = dict((settings or {}).get("calendar") or {})
        known = {name for name in cls.__dataclass_fields__ if name != "extra"}
        values: dict[str, Any] = {key: raw.pop(key) for key in list(raw) if key in known}
        if "remind_days_before" in values:
            values["remind_days_before"] = tuple(int(d) for d in values["remind_days_before"])
        return cls(**values, extra=raw)

    def commune_deadline(self, spec: PeriodSpec) -> dt.date:
        """When the commune's own report of ``spec`` is due upward."""
        if spec.kind == "month":
            # The commune sums its hamlets' month, so it is due after them (domain: hamlets report
            # earlier), within the month: 25 + 5 = the 30th, the 28th of February.
            last = _cal.monthrange(spec.year, spec.number)[1]
            return min(self.hamlet_deadline(spec) + dt.timedelta(days=self.hamlet_days_before_commune),
                       dt.date(spec.year, spec.number, last))
        if spec.kind == "quarter":
            return dt.date(spec.year, 3 * spec.number, self.quarter_day)
        if spec.kind == "half" and spec.number == 1:
            day, month = _day_month(self.half_deadline)
            return dt.date(spec.year, month, day)
        day, month = _day_month(self.year_deadline)
        return dt.date(spec.year, month, day)

    def hamlet_deadline(self, spec: PeriodSpec) -> dt.date:
        """When hamlets' reports of ``spec`` are due at the commune."""
        if spec.kind == "month":
            last = _cal.monthrange(spec.year, spec.number)[1]
            return dt.date(spec.year, spec.number, min(self.hamlet_month_day, last))
        return self.commune_deadline(spec) - dt.timedelta(days=self.hamlet_days_before_commune)

    def reminder_days(self, spec: PeriodSpec) -> list[dt.date]:
        """Days a missing hamlet is reminded: before the deadline, on it, then daily up to a limit."""
        deadline = self.hamlet_deadline(spec)
        before = [deadline - dt.timedelta(days=d) for d in sorted(set(self.remind_days_before), reverse=True)]
        after = [deadline + dt.timedelta(days=d) for d in range(0, self.remind_days_after + 1)]
        return [d for d in before if d >= spec.starts_on] + after

    def is_quiet(self, moment: dt.datetime) -> bool:
        """Tell whether ``moment`` falls in the quiet hours (default 21:00–07:00 Vietnam time)."""
        now = local(moment).time()
        start, end = _hhmm(self.quiet_start), _hhmm(self.quiet_end)
        if start <= end:
            return start <= now < end
        return now >= start or now < end

    def remind_moment(self, day: dt.date) -> dt.datetime:
        """The moment reminders of ``day`` become due."""
        return at_local(day, _hhmm(self.remind_time))

    def summary_moment(self, day: dt.date) -> dt.datetime:
        """The moment summaries of ``day`` become due."""
        return at_local(day, _hhmm(self.summary_time))

    def deadline_end(self, spec: PeriodSpec) -> dt.datetime:
        """The first moment a hamlet's report of ``spec`` counts as late."""
        return at_local(self.hamlet_deadline(spec) + dt.timedelta(days=1), dt.time(0, 0))


_DAY_MONTH = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})")
_LEADING_DAY = re.compile(r"^\s*(\d{1,2})\b")


def _plan_overrides(deadlines: list[tuple[str, str]]) -> dict[str, Any]:
    """Calendar keys stated by plans' deadlines ``(kind, due)``, the first plan listed winning."""
    out: dict[str, Any] = {}
    for kind, due in deadlines:
        day_month = _DAY_MONTH.search(due)
        if kind == "half" and day_month and "half_deadline" not in out:
            out["half_deadline"] = f"{int(day_month.group(1))}/{int(day_month.group(2))}"
        elif kind == "year" and day_month and "year_deadline" not in out:
            out["year_deadline"] = f"{int(day_month.group(1))}/{int(day_month.group(2))}"
        elif kind == "quarter" and "quarter_day" not in out:
            leading = _LEADING_DAY.match(due)
            if leading and 1 <= int(leading.group(1)) <= 28:
                out["quarter_day"] = int(leading.group(1))
    return out


async def calendar_for(session: AsyncSession, area: Unit) -> CalendarRules:
    """The calendar of ``area``: domain defaults, then its and its parents' plans, then its own settings."""
    chain: list[int] = []
    current: Unit | None = area
    while current is not None and len(chain) < 10:
        chain.append(current.id)
        current = await session.get(Unit, current.parent_id) if current.parent_id is not None else None
    query = (
        select(PlanDeadline.kind, PlanDeadline.due, Plan.area_id)
        .join(Plan, Plan.id == PlanDeadline.plan_id)
        .where(Plan.area_id.in_(chain), PlanDeadline.kind.in_(("quarter", "half", "year")))
        .order_by(Plan.issued_on.desc().nulls_last(), Plan.id.desc())
    )
    rows = (await session.execute(query)).all()
    # The nearest area's plans first (a commune's own plan over its province's).
    rows = sorted(rows, key=lambda r: chain.index(r[2]))
    calendar = dict(_plan_overrides([(kind, due) for kind, due, _area in rows]))
    calendar.update((area.settings or {}).get("calendar") or {})
    return CalendarRules.from_settings({"calendar": calendar})


def deadline_label(kind: str) -> str:
    """What a deadline of ``kind`` is for, as users say it."""
    return {
        "quarter": _("Quarterly report"),
        "half": _("Six-month report"),
        "year": _("Annual report"),
        "month": _("Monthly report"),
        "plan": _("Implementation plan and report"),
        "final": _("Final report"),
    }.get(kind, _("Other deadline"))

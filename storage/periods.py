"""Reporting periods by code (``2026-11``, ``2026-Q4``, ``2026-H2``, ``2026``), created on demand."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Period

_CODE = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|Q([1-4])|H([12])))?$")


@dataclass(frozen=True)
class PeriodSpec:
    """A period known by its code, before or without a database row."""

    code: str
    kind: str
    year: int
    number: int
    starts_on: dt.date
    ends_on: dt.date

    def previous(self) -> PeriodSpec:
        """Return the period of the same kind just before this one."""
        return spec_for(self.kind, *_step(self.kind, self.year, self.number, -1))

    def same_last_year(self) -> PeriodSpec:
        """Return the period of the same kind one year earlier."""
        return spec_for(self.kind, self.year - 1, self.number)


def _step(kind: str, year: int, number: int, delta: int) -> tuple[int, int]:
    per_year = {"month": 12, "quarter": 4, "half": 2, "year": 1}[kind]
    index = year * per_year + (number - 1) + delta
    return index // per_year, index % per_year + 1


def spec_for(kind: str, year: int, number: int) -> PeriodSpec:
    """Build the period of ``kind`` numbered ``number`` in ``year``."""
    months_per = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
    first_month = (number - 1) * months_per + 1
    last_month = first_month + months_per - 1
    start = dt.date(year, first_month, 1)
    end = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    code = {
        "month": f"{year}-{number:02d}",
        "quarter": f"{year}-Q{number}",
        "half": f"{year}-H{number}",
        "year": f"{year}",
    }[kind]
    return PeriodSpec(code=code, kind=kind, year=year, number=number, starts_on=start, ends_on=end)


def parse_period(code: str) -> PeriodSpec | None:
    """Read a period code; ``None`` when it is not one."""
    match = _CODE.match(code.strip().upper())
    if match is None:
        return None
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        return spec_for("month", year, month) if 1 <= month <= 12 else None
    if match.group(3):
        return spec_for("quarter", year, int(match.group(3)))
    if match.group(4):
        return spec_for("half", year, int(match.group(4)))
    return spec_for("year", year, 1)


def month_of(day: dt.date) -> PeriodSpec:
    """Return the month period containing ``day``."""
    return spec_for("month", day.year, day.month)


async def get_or_create_period(session: AsyncSession, spec: PeriodSpec) -> Period:
    """Return the row of ``spec``, inserting it when missing (safe when two workers race)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(Period)
        .values(code=spec.code, kind=spec.kind, year=spec.year, number=spec.number,
                starts_on=spec.starts_on, ends_on=spec.ends_on)
        .on_conflict_do_nothing(index_elements=["code"])
    )
    return (await session.execute(select(Period).where(Period.code == spec.code))).scalar_one()


async def find_period(session: AsyncSession, code: str) -> Period | None:
    """Return the row of the period ``code`` if any report or reminder created it."""
    return (await session.execute(select(Period).where(Period.code == code))).scalar_one_or_none()

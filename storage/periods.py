"""Rows of reporting periods, created on demand from ``storage.calendar``'s ``PeriodSpec``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar import PeriodSpec
from storage.models import Period


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

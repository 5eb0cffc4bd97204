"""Reporting periods, reports with their values, and every revision of a report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

PERIOD_KINDS = ("month", "quarter", "half", "year")


class Period(Base):
    """A reporting period: ``2026-11``, ``2026-Q4``, ``2026-H2`` or ``2026``."""

    __tablename__ = "periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    year: Mapped[int]
    number: Mapped[int]
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]


class Report(Base):
    """One unit's figures for one indicator set and one period; corrected in place, revisions kept."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("unit_id", "set_id", "period_id"),
        # A hamlet's report of one period in one probe: a country's 90,000 hamlets read through the
        # unit index alone fetched every report of each (2 million rows) to keep one month's.
        Index("ix_reports_unit_period", "unit_id", "period_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("indicator_sets.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(default=1)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Free-text difficulties, masked (phones, ID numbers) before it is stored.
    note: Mapped[str | None] = mapped_column(Text)


class ReportValue(Base):
    """The current value of one indicator in a report."""

    __tablename__ = "report_values"
    __table_args__ = (UniqueConstraint("report_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    value: Mapped[int | None] = mapped_column(BigInteger)
    # Why a commune figure differs from the hamlets' sum it was prefilled with; None when kept.
    reason: Mapped[str | None] = mapped_column(String(200), default=None)


class ReportRevision(Base):
    """A superseded state of a report: who replaced it, when, and the old → new changes."""

    __tablename__ = "report_revisions"
    __table_args__ = (UniqueConstraint("report_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # {"values": {code: old}, "note": old_note, "changes": {code: [old, new]}}
    snapshot: Mapped[dict[str, Any]]

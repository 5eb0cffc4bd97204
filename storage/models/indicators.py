"""Indicator sets (what a kind of unit reports each period) and their indicators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

KINDS = ("count", "area", "text")


class IndicatorSet(Base):
    """One version of a named list of indicators reported by one kind of unit for one kind of period.

    Editing a set never changes a stored version: it adds the next one (same owner and code), so each
    report keeps the definition it was filed with (``Report.set_id`` is the version)."""

    __tablename__ = "indicator_sets"
    __table_args__ = (UniqueConstraint("owner_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The commune (or province) that configured this set; its units report it.
    owner_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    unit_kind: Mapped[str] = mapped_column(String(20), default="hamlet")
    period_kind: Mapped[str] = mapped_column(String(10), default="month")
    version: Mapped[int] = mapped_column(default=1)


class Indicator(Base):
    """One question of a set: a count, an area or free text, with the rules its answer must keep."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("set_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("indicator_sets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    # A short label for summaries and confirmations ("Người nghiện"); data, like the question.
    label: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str | None] = mapped_column(String(80))
    # The question as the bot asks it; configured per commune, so it is data, not a catalog string.
    question: Mapped[str] = mapped_column(String(300))
    question_en: Mapped[str | None] = mapped_column(String(300))
    measure: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[str] = mapped_column(String(10), default="count")
    required: Mapped[bool] = mapped_column(default=True)
    # Cross-field rules, e.g. {"max_sum_of": ["nghien", "su_dung"]}; see conversations/rules.py.
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)


def is_latest() -> ColumnElement[bool]:
    """True for the rows of ``IndicatorSet`` that are the newest version of their (owner, code)."""
    newer = IndicatorSet.__table__.alias("newer")
    latest = (select(func.max(newer.c.version))
              .where(newer.c.owner_id == IndicatorSet.owner_id, newer.c.code == IndicatorSet.code)
              .scalar_subquery())
    return IndicatorSet.version == latest

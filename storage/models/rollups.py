"""Running totals of hamlet reports per area and period, so a province summary never sums millions of values."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class AreaTotal(Base):
    """The hamlets of one area (a hamlet's parent, in practice its commune): one indicator over one period.

    ``period_code`` is the period of the reports (a month of a monthly set) or one that encloses it
    (its quarter, half and year), so a quarter is one row, not three. ``total`` sums every value (a flow);
    ``last_total`` sums each hamlet's value of the latest period it reported in (a stock: people under
    management now). Both are None when every value is None, as SQL's SUM. Retired hamlets are counted
    here: summaries read these rows only for areas without a retired hamlet (see storage.rollups).
    """

    __tablename__ = "area_totals"
    # The summaries ask for a few periods and codes of every area under one: those first.
    __table_args__ = (Index("ix_area_totals_lookup", "set_code", "period_code", "code"),)

    area_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    set_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    period_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    total: Mapped[int | None] = mapped_column(BigInteger)
    last_total: Mapped[int | None] = mapped_column(BigInteger)

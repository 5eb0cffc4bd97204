"""Indexes for province and country summaries: a hamlet's report of a period, area totals by period and code.

Revision ID: 0012_rollup_indexes
Revises: 0011_people_phone
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_rollup_indexes"
down_revision: str | Sequence[str] | None = "0011_people_phone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``ix_reports_unit_period``; ``area_totals`` indexed by (set, period, code) instead of (set, period)."""
    op.create_index("ix_reports_unit_period", "reports", ["unit_id", "period_id"])
    op.drop_index("ix_area_totals_period", table_name="area_totals")
    op.create_index("ix_area_totals_lookup", "area_totals", ["set_code", "period_code", "code"])


def downgrade() -> None:
    """Back to the indexes of 0011."""
    op.drop_index("ix_area_totals_lookup", table_name="area_totals")
    op.create_index("ix_area_totals_period", "area_totals", ["set_code", "period_code"])
    op.drop_index("ix_reports_unit_period", table_name="reports")

"""Running totals of hamlet reports per area and period (``area_totals``), filled from the reports.

Revision ID: 0010_area_totals
Revises: 0009_indicator_versions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.periods import parse_period, period_of

revision: str = "0010_area_totals"
down_revision: str | Sequence[str] | None = "0009_indicator_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORDER = ("month", "quarter", "half", "year")
# Frozen here (not imported from storage.rollups) so that later changes to the models cannot change
# what this migration did.
_FILL = sa.text("""
INSERT INTO area_totals (area_id, set_code, period_code, code, total, last_total)
SELECT area_id, set_code, :code, code, SUM(value), SUM(CASE WHEN rnk = 1 THEN value END)
FROM (
    SELECT u.parent_id AS area_id, s.code AS set_code, i.code AS code, v.value AS value,
           ROW_NUMBER() OVER (PARTITION BY r.unit_id, s.code, i.code ORDER BY p.starts_on DESC) AS rnk
    FROM report_values v
    JOIN reports r ON r.id = v.report_id
    JOIN units u ON u.id = r.unit_id
    JOIN indicator_sets s ON s.id = r.set_id
    JOIN indicators i ON i.id = v.indicator_id
    JOIN periods p ON p.id = r.period_id
    WHERE u.kind = 'hamlet' AND u.parent_id IS NOT NULL AND p.kind = s.period_kind
      AND p.starts_on >= :start AND p.ends_on <= :end
) ranked
GROUP BY area_id, set_code, code
""").bindparams(sa.bindparam("start", type_=sa.Date()), sa.bindparam("end", type_=sa.Date()))


def upgrade() -> None:
    """Create ``area_totals`` and fill it for every period that has reports (and the periods enclosing it)."""
    op.create_table(
        "area_totals",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("set_code", sa.String(length=40), nullable=False),
        sa.Column("period_code", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("last_total", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("area_id", "set_code", "period_code", "code"),
    )
    op.create_index("ix_area_totals_period", "area_totals", ["set_code", "period_code"])
    bind = op.get_bind()
    codes = bind.execute(sa.text(
        "SELECT DISTINCT p.code FROM periods p JOIN reports r ON r.period_id = p.id")).scalars().all()
    specs = {}
    for code in codes:
        spec = parse_period(code)
        if spec.kind in _ORDER:
            for kind in _ORDER[_ORDER.index(spec.kind):]:
                wider = period_of(kind, spec.starts_on)
                specs[wider.code] = wider
    for spec in specs.values():
        bind.execute(_FILL, {"code": spec.code, "start": spec.starts_on, "end": spec.ends_on})


def downgrade() -> None:
    """Drop ``area_totals``."""
    op.drop_index("ix_area_totals_period", table_name="area_totals")
    op.drop_table("area_totals")

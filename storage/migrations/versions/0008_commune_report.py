"""The commune's own report: why a figure differs from the hamlets' sum.

Revision ID: 0008_commune_report
Revises: 0007_audit_and_code_attempts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_commune_report"
down_revision: str | Sequence[str] | None = "0007_audit_and_code_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable ``reason`` of a report value."""
    with op.batch_alter_table("report_values") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Drop ``reason``."""
    with op.batch_alter_table("report_values") as batch:
        batch.drop_column("reason")

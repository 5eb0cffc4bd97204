"""Units get their official code (vietnam-provinces), resident population and the moment they were retired.

Revision ID: 0006_units_official
Revises: 0005_applied_updates_age
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models.base import UtcDateTime

revision: str = "0006_units_official"
down_revision: str | Sequence[str] | None = "0005_applied_updates_age"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("official_code", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("population", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("retired_at", UtcDateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_units_official_code"), "units", ["official_code"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_units_official_code"), table_name="units")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("population")
        batch.drop_column("official_code")

"""A contact phone on a person (``people.phone``): the work number a province leader calls.

Revision ID: 0011_people_phone
Revises: 0010_area_totals
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_people_phone"
down_revision: str | Sequence[str] | None = "0010_area_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable ``people.phone``."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Drop ``people.phone``."""
    with op.batch_alter_table("people") as batch:
        batch.drop_column("phone")

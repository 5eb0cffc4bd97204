"""Versioned indicator sets: an edited set is a new version beside the old one.

Revision ID: 0009_indicator_versions
Revises: 0008_commune_report
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_indicator_versions"
down_revision: str | Sequence[str] | None = "0008_commune_report"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``version`` (every existing set is version 1) and make (owner, code, version) the unique key."""
    with op.batch_alter_table("indicator_sets") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.drop_constraint("uq_indicator_sets_owner_id", type_="unique")
        batch.create_unique_constraint("uq_indicator_sets_owner_id", ["owner_id", "code", "version"])


def downgrade() -> None:
    """Back to one set per (owner, code): only possible while no set has a second version."""
    with op.batch_alter_table("indicator_sets") as batch:
        batch.drop_constraint("uq_indicator_sets_owner_id", type_="unique")
        batch.create_unique_constraint("uq_indicator_sets_owner_id", ["owner_id", "code"])
        batch.drop_column("version")

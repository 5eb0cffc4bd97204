"""An index on when each update was applied, so the running bot prunes old update ids in batches.

Revision ID: 0005_applied_updates_age
Revises: 0004_dialog_rev
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_applied_updates_age"
down_revision: str | Sequence[str] | None = "0004_dialog_rev"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_applied_updates_applied_at"), "applied_updates", ["applied_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_applied_updates_applied_at"), table_name="applied_updates")

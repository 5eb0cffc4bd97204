"""A revision counter on dialog states, for dialog steps committed without holding the row lock.

Revision ID: 0004_dialog_rev
Revises: 0003_link_codes
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_dialog_rev"
down_revision: str | Sequence[str] | None = "0003_link_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dialog_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rev", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("dialog_states", schema=None) as batch_op:
        batch_op.drop_column("rev")

"""outbox, group bindings and group binding codes

Revision ID: 0002_outbox
Revises: 0001
Create Date: 2026-11-23 12:58:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0002_outbox"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = storage.models.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("chat_type", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("attachment_name", sa.String(length=200), nullable=True),
        sa.Column("attachment_kind", sa.String(length=10), nullable=True),
        sa.Column("attachment_ref", sa.String(length=500), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("available_at", _TS, nullable=False),
        sa.Column("claimed_until", _TS, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("failed_at", _TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_outbox_unit_id_units"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["sent_at", "failed_at", "available_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "group_bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("bound_by", sa.Integer(), nullable=True),
        sa.Column("bound_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["bound_by"], ["people.id"], name=op.f("fk_group_bindings_bound_by_people"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_group_bindings_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_bindings")),
        sa.UniqueConstraint("transport", "chat_id", name=op.f("uq_group_bindings_transport")),
    )
    with op.batch_alter_table("group_bindings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_bindings_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "group_bind_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.Column("used_chat_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_group_bind_codes_created_by_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_group_bind_codes_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_bind_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_group_bind_codes_code")),
    )
    with op.batch_alter_table("group_bind_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_bind_codes_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_bind_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_bind_codes_unit_id"))
    op.drop_table("group_bind_codes")
    with op.batch_alter_table("group_bindings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_bindings_unit_id"))
    op.drop_table("group_bindings")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_unit_id"))
        batch_op.drop_index("ix_outbox_pending")
    op.drop_table("outbox")

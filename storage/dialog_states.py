"""Load and save dialog state per (transport, chat, user), taking the row lock first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogState


async def lock_state(session: AsyncSession, transport: str, chat_id: str, user_id: str) -> DialogState:
    """Return the state row of this chat and user, created if missing, locked until commit."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(DialogState)
        .values(transport=transport, chat_id=chat_id, user_id=user_id, payload={}, version=1,
                updated_at=dt.datetime.now(dt.UTC))
        .on_conflict_do_nothing(index_elements=["transport", "chat_id", "user_id"])
    )
    statement = select(DialogState).where(
        DialogState.transport == transport,
        DialogState.chat_id == chat_id,
        DialogState.user_id == user_id,
    )
    if dialect == "postgresql":
        statement = statement.with_for_update()
    row = (await session.execute(statement.execution_options(populate_existing=True))).scalar_one()
    return row


def store_state(
    row: DialogState, dialog: str | None, step: str | None, version: int, payload: dict[str, Any],
    now: dt.datetime,
) -> None:
    """Write the new state into the locked row (flushed with the unit of work's commit)."""
    row.dialog = dialog
    row.step = step
    row.version = version
    row.payload = dict(payload)
    row.updated_at = now

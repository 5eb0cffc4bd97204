"""Load and save dialog state per (transport, chat, user), taking the row lock first.

One upsert both creates the row and locks it: on PostgreSQL ``ON CONFLICT DO UPDATE`` locks the
existing row until commit (the "take the lock, then load" of aiogram's storages); on SQLite the
transaction already holds the database's write lock (``BEGIN IMMEDIATE``). Plain SQL keeps this,
the hottest statement of the bot, compiled once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.base import UtcDateTime

_LOCK = text(
    "INSERT INTO dialog_states (transport, chat_id, user_id, version, payload, updated_at) "
    "VALUES (:transport, :chat_id, :user_id, 1, '{}', :now) "
    "ON CONFLICT (transport, chat_id, user_id) DO UPDATE SET transport = excluded.transport "
    "RETURNING id, dialog, step, version, payload"
).bindparams(bindparam("now", type_=UtcDateTime()))

_STORE = text(
    "UPDATE dialog_states SET dialog = :dialog, step = :step, version = :version, payload = :payload, "
    "updated_at = :now WHERE id = :id"
).bindparams(bindparam("now", type_=UtcDateTime()))


@dataclass(frozen=True)
class StateRow:
    """The locked state row of one chat and user."""

    id: int
    dialog: str | None
    step: str | None
    version: int
    payload: dict[str, Any]


async def lock_state(
    session: AsyncSession, transport: str, chat_id: str, user_id: str, now: dt.datetime
) -> StateRow:
    """Return the state row of this chat and user, created if missing, locked until commit."""
    row = (
        await session.execute(
            _LOCK, {"transport": transport, "chat_id": chat_id, "user_id": user_id, "now": now}
        )
    ).one()
    payload = row.payload
    if isinstance(payload, str):
        payload = json.loads(payload)
    return StateRow(id=row.id, dialog=row.dialog, step=row.step, version=row.version, payload=payload or {})


async def store_state(
    session: AsyncSession, row: StateRow, dialog: str | None, step: str | None, version: int,
    payload: dict[str, Any], now: dt.datetime,
) -> None:
    """Write the new state into the locked row; unchanged idle state is not written again."""
    if dialog is None and row.dialog is None and not row.payload and not payload:
        return
    await session.execute(
        _STORE,
        {"id": row.id, "dialog": dialog, "step": step, "version": version,
         "payload": json.dumps(payload, ensure_ascii=False), "now": now},
    )

"""Dialog steps committed optimistically: read the state without a lock, compute the step, then
write the new state and claim the update id in one atomic write that succeeds only if the state
row is still the one that was read.

Most messages are answers inside a dialog (a figure, "quay lại") that touch nothing but the
dialog state. Locking the row for them costs PostgreSQL four round trips (BEGIN, claim and lock,
store, COMMIT); this costs two (read; one statement that updates and claims). The write is
conditional on the row's ``rev`` counter, which every write bumps, and the claim is inserted only
by a row that was updated, so a redelivery or a concurrent step of another worker makes the write
change nothing. The caller then takes the locked path (``storage.per_update``), which is also the
path for every step that reads or writes anything else.

The statements are the dialog-state store's (``storage.dialog_store``), one implementation per
driver; this module keeps what the unit of work remembers between steps and the names it has
imported from here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.dialog_store import Seen, StateRow, Written, dialog_store

__all__ = ["LastWrites", "OptimisticSteps", "Seen", "Written", "optimistic_steps"]


class LastWrites:
    """What this process last wrote to each sender's state row: the next answer of that sender is
    computed from it without reading the row again.

    Only a hint: the write is conditional on ``rev`` and inserts the update id in the same atomic
    statement, so if another worker moved the row, or the update was already applied, the write
    changes nothing and the step goes to the locked path. Beside the JSON that was written, the
    dialog state object it was written from is kept, so the next step need not decode it again; an
    entry is taken (removed) by the step that uses it, so whatever that step does to the object can
    never reach a later one.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._rows: OrderedDict[tuple[str, str, str], tuple[int, str, str, int, str, int, object]] = OrderedDict()

    def get(self, key: tuple[str, str, str]) -> Seen | None:
        """The state last written for ``key`` by this process, if it is still known (left in place)."""
        found = self._rows.get(key)
        if found is None:
            return None
        id_, dialog, step, version, payload, rev, _state = found
        return Seen(StateRow(id_, dialog, step, version, json.loads(payload)), rev, applied=False)

    def take(self, key: tuple[str, str, str]) -> tuple[Seen, object] | None:
        """Remove and return what was last written for ``key``: the row, and the state object it was
        written from (the row's payload is then not decoded: read the state object instead)."""
        found = self._rows.pop(key, None)
        if found is None:
            return None
        id_, dialog, step, version, _payload, rev, state = found
        return Seen(StateRow(id_, dialog, step, version, {}), rev, applied=False), state

    def put(self, key: tuple[str, str, str], seen: Seen, dialog: str, step: str, version: int, payload: str,
            state: object = None) -> None:
        """Remember the state just written over ``seen`` (its ``rev`` is now one more)."""
        self._rows[key] = (seen.row.id, dialog, step, version, payload, seen.rev + 1, state)
        self._rows.move_to_end(key)
        if len(self._rows) > self._size:
            self._rows.popitem(last=False)

    def forget(self, key: tuple[str, str, str]) -> None:
        """Drop what is known of ``key`` (the row was or may have been written by another path)."""
        self._rows.pop(key, None)


class OptimisticSteps(Protocol):
    """Unlocked read and conditional write of one sender's dialog state."""

    async def read(self, transport: str, update_id: str, chat_id: str, user_id: str) -> Seen | None:
        """The sender's state row (``None`` if there is none yet), and whether ``update_id`` was applied."""

    async def write(
        self, transport: str, update_id: str, seen: Seen, dialog: str | None, step: str | None, version: int,
        payload: str, now: dt.datetime,
    ) -> Written:
        """Store the new state (``payload`` as JSON text) and claim ``update_id`` together, if the row
        is still at ``seen.rev``."""


def optimistic_steps(engine: AsyncEngine) -> OptimisticSteps | None:
    """The optimistic path of ``engine``'s dialog-state store, or ``None`` where the unit of work
    should not take it (an in-memory SQLite database, which no second connection can see; a driver
    without a direct path, where it would save no round trip)."""
    store = dialog_store(engine)
    return store if store.optimistic else None

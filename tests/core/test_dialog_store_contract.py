"""One contract for the dialog-state store (``storage.dialog_store``), run over every driver on
every database it serves: the in-loop SQLite driver on a SQLite file, asyncpg on PostgreSQL, and
the portable SQLAlchemy driver on both. Every test makes the same assertions for each.

The one difference the contract admits is the database's, not the driver's: SQLite locks the whole
database for a writer (``BEGIN IMMEDIATE``), PostgreSQL locks one state row; so a locked step of
one sender waits for another sender's on SQLite only (``test_different_senders_...``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.asyncpg_store import AsyncpgLocked, AsyncpgStore
from storage.db import create_engine, session_factory
from storage.dialog_store import DialogStore, StateRow, Written, dialog_store, locked_state
from storage.models import AppliedUpdate, DialogState
from storage.sqlalchemy_store import SqlAlchemyStore
from storage.sqlite_store import SqliteLocked, SqliteStore

NOW = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)
T = "telegram"
# Long enough for a step that should wait to have run to its end had it not waited.
WAITS = 0.3

PAIRINGS: dict[str, tuple[str, Callable[[AsyncEngine], DialogStore]]] = {
    "sqlite-in-loop": ("sqlite", SqliteStore),
    "sqlalchemy-on-sqlite": ("sqlite", SqlAlchemyStore),
    "asyncpg": ("postgres", AsyncpgStore),
    "sqlalchemy-on-postgres": ("postgres", SqlAlchemyStore),
}
_ids = itertools.count(1)


@dataclass
class Case:
    """One driver of the store on one database."""

    store: DialogStore
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    row_locks: bool  # PostgreSQL locks a row; SQLite the whole database

    async def step(self, update_id: str, user: str, dialog: str | None = "report", step: str | None = "q1",
                   payload: dict[str, Any] | None = None, version: int = 1) -> StateRow | None:
        """One locked step: claim, lock and load, store the given state, commit; the row it loaded."""
        async with self.sessions() as session, session.begin():
            locked = await self.store.locked(session)
            row = await locked.claim_and_lock(T, update_id, user, user, NOW)
            if row is not None:
                await locked.store(row, dialog, step, version, payload or {}, NOW)
            return row

    async def claims(self, update_id: str) -> int:
        """How many times ``update_id`` is recorded as applied."""
        async with self.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(AppliedUpdate)
                                         .where(AppliedUpdate.update_id == update_id))
            return int(count or 0)

    async def rev(self, user: str) -> int:
        """The revision of ``user``'s state row."""
        seen = await self.store.read(T, "probe", user, user)
        assert seen is not None
        return seen.rev


@pytest.fixture(params=list(PAIRINGS))
def pairing(request: pytest.FixtureRequest) -> tuple[str, str]:
    """A driver's name and the URL of the migrated database it runs on."""
    backend, _make = PAIRINGS[request.param]
    return request.param, str(request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url"))


@pytest.fixture
async def case(pairing: tuple[str, str]) -> AsyncIterator[Case]:
    """The store of one pairing, on empty dialog tables."""
    name, url = pairing
    backend, make = PAIRINGS[name]
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(delete(AppliedUpdate))
        await conn.execute(delete(DialogState))
    store = make(engine)
    try:
        yield Case(store, engine, session_factory(engine), row_locks=backend == "postgres")
    finally:
        await store.close()
        await engine.dispose()


def user() -> str:
    """A sender no other test uses."""
    return f"u{next(_ids)}"


async def test_a_new_sender_gets_an_idle_empty_state(case: Case) -> None:
    someone = user()
    assert await case.store.read(T, "u-1", someone, someone) is None
    row = await case.step("new-1", someone, dialog=None, step=None)
    assert row is not None
    assert (row.dialog, row.step, row.version, row.payload) == (None, None, 1, {})


async def test_the_state_round_trips(case: Case) -> None:
    someone = user()
    payload = {"answers": {"ho_ngheo": 3, "ghi_chu": "Bản Khe Ló, đường sạt lở"}, "skipped": [], "n": 1.5}
    await case.step("rt-1", someone, dialog="report", step="q2", payload=payload, version=3)
    row = await case.step("rt-2", someone, dialog="report", step="q2", payload=payload, version=3)
    assert row is not None
    assert (row.dialog, row.step, row.version, row.payload) == ("report", "q2", 3, payload)
    seen = await case.store.read(T, "rt-3", someone, someone)
    assert seen is not None and not seen.applied
    assert seen.row == row


async def test_an_update_is_applied_once(case: Case) -> None:
    someone = user()
    assert await case.step("once-1", someone, step="q2") is not None
    rev = await case.rev(someone)
    # The redelivery locks nothing and writes nothing, whatever state it would have stored.
    assert await case.step("once-1", someone, step="q9") is None
    assert await case.rev(someone) == rev
    assert await case.claims("once-1") == 1
    seen = await case.store.read(T, "once-1", someone, someone)
    assert seen is not None and seen.applied and seen.row.step == "q2"


async def test_a_claim_alone_is_refused_the_second_time(case: Case) -> None:
    """Group messages claim the update without a dialog state."""
    for expected in (True, False):
        async with case.sessions() as session, session.begin():
            locked = await case.store.locked(session)
            assert await locked.claim(T, "group-1", NOW) is expected
    # The same id from another transport is another update.
    async with case.sessions() as session, session.begin():
        assert await (await case.store.locked(session)).claim("zalo", "group-1", NOW)
    assert await case.claims("group-1") == 2


async def test_a_rollback_leaves_no_claim_and_no_state(case: Case) -> None:
    someone = user()
    await case.step("rb-0", someone, step="q1")
    rev = await case.rev(someone)
    with pytest.raises(RuntimeError, match="the step failed"):
        async with case.sessions() as session, session.begin():
            locked = await case.store.locked(session)
            row = await locked.claim_and_lock(T, "rb-1", someone, someone, NOW)
            assert row is not None
            await locked.store(row, "report", "q5", 1, {"lost": True}, NOW)
            raise RuntimeError("the step failed")
    assert await case.claims("rb-1") == 0
    assert await case.rev(someone) == rev
    # The redelivery of the failed update is applied as if for the first time.
    row = await case.step("rb-1", someone, step="q2")
    assert row is not None and row.step == "q1"
    assert await case.claims("rb-1") == 1


async def test_a_rollback_of_a_lone_claim_leaves_no_claim(case: Case) -> None:
    with pytest.raises(RuntimeError):
        async with case.sessions() as session, session.begin():
            assert await (await case.store.locked(session)).claim(T, "rb-group", NOW)
            raise RuntimeError
    assert await case.claims("rb-group") == 0


async def test_idle_state_left_idle_is_not_written(case: Case) -> None:
    someone = user()
    await case.step("idle-1", someone, dialog=None, step=None)
    rev = await case.rev(someone)
    await case.step("idle-2", someone, dialog=None, step=None)
    assert await case.rev(someone) == rev
    await case.step("idle-3", someone, dialog="report", step="q1")
    assert await case.rev(someone) == rev + 1


async def hold(case: Case, update_id: str, someone: str, step: str, holding: asyncio.Event,
               release: asyncio.Event) -> None:
    """A slow locked step: claims, locks, stores ``step``, then keeps the lock until ``release``."""
    async with case.sessions() as session, session.begin():
        locked = await case.store.locked(session)
        row = await locked.claim_and_lock(T, update_id, someone, someone, NOW)
        assert row is not None
        await locked.store(row, "report", step, 1, {"by": update_id}, NOW)
        holding.set()
        await release.wait()


async def test_two_updates_of_one_sender_are_serialised(case: Case) -> None:
    someone = user()
    holding, release = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(hold(case, "ser-1", someone, "q2", holding, release))
    await asyncio.wait_for(holding.wait(), 10)
    second = asyncio.create_task(case.step("ser-2", someone, step="q3"))
    await asyncio.sleep(WAITS)
    assert not second.done()  # the second takes the lock only once the first has committed
    release.set()
    await asyncio.wait_for(first, 10)
    row = await asyncio.wait_for(second, 10)
    assert row is not None and (row.step, row.payload) == ("q2", {"by": "ser-1"})
    seen = await case.store.read(T, "ser-3", someone, someone)
    assert seen is not None and seen.row.step == "q3"


async def test_one_update_delivered_twice_at_once_is_applied_once(case: Case) -> None:
    someone = user()
    holding, release = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(hold(case, "twice-1", someone, "q2", holding, release))
    await asyncio.wait_for(holding.wait(), 10)
    second = asyncio.create_task(case.step("twice-1", someone, step="q9"))
    await asyncio.sleep(WAITS)
    release.set()
    await asyncio.wait_for(first, 10)
    assert await asyncio.wait_for(second, 10) is None
    assert await case.claims("twice-1") == 1
    seen = await case.store.read(T, "probe", someone, someone)
    assert seen is not None and seen.row.step == "q2"


async def test_different_senders_are_not_kept_apart_by_each_others_rows(case: Case) -> None:
    one, other = user(), user()
    await case.step("diff-0", other, step="q1")
    holding, release = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(hold(case, "diff-1", one, "q2", holding, release))
    await asyncio.wait_for(holding.wait(), 10)
    try:
        # Reading another sender's state never waits for a lock.
        seen = await asyncio.wait_for(case.store.read(T, "diff-2", other, other), WAITS)
        assert seen is not None and seen.row.step == "q1"
        second = asyncio.create_task(case.step("diff-2", other, step="q4"))
        await asyncio.sleep(WAITS)
        # PostgreSQL locked one row: the other sender's step is done. SQLite's writer holds the
        # whole database: the step waits, without blocking the loop, and is not lost.
        assert second.done() is case.row_locks
    finally:
        release.set()
    await asyncio.wait_for(first, 10)
    row = await asyncio.wait_for(second, 10)
    assert row is not None and row.step == "q1"
    assert await case.claims("diff-1") == await case.claims("diff-2") == 1


async def test_an_optimistic_write_saves_and_claims_together(case: Case) -> None:
    someone = user()
    await case.step("opt-0", someone, step="q1")
    seen = await case.store.read(T, "opt-1", someone, someone)
    assert seen is not None and not seen.applied
    payload = json.dumps({"answers": {"a": 1}, "ghi_chu": "sạt lở"}, ensure_ascii=False)
    assert await case.store.write(T, "opt-1", seen, "report", "q2", 1, payload, NOW) is Written.SAVED
    after = await case.store.read(T, "opt-1", someone, someone)
    assert after is not None and after.applied and after.rev == seen.rev + 1
    assert (after.row.step, after.row.payload) == ("q2", json.loads(payload))
    # The locked path sees what the optimistic one wrote.
    row = await case.step("opt-2", someone, step="q3")
    assert row is not None and row.step == "q2"


async def test_an_optimistic_write_over_a_moved_row_writes_nothing(case: Case) -> None:
    someone = user()
    await case.step("stale-0", someone, step="q1")
    seen = await case.store.read(T, "stale-1", someone, someone)
    assert seen is not None
    await case.step("stale-other", someone, step="q2")  # another worker moved the row meanwhile
    assert await case.store.write(T, "stale-1", seen, "report", "q9", 1, "{}", NOW) is Written.CHANGED
    assert await case.claims("stale-1") == 0
    now_seen = await case.store.read(T, "stale-1", someone, someone)
    assert now_seen is not None and now_seen.row.step == "q2"


async def test_an_optimistic_write_of_an_applied_update_writes_nothing(case: Case) -> None:
    someone = user()
    await case.step("dup-0", someone, step="q1")
    seen = await case.store.read(T, "dup-1", someone, someone)
    assert seen is not None and not seen.applied
    # Another worker applied this very update without touching the state (a group message, say).
    async with case.sessions() as session, session.begin():
        assert await (await case.store.locked(session)).claim(T, "dup-1", NOW)
    assert await case.store.write(T, "dup-1", seen, "report", "q9", 1, "{}", NOW) is Written.DUPLICATE
    assert await case.rev(someone) == seen.rev
    assert await case.claims("dup-1") == 1


async def test_an_optimistic_write_waits_for_the_locked_step_of_its_sender(case: Case) -> None:
    someone = user()
    await case.step("wait-0", someone, step="q1")
    seen = await case.store.read(T, "wait-2", someone, someone)
    assert seen is not None
    holding, release = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(hold(case, "wait-1", someone, "q2", holding, release))
    await asyncio.wait_for(holding.wait(), 10)
    writing = asyncio.create_task(case.store.write(T, "wait-2", seen, "report", "q9", 1, "{}", NOW))
    await asyncio.sleep(WAITS)
    assert not writing.done()
    release.set()
    await asyncio.wait_for(first, 10)
    assert await asyncio.wait_for(writing, 10) is Written.CHANGED
    assert await case.claims("wait-2") == 0


async def test_an_unlocked_read_does_not_see_an_uncommitted_step(case: Case) -> None:
    someone = user()
    await case.step("dirty-0", someone, step="q1")
    holding, release = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(hold(case, "dirty-1", someone, "q2", holding, release))
    await asyncio.wait_for(holding.wait(), 10)
    try:
        seen = await asyncio.wait_for(case.store.read(T, "dirty-1", someone, someone), WAITS)
        assert seen is not None and seen.row.step == "q1" and not seen.applied
    finally:
        release.set()
    await asyncio.wait_for(first, 10)


async def test_each_database_gets_its_direct_driver(pairing: tuple[str, str], case: Case) -> None:
    """``dialog_store`` and ``locked_state`` pick the direct driver for our engines."""
    store = dialog_store(case.engine)
    try:
        direct = SqliteStore if case.engine.dialect.name == "sqlite" else AsyncpgStore
        assert type(store) is direct and store.optimistic
        async with case.sessions() as session, session.begin():
            locked = await locked_state(session)
            assert type(locked) is (SqliteLocked if direct is SqliteStore else AsyncpgLocked)
    finally:
        await store.close()


async def test_an_in_memory_sqlite_database_has_no_optimistic_path() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        store = dialog_store(engine)
        assert type(store) is SqliteStore and not store.optimistic
        with pytest.raises(RuntimeError, match="in-memory"):
            await store.read(T, "1", "1", "1")
    finally:
        await engine.dispose()

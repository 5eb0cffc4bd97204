"""Answers inside a dialog are committed from an unlocked read (``storage.optimistic_steps``); these
tests hold that path to the same guarantees as the locked one, on SQLite and PostgreSQL: the same
replies, each update applied once, and a state that moved meanwhile (another worker, a redelivery)
sending the step to the locked path instead of losing or doubling it."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import handlers.dispatch as dispatch_module
import storage.per_update as per_update_module
from conversations.engine import Context, Outcome, State
from conversations.plan_import import PlanImportDialog
from conversations.report_dialog import ReportDialog
from handlers.dispatch import Core
from locales.messages import Incoming
from storage.cache import ConfigCache
from storage.db import create_engine, session_factory
from storage.models import AppliedUpdate, DialogState
from storage.optimistic_steps import Written, optimistic_steps
from storage.sqlalchemy_store import SqlAlchemyLocked
from tests.core.chat import Clock, User, code_of, demo, texts

SCRIPT = ["báo cáo", "3", "quay lại", "ba", "-1", "2", "bỏ qua", "1", "nhiều", "hủy", "có"]


class PausingReportDialog(ReportDialog):
    """The report dialog, holding its next step until the test lets it go (a slow worker)."""

    def __init__(self) -> None:
        self.paused = asyncio.Event()
        self.go_on = asyncio.Event()
        self.hold_next = True

    async def step(self, ctx: Context, state: State, answer: str, is_button: bool) -> Outcome:
        if self.hold_next:
            self.hold_next = False
            self.paused.set()
            await self.go_on.wait()
        return await super().step(ctx, state, answer, is_button)


def count_locked_steps(core: Core, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the update ids that took the locked path."""
    seen: list[str] = []
    original = core._locked_step

    async def spy(incoming: Incoming, now: dt.datetime) -> Any:
        seen.append(incoming.update_id)
        return await original(incoming, now)

    monkeypatch.setattr(core, "_locked_step", spy)
    return seen


async def state_of(engine: AsyncEngine, user_id: str) -> DialogState:
    async with session_factory(engine)() as session:
        return (await session.execute(select(DialogState).where(DialogState.user_id == user_id))).scalar_one()


async def claimed(engine: AsyncEngine, update_id: str) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(
            select(func.count()).select_from(AppliedUpdate).where(AppliedUpdate.update_id == update_id)) or 0)


async def two_workers(engine: AsyncEngine, user_id: str) -> tuple[PausingReportDialog, Core, Core]:
    """A slow and a fast worker on one database; the person registered and their report started
    through the slow one, whose caches then know the person and the form: its next step needs
    nothing from the database (a cache miss would take the locked path anyway)."""
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    slow_dialog = PausingReportDialog()
    slow = Core(sessions=sessions, clock=clock, dialogs={"report": slow_dialog, "plan_import": PlanImportDialog()})
    fast = Core(sessions=sessions, clock=clock)
    await User(fast, user_id).say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    assert "(1/13)" in texts(await User(slow, user_id).say("báo cáo"))
    return slow_dialog, slow, fast


async def test_answers_take_the_optimistic_path_and_say_what_the_locked_path_says(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    user = User(Core(sessions=sessions, clock=clock), "2001")
    await user.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    transcripts: dict[bool, list[str]] = {}
    for optimistic in (True, False):
        user.core = Core(sessions=sessions, clock=clock, optimistic=optimistic)
        locked = count_locked_steps(user.core, monkeypatch)
        transcripts[optimistic] = [texts(await user.say(line)) for line in SCRIPT]
        # Without a dialog yet, "báo cáo" is locked; the answers inside the dialog need no lock.
        assert len(locked) == (1 if optimistic else len(SCRIPT)), locked
        assert (await state_of(engine, user.user_id)).dialog is None
    assert transcripts[True] == transcripts[False]
    assert "(2/13)" in transcripts[True][1] and "Đã hủy" in transcripts[True][-1]


async def test_a_state_moved_by_another_worker_sends_the_step_to_the_locked_path(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_dialog, slow, fast = await two_workers(engine, "2101")
    locked = count_locked_steps(slow, monkeypatch)
    on_fast = User(fast, "2101")
    rev_before = (await state_of(engine, "2101")).rev

    slow_answer = Incoming("telegram", "slow-1", "2101", "2101", text="3")
    slow_task = asyncio.create_task(slow.handle(slow_answer))
    await asyncio.wait_for(slow_dialog.paused.wait(), 10)
    # Meanwhile the other worker applies the next message of the same person.
    assert "(2/13)" in texts(await on_fast.say("5"))
    slow_dialog.go_on.set()
    slow_replies = await asyncio.wait_for(slow_task, 10)

    # The slow worker's read was stale: its write changed nothing, the locked path re-ran the step
    # on the moved state, so "3" answered question 2, not question 1 a second time.
    assert locked == ["slow-1"]
    assert "(3/13)" in texts(slow_replies)
    state = await state_of(engine, "2101")
    assert state.rev == rev_before + 2
    assert list(state.payload["answers"].values())[:2] == [5, 3]
    assert await claimed(engine, "slow-1") == 1


async def test_one_update_delivered_to_two_workers_at_once_is_applied_once(engine: AsyncEngine) -> None:
    slow_dialog, slow, fast = await two_workers(engine, "2201")

    same = Incoming("telegram", "twice-1", "2201", "2201", text="4")
    slow_task = asyncio.create_task(slow.handle(same))
    await asyncio.wait_for(slow_dialog.paused.wait(), 10)
    assert "(2/13)" in texts(await fast.handle(same))
    slow_dialog.go_on.set()
    assert await asyncio.wait_for(slow_task, 10) == []
    state = await state_of(engine, "2201")
    assert state.step is not None and list(state.payload["answers"].values()) == [4]
    assert await claimed(engine, "twice-1") == 1


async def test_the_write_changes_nothing_for_an_update_claimed_since_the_read(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    user = User(Core(sessions=sessions, clock=clock), "2301")
    await user.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    await user.say("báo cáo")
    before = await state_of(engine, "2301")
    steps = optimistic_steps(engine)
    assert steps is not None
    seen = await steps.read("telegram", "claimed-1", "2301", "2301")
    assert seen is not None and not seen.applied and seen.rev == before.rev
    # Another worker applied this very update without touching the state (the unlocked read
    # cannot tell); the write must neither store the state nor claim twice.
    async with sessions() as session, session.begin():
        session.add(AppliedUpdate(transport="telegram", update_id="claimed-1", applied_at=clock()))
    written = await steps.write("telegram", "claimed-1", seen, "report", "other", seen.row.version,
                                '{"changed": true}', clock())
    assert written is Written.DUPLICATE
    assert (await steps.read("telegram", "claimed-1", "2301", "2301")).applied  # type: ignore[union-attr]
    stale = await steps.write("telegram", "later-1", seen, "report", "other", seen.row.version, "{}", clock())
    assert stale is Written.SAVED
    assert await steps.write("telegram", "later-2", seen, "report", "x", 1, "{}", clock()) is Written.CHANGED
    after = await state_of(engine, "2301")
    assert after.step == "other" and after.rev == before.rev + 1
    assert await claimed(engine, "later-2") == 0


async def test_steps_that_need_the_database_never_wait_for_a_second_connection(
    engine: AsyncEngine, db_url: str
) -> None:
    clock = Clock()
    _sessions, summary = await demo(engine, clock)
    # One connection in the pool and caches that always miss: every optimistic step needs the
    # database, which it must not ask for while holding a pooled connection of its own, or these
    # steps would wait for each other until the pool's time-out.
    small = create_engine(db_url, pool_size=1, max_overflow=0, pool_timeout=3)
    try:
        core = Core(sessions=session_factory(small), clock=clock, cache=ConfigCache(ttl=0))
        users = [User(core, f"24{index:02d}") for index in range(4)]
        for user, hamlet in zip(users, summary.hamlets, strict=False):
            await user.say(f"/start {hamlet.invite_code}")
            assert "(1/13)" in texts(await user.say("báo cáo"))
        replies = await asyncio.wait_for(asyncio.gather(*(user.say("3") for user in users)), 20)
        assert all("(2/13)" in texts(reply) for reply in replies), replies
    finally:
        await small.dispose()


async def test_a_worker_remembering_an_old_state_takes_the_locked_path(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    first, second = Core(sessions=sessions, clock=clock), Core(sessions=sessions, clock=clock)
    locked = count_locked_steps(first, monkeypatch)
    on_first, on_second = User(first, "2501"), User(second, "2501")
    await on_first.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    await on_first.say("báo cáo")
    assert "(2/13)" in texts(await on_first.say("3"))  # the first worker now remembers question 2
    assert "(3/13)" in texts(await on_second.say("4"))  # ... which the second worker answered
    before = len(locked)
    # The first worker's memory is stale: its write changes nothing, the locked path answers Q3.
    assert "(4/13)" in texts(await on_first.say("1"))
    assert len(locked) == before + 1
    # Its memory is fresh again: the next answer needs neither the read nor the lock.
    assert "(5/13)" in texts(await on_first.say("2"))
    assert len(locked) == before + 1
    state = await state_of(engine, "2501")
    assert list(state.payload["answers"].values()) == [3, 4, 1, 2]


async def test_the_locked_path_through_sqlalchemy_alone_says_the_same(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-update statements any other async driver gets (SQLAlchemy ``text()``) behave as the
    direct ones: same transcript, a redelivery changes nothing."""
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    user = User(Core(sessions=sessions, clock=clock, optimistic=False), "2601")
    await user.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    direct = [texts(await user.say(line)) for line in SCRIPT]

    async def through_sqlalchemy(session: AsyncSession) -> per_update_module.PerUpdate:
        await session.connection()
        return SqlAlchemyLocked(session)

    monkeypatch.setattr(dispatch_module, "per_update", through_sqlalchemy)
    assert [texts(await user.say(line)) for line in SCRIPT] == direct
    await user.say("báo cáo")
    answer = Incoming("telegram", "generic-1", "2601", "2601", text="3")
    assert "(2/13)" in texts(await user.send(answer))
    assert await user.send(answer) == []
    assert list((await state_of(engine, "2601")).payload["answers"].values()) == [3]

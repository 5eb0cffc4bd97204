"""Messages as hamlet officials really type them, each with what the report dialog must make of it.

The cases live in ``typed_answers.jsonl``, one per line: ``at`` (where the user is: ``ask:<code>``,
``summary``, ``jump`` (the unusual-figure question), ``period`` (the month picker on 2 December),
``idle`` or ``idle:<date>``), ``text`` (what they type) and ``expect``. The score is the number of
passing cases: ``.venv/bin/pytest -q tests/core/test_typed_answers.py -p no:cacheprovider``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers.dispatch import Core
from locales.messages import Reply
from locales.vietnamese import fold
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import DialogState, Period, Report, Unit
from tests.core.chat import FIXED_NOW, Clock, User, code_of, demo, texts

# One worker runs them all: they share one database, set up once (``bench``).
pytestmark = pytest.mark.xdist_group(name="typed_answers")

CASES = [json.loads(line) for line in Path(__file__).with_name("typed_answers.jsonl").read_text("utf-8").splitlines()
         if line.strip()]
HAMLET = "Bản Khe Ló"
# The answers that lead to each item: nghien … trong_cay, then the note.
PATH = ["3", "2", "3", "1", "2", "1", "0", "3", "90", "1", "0", "0", "không"]
CODES = ["nghien", "su_dung", "sau_cai", "nghien_moi", "tu_van", "cai_nghien", "loan_than", "tuyen_truyen",
         "luot_nghe", "to_giac", "diem_nghi_van", "trong_cay", "ghi_chu"]
# 09:00 on 2 December 2026 in Vietnam: the month picker is offered.
EARLY_DECEMBER = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
NOT_UNDERSTOOD = ("chua hieu", "khong hieu")


@dataclass
class Bench:
    """One reporter of the demo commune on its own SQLite file, shared by every case."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    user: User
    unit_id: int


@pytest.fixture(scope="module")
async def bench(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Bench]:
    path = tmp_path_factory.mktemp("typed") / "typed.db"
    engine: AsyncEngine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    user = User(Core(sessions=sessions, clock=clock), "typed-1")
    await user.say(f"/start {code_of(summary, HAMLET)}")
    async with sessions() as session:
        unit_id = (await session.execute(select(Unit.id).where(Unit.name == HAMLET))).scalar_one()
    yield Bench(sessions, clock, user, unit_id)
    await engine.dispose()


async def _state(bench: Bench) -> tuple[str | None, dict[str, Any]]:
    async with bench.sessions() as session:
        row = (await session.execute(select(DialogState).where(DialogState.user_id == bench.user.user_id))
               ).scalar_one_or_none()
    if row is None or not row.dialog:
        return None, {}
    return row.step, dict(row.payload)


async def _filed(bench: Bench, code: str) -> bool:
    async with bench.sessions() as session:
        found = (await session.execute(select(Report.id).join(Period, Period.id == Report.period_id)
                                       .where(Report.unit_id == bench.unit_id, Period.code == code))).first()
    return found is not None


async def _reset(bench: Bench) -> None:
    """No dialog, no report for November or December, the usual clock."""
    bench.clock.now = FIXED_NOW
    await bench.user.say("/huy")
    async with bench.sessions() as session, session.begin():
        ids = select(Period.id).where(Period.code.in_(["2026-11", "2026-12"]))
        await session.execute(delete(Report).where(Report.unit_id == bench.unit_id, Report.period_id.in_(ids)))


async def _go_to(bench: Bench, at: str) -> None:
    user = bench.user
    if at.startswith("idle"):
        if ":" in at:
            day = dt.date.fromisoformat(at.split(":", 1)[1])
            bench.clock.now = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)
        return
    if at == "period":
        bench.clock.now = EARLY_DECEMBER
        await user.say("báo cáo")
        return
    await user.say("báo cáo")
    if at == "jump":
        await user.say("50")
        return
    stop = CODES.index(at.split(":", 1)[1]) if at.startswith("ask:") else len(CODES)
    for answer in PATH[:stop]:
        await user.say(answer)


def _check(case: dict[str, Any], before: tuple[str | None, dict[str, Any]],
           after: tuple[str | None, dict[str, Any]], replies: list[Reply], saved: bool) -> None:
    expect: dict[str, Any] = case["expect"]
    step, data = after
    old_step, old = before
    said = texts(replies)
    answers: dict[str, Any] = data.get("answers", {})
    code = "nghien" if case["at"] == "jump" else case["at"].split(":", 1)[-1]
    for part in expect.get("reply_has", []):
        assert fold(part) in fold(said), f"the reply should say {part!r}: {said!r}"
    if "value" in expect:
        assert step is not None, f"the dialog ended: {said!r}"
        assert code in answers and answers[code] == expect["value"], f"stored {answers.get(code)!r}: {said!r}"
        assert data.get("index", 0) > old.get("index", 0) or step == "confirm", f"did not move on: {said!r}"
    if expect.get("asks"):
        assert step is not None, f"the dialog ended: {said!r}"
        assert data.get("index") == old.get("index"), f"moved on: {said!r}"
        assert answers.get(code) == old.get("answers", {}).get(code), f"stored {answers.get(code)!r}: {said!r}"
        assert old_step != "period" or (data.get("period") == old.get("period") and step == "period"), said
    if expect.get("stays"):
        assert (step, data.get("index"), answers) == (old_step, old.get("index"), old.get("answers", {})), said
        assert not any(w in fold(said) for w in NOT_UNDERSTOOD), f"not understood: {said!r}"
    if expect.get("saved"):
        assert step is None and saved, f"not saved: {said!r}"
    if expect.get("cancel"):
        assert not saved, said
        assert step is None or step == "cancel", f"not cancelled: {step} {said!r}"
    if expect.get("back"):
        assert step == "ask" and data["index"] == old["index"] - 1, said
    if expect.get("restart"):
        assert step == "ask" and data["index"] == 0 and not data.get("answers"), said
    if "edit" in expect:
        assert step == "ask" and data.get("editing") and CODES[data["index"]] == expect["edit"], f"{step} {said!r}"
    if expect.get("edit_menu"):
        assert step == "edit", f"{step} {said!r}"
    if "fixed" in expect:
        assert step == "confirm", f"{step} {said!r}"
        for key, value in expect["fixed"].items():
            assert answers.get(key) == value, said
    if "period" in expect:
        assert step == "ask" and data.get("period") == expect["period"], f"{step} {data.get('period')} {said!r}"
    if expect.get("started"):
        assert step is not None, said
    if expect.get("idle"):
        assert step is None, said
        assert not any(w in fold(said) for w in NOT_UNDERSTOOD), f"not understood: {said!r}"


@pytest.mark.parametrize("case", CASES, ids=[f"{n:03d}-{c['at']}-{c['text']}" for n, c in enumerate(CASES)])
async def test_typed_answer(bench: Bench, case: dict[str, Any]) -> None:
    await _reset(bench)
    await _go_to(bench, case["at"])
    before = await _state(bench)
    replies = await bench.user.say(case["text"])
    after = await _state(bench)
    period = after[1].get("period") or before[1].get("period") or "2026-11"
    _check(case, before, after, replies, await _filed(bench, period))


# A typical hamlet official's report, as typed on a phone: the figures of ``PATH`` said their way.
TYPICAL = ["3 nguoi", "2", "ko co", "1", "2 nguoi", "1", "khong", "3 buoi", "mot tram hai", "1 tin", "khong co",
           "khong", "khong co gi"]
# What the reporter does when not understood: types the figure again in digits (``PATH``), or at
# the summary presses the button; after a cancelled report, starts again in digits.
# Before the dialog read sentences and number words: 18 messages ("ko co", "khong co", "mot tram hai"
# typed again in digits), 33 when the summary was answered "đúng" (it cancelled the whole report).
MESSAGES_PER_REPORT = 15  # "báo cáo", 12 figures, the note, "đúng rồi"


async def _typical_report(bench: Bench, yes: str) -> int:
    user, sent = bench.user, 0

    async def say(text: str) -> None:
        nonlocal sent
        sent += 1
        await user.say(text)

    await say("bao cao")
    for index, natural in enumerate(TYPICAL):
        await say(natural)
        step, data = await _state(bench)
        if step == "ask" and data["index"] == index:
            await say(PATH[index])
    await say(yes)
    if not await _filed(bench, "2026-11"):
        step, _data = await _state(bench)
        if step is None:  # the report was cancelled: all over again
            await say("bao cao")
            for answer in PATH:
                await say(answer)
        await say("xác nhận")
    assert await _filed(bench, "2026-11")
    return sent


@pytest.mark.parametrize("yes", ["dung roi", "đúng"])
async def test_a_typical_report_takes_fifteen_messages(bench: Bench, yes: str) -> None:
    await _reset(bench)
    assert await _typical_report(bench, yes) == MESSAGES_PER_REPORT

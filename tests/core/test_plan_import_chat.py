"""An admin sends a plan document in chat, sees the preview, presses Lưu; then anyone can ask about it."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.dispatch import Core
from handlers.questions import question_handler
from locales.messages import Incoming, IncomingFile
from storage.models.plans import Plan
from tests.conftest import shared_dir
from tests.core.chat import Clock, User, code_of, demo, texts

_ids = itertools.count(90_000)


async def test_admin_imports_a_plan_in_chat_and_a_reporter_asks(engine: AsyncEngine) -> None:
    # A province's plan (seed 001): a plan of another commune (seed 000, xã Quỳ Hợp) is refused to the
    # demo commune's admin (tests/core/test_people_and_scope.py).
    seed = shared_dir() / "seeds" / "001_6a0687a21b1995cc.txt"
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock, questions=question_handler)
    admin = User(core, "admin-1")
    reporter = User(core, "rep-1")
    await admin.say(f"/start {summary.admin_code}")
    await reporter.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    assert "Chỉ quản trị viên" in texts(await reporter.send(Incoming("telegram", str(next(_ids)), "rep-1", "rep-1",
                                                       file=IncomingFile(seed.name, seed.read_bytes()))))
    preview = await admin.send(Incoming("telegram", str(next(_ids)), "admin-1", "admin-1",
                                        file=IncomingFile(seed.name, seed.read_bytes())))
    assert "Địa bàn: tỉnh Nghệ An" in texts(preview) and preview[-1].buttons
    async with sessions() as session:
        before = (await session.execute(select(func.count()).select_from(Plan))).scalar_one()
    saved = texts(await admin.press(preview[-1].buttons[0][0].data))
    assert "lưu" in saved.lower()
    async with sessions() as session:
        after = (await session.execute(select(func.count()).select_from(Plan))).scalar_one()
    assert after == before + 1
    # The demo plan still answers for the demo commune's hamlet.
    assert "Theo Kế hoạch số 18/KH-UBND" in texts(await reporter.say("xóm tôi được giao gì"))


async def test_pressing_an_answers_button_is_typing_its_words(engine: AsyncEngine) -> None:
    """'Xem chi tiết' under an answer (no dialog open) gives the full text, as typing it would."""
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock, questions=question_handler)
    reporter = User(core, "rep-2")
    await reporter.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    answer = await reporter.say("Công an xã được giao nhiệm vụ gì?")
    buttons = [b for r in answer for row in r.buttons for b in row]
    assert buttons, texts(answer)
    pressed = await reporter.press(buttons[0].data)
    typed = await reporter.say(buttons[0].data)
    assert texts(pressed) == texts(typed) and "Công an xã" in texts(pressed)
    assert texts(pressed) != texts(answer) and "Là cơ quan thường trực" in texts(pressed)

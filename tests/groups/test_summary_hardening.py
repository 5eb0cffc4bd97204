"""Summaries that must not break or leak: no note in any scheduled group summary, a period out of range
answered in Vietnamese, a unit name that looks like mathtext drawn as text, a failed chart that never
costs the text summary (on demand and scheduled)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import handlers.summary_chart as summary_chart
from handlers.dispatch import Core
from handlers.reminders import due_messages
from handlers.report_status import report_question_handler
from locales.messages import Incoming, Reply
from locales.vietnamese import fold
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import Identity, Membership, Person
from tests.groups.commune import HAMLETS_CHAT, LEADERS_CHAT, BuiltCommune, build_commune, file_report

pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
# The day after the 25/11 deadline, after the 08:00 summary time: the leaders' group summary is due.
SUMMARY_DAY = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
NOTE = "Anh Nguyễn Văn A ở xóm dùng ma túy"
VALUES = {"nghien": 4, "su_dung": 2, "tu_van": 3}
MATHTEXT = "Xóm $x^{$"
_ids = itertools.count(1)


async def _setup(engine: AsyncEngine, missing_hamlet: str = "Xóm 3") -> tuple[Core, BuiltCommune]:
    async with session_factory(engine)() as session, session.begin():
        built = await build_commune(session, hamlets=3, reporters=False)
        built.hamlets[2].name, built.hamlets[2].folded_name = missing_hamlet, fold(missing_hamlet)
        for hamlet in built.hamlets[:2]:
            await file_report(session, built, hamlet, "2026-11", VALUES, dt.datetime(2026, 11, 20, 9, tzinfo=TZ),
                              NOTE)
        person = Person(display_name="leader", language="vi")
        session.add(person)
        await session.flush()
        session.add(Identity(person_id=person.id, transport="telegram", external_id="leader"))
        session.add(Membership(person_id=person.id, unit_id=built.commune.id, role="leader"))
    core = Core(sessions=session_factory(engine), clock=lambda: NOW, extra_handlers=[report_question_handler])
    return core, built


async def _say(core: Core, text: str, chat: str | None = LEADERS_CHAT) -> list[Reply]:
    return await core.handle(Incoming(transport="telegram", update_id=str(next(_ids)), chat_id=chat or "leader",
                                      user_id="leader", text=text, chat_type="group" if chat else "private"))


async def test_no_group_summary_holds_a_note_scheduled_or_asked(engine: AsyncEngine) -> None:
    core, _built = await _setup(engine)
    async with session_factory(engine)() as session:
        planned = await due_messages(session, SUMMARY_DAY, with_chart=False)
    summaries = [p for p in planned if p.dedupe_key.startswith("summary:")]
    assert summaries and all(p.chat_id == LEADERS_CHAT for p in summaries)
    assert all(NOTE not in p.text and "Khó khăn" not in p.text for p in planned)
    for chat in (LEADERS_CHAT, HAMLETS_CHAT):
        replies = await _say(core, "/tonghop 11/2026", chat)
        assert replies and not any(NOTE in r.text for r in replies)
    # A leader who asks privately sees the notes (never tied to a hamlet).
    private = await _say(core, "/tonghop 11/2026", chat=None)
    assert NOTE in private[0].text


@pytest.mark.parametrize("argument", ["0001", "9999", "1/0001", "quý 4/9999"])
async def test_a_period_out_of_range_is_answered_in_vietnamese(engine: AsyncEngine, argument: str) -> None:
    core, _built = await _setup(engine)
    for command in ("/tonghop", "/xuatexcel"):
        for chat in (LEADERS_CHAT, None):
            replies = await _say(core, f"{command} {argument}", chat)
            assert len(replies) == 1 and replies[0].attachment is None, replies
            assert "từ năm 2000 đến năm 2027" in replies[0].text, replies[0].text


async def test_a_unit_name_like_mathtext_is_drawn_as_text(engine: AsyncEngine) -> None:
    core, _built = await _setup(engine, missing_hamlet=MATHTEXT)
    replies = await _say(core, "/tonghop 11/2026")
    assert len(replies) == 2 and MATHTEXT in replies[0].text
    assert replies[1].attachment is not None and replies[1].attachment.content[:4] == b"\x89PNG"
    async with session_factory(engine)() as session:
        planned = await due_messages(session, SUMMARY_DAY)
    assert [p.attachment_kind for p in planned if p.dedupe_key.startswith("summary:")] == [None, "photo"]


async def test_a_failed_chart_never_loses_the_text_summary(engine: AsyncEngine,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    core, _built = await _setup(engine)

    def broken(summary: object) -> bytes:
        raise ValueError("the chart cannot be drawn")

    monkeypatch.setattr(summary_chart, "summary_png", broken)
    replies = await _say(core, "/tonghop 11/2026")
    assert len(replies) == 1 and replies[0].text.startswith("Tổng hợp báo cáo tháng 11/2026")
    async with session_factory(engine)() as session:
        planned = await due_messages(session, SUMMARY_DAY)
    summaries = [p for p in planned if p.dedupe_key.startswith("summary:")]
    assert len(summaries) == 1 and summaries[0].text.startswith("Tổng hợp báo cáo tháng 11/2026")


@pytest.mark.parametrize("question", ["tổng hợp năm 0001", "tổng hợp tháng 1/0001", "/xem tháng 1/0001",
                                      "tổng hợp quý 4/9999"])
async def test_a_year_out_of_range_in_a_private_question_is_answered_in_vietnamese(
    engine: AsyncEngine, question: str
) -> None:
    core, _built = await _setup(engine)
    replies = await _say(core, question, chat=None)
    assert len(replies) == 1 and "từ năm 2000 đến năm 2027" in replies[0].text, replies

"""Questions about reports in a private chat, through the real dispatcher on both databases.

The commune has twelve hamlets: all reported October; ten reported November (Xóm 10 late, Xóm 11 and
Xóm 12 never); three reported December so far. The clock is pinned on 5 December 2026, 09:00 Vietnam
time, so nothing depends on the real date.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from handlers.dispatch import Core
from handlers.report_questions import read_question
from handlers.report_status import report_question_handler
from locales.messages import Incoming, Reply
from locales.vietnamese import fold
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import DialogState, Identity, Membership, Person, Unit
from storage.people import Member
from storage.periods import split_period
from tests.conftest import shared_dir
from tests.groups.commune import BuiltCommune, build_commune, file_report

# Calendar-dependent: CI runs it again with the clock pinned at each moment (make test-dates).
pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
PLAN_ANSWER = "(an answer about the plans)"
_ids = itertools.count(1)


def _values(nghien: int) -> dict[str, int]:
    return {"nghien": nghien, "su_dung": 1, "sau_cai": 0, "nghien_moi": 0, "tu_van": 1, "cai_nghien": 0,
            "loan_than": 0, "tuyen_truyen": 1, "luot_nghe": 30, "to_giac": 0, "diem_nghi_van": 0, "trong_cay": 0}


async def _person(session: AsyncSession, unit_id: int, role: str, user: str) -> None:
    person = Person(display_name=user, language="vi")
    session.add(person)
    await session.flush()
    session.add(Identity(person_id=person.id, transport="telegram", external_id=user))
    session.add(Membership(person_id=person.id, unit_id=unit_id, role=role))


async def _agency(session: AsyncSession, commune: Unit, name: str) -> Unit:
    unit = Unit(kind="agency", name=name, folded_name=fold(name), parent_id=commune.id, settings={})
    session.add(unit)
    await session.flush()
    return unit


async def _plans(session: AsyncSession, text: str, member: Member, today: dt.date) -> tuple[str, list[Reply]]:
    """Stands for the plan questions: whatever reaches it was not taken as a report question."""
    return "assigned_tasks", [Reply(PLAN_ANSWER)]


async def _setup(engine: AsyncEngine) -> tuple[Core, BuiltCommune]:
    async with session_factory(engine)() as session, session.begin():
        ours = await build_commune(session, hamlets=12, groups=False)
        province = await session.get(Unit, ours.province.id)
        theirs = await build_commune(session, hamlets=2, name="Xã Bên Cạnh", province=province, groups=False)
        for hamlet in theirs.hamlets:
            await file_report(session, theirs, hamlet, "2026-11", _values(50), dt.datetime(2026, 11, 20, tzinfo=TZ))
        for n, hamlet in enumerate(ours.hamlets, start=1):
            await file_report(session, ours, hamlet, "2026-10", _values(1), dt.datetime(2026, 10, 20, 9, tzinfo=TZ))
            if n <= 10:
                filed_at = dt.datetime(2026, 11, 27 if n == 10 else 20, 9, tzinfo=TZ)
                await file_report(session, ours, hamlet, "2026-11", _values(2), filed_at, note="Thiếu loa.")
            if n <= 3:
                await file_report(session, ours, hamlet, "2026-12", _values(3), dt.datetime(2026, 12, 2, 9, tzinfo=TZ))
        police = await _agency(session, ours.commune, "Công an xã")
        health = await _agency(session, ours.commune, "Trạm y tế xã")
        await _person(session, ours.commune.id, "leader", "leader1")
        await _person(session, police.id, "officer", "police1")
        await _person(session, health.id, "officer", "health1")
    core = Core(sessions=session_factory(engine), clock=lambda: NOW, questions=_plans,
                extra_handlers=[report_question_handler])
    return core, ours


async def _say(core: Core, user: str, text: str, chat: str | None = None) -> str:
    incoming = Incoming(transport="telegram", update_id=str(next(_ids)), chat_id=chat or user, user_id=user,
                        text=text, chat_type="group" if chat else "private")
    return "\n".join(reply.text for reply in await core.handle(incoming))


def _reporter(built: BuiltCommune, number: int) -> str:
    return built.reporter_chat[built.hamlets[number - 1].id]


async def test_leader_asks_for_the_summary_comparison_and_missing_hamlets_of_the_period_asked(
    engine: AsyncEngine,
) -> None:
    core, ours = await _setup(engine)
    brief = await _say(core, "leader1", "tổng hợp tháng 11")
    assert brief.startswith(f"Tổng hợp báo cáo tháng 11/2026 — {ours.commune.name}")
    assert "Đã báo cáo: 10/12 thôn, xóm" in brief and "Hạn nộp: 25/11/2026" in brief
    assert "Chưa báo cáo (2): Xóm 11, Xóm 12" in brief and "Báo cáo trễ (1): Xóm 10" in brief
    assert "Người nghiện: 20 người (+8)" in brief
    assert "tổng hợp tháng 11/2026 chi tiết" in brief
    assert len(brief) <= 700 and "Xã Bên Cạnh" not in brief and "Thiếu loa" not in brief
    full = await _say(core, "leader1", "tổng hợp tháng 11/2026 chi tiết")
    assert "Số liệu (so với kỳ trước · so với cùng kỳ năm trước):" in full and "Thiếu loa" in full
    assert "tháng 12/2026" in await _say(core, "leader1", "tong hop thang nay")
    assert "Đã báo cáo: 3/12" in await _say(core, "leader1", "Tổng hợp tháng này")
    quarter = await _say(core, "leader1", "tổng hợp quý 4")
    assert quarter.startswith("Tổng hợp báo cáo quý IV/2026") and "so với quý III/2026" in quarter

    compared = await _say(core, "leader1", "so với tháng trước")
    assert compared.startswith(f"So sánh tháng 11/2026 với tháng 10/2026 — {ours.commune.name}")
    assert "Người nghiện: 20 (trước đó 12; +8)" in compared
    assert "Số liệu từ báo cáo của 10/12 thôn, xóm (tháng 10/2026: 12/12)." in compared
    last_year = await _say(core, "leader1", "tháng 11 so với cùng kỳ năm ngoái")
    assert "với tháng 11/2025" in last_year and "Người nghiện: 20 (trước đó —; —)" in last_year

    missing = await _say(core, "leader1", "xóm nào chưa nộp tháng 11")
    assert missing.startswith(f"{ours.commune.name} còn 2/12 thôn, xóm chưa báo cáo tháng 11/2026:")
    assert "1. Xóm 11\n2. Xóm 12" in missing and "đã quá hạn" in missing and "Xóm 10" in missing
    assert "Cả 12 thôn, xóm" in await _say(core, "leader1", "Xom nao chua bao cao thang 10?")
    assert "còn 9/12" in await _say(core, "leader1", "những thôn nào chưa gửi báo cáo tháng 12")
    # Without a period: the month whose deadline is nearest (on 5 December, November's).
    assert "tháng 11/2026" in await _say(core, "leader1", "xóm nào chưa báo cáo?")


async def test_leader_xem_shows_the_commune_overview_and_any_of_its_hamlets(engine: AsyncEngine) -> None:
    core, ours = await _setup(engine)
    overview = await _say(core, "leader1", "/xem")
    assert overview.startswith(f"{ours.commune.name} — báo cáo tháng 12/2026")
    assert "Đã báo cáo: 3/12" in overview and "• Người nghiện: 9 người\n" in overview
    assert "Báo cáo tháng 11/2026: 10/12 đã nộp; chưa nộp: Xóm 11, Xóm 12." in overview
    assert "chưa có báo cáo nào" not in overview and len(overview) <= 800
    assert "10/12" in await _say(core, "leader1", "/xem tháng 11")
    latest = await _say(core, "leader1", "/xem Xóm 3")
    assert latest.startswith("Báo cáo gần nhất của Xóm 3: tháng 12/2026") and "1. Người nghiện: 3 người" in latest
    november = await _say(core, "leader1", "/xem xom 3 thang 11")
    assert november.startswith("Báo cáo tháng 11/2026 của Xóm 3") and "1. Người nghiện: 2 người" in november
    assert await _say(core, "leader1", "/xem Xóm 12 tháng 11") == (
        "Xóm 12 chưa nộp báo cáo tháng 11/2026. Hạn nộp: 25/11/2026.")
    # "Xóm 1" exists in the next commune too: a leader's /xem looks in their own commune.
    assert "1. Người nghiện: 3 người" in await _say(core, "leader1", "/xem Xóm 1")
    assert "Không tìm thấy" in await _say(core, "leader1", "/xem Bản Không Có")


async def test_commune_police_see_every_hamlet_other_officers_only_their_own(engine: AsyncEngine) -> None:
    core, _ours = await _setup(engine)
    assert "Đã báo cáo: 3/12" in await _say(core, "police1", "/xem")
    assert "1. Người nghiện: 3 người" in await _say(core, "police1", "/xem Xóm 3")
    assert "1. Xóm 11\n2. Xóm 12" in await _say(core, "police1", "xóm nào chưa nộp tháng 11")
    assert "Xóm 10" in await _say(core, "police1", "tổng hợp tháng 11")
    # The police compile the hamlets' reports, not the other agencies'.
    assert "Không tìm thấy" in await _say(core, "police1", "/xem Trạm y tế xã")

    refused = await _say(core, "health1", "/xem Xóm 3")
    assert "Trạm y tế xã" in refused and "Người nghiện" not in refused
    private = await _say(core, "health1", "xóm nào chưa nộp tháng 11")
    assert "chỉ lãnh đạo xã và Công an xã" in private and "Xóm 11" not in private


async def test_reporter_gets_their_own_hamlet_status_and_nothing_of_the_others(engine: AsyncEngine) -> None:
    core, ours = await _setup(engine)
    filed = await _say(core, _reporter(ours, 3), "thôn mình báo cáo tháng này chưa?")
    assert filed == "Xóm 3 đã nộp báo cáo tháng 12/2026 lúc 09:00 02/12/2026, đúng hạn (hạn 25/12/2026)."

    missing = await _say(core, _reporter(ours, 11), "thôn mình báo cáo tháng này chưa?")
    assert missing.startswith("Xóm 11 chưa nộp báo cáo tháng 12/2026. Hạn nộp: 25/12/2026 (còn 20 ngày).")
    assert "Để nộp, đồng chí gõ “báo cáo”." in missing
    # last month's gap is said too, with how to file it late
    assert "Xóm 11 chưa nộp báo cáo tháng 11/2026; hạn nộp là 25/11/2026, đã quá hạn." in missing
    assert "gõ “báo cáo tháng 11”" in missing

    late = await _say(core, _reporter(ours, 11), "tháng trước tôi chưa nộp thì sao?")
    assert late.startswith("Xóm 11 chưa nộp báo cáo tháng 11/2026")
    assert "Báo cáo nộp sau hạn vẫn được nhận, chỉ ghi là nộp muộn." in late
    assert "Để nộp báo cáo tháng 11/2026, đồng chí gõ “báo cáo tháng 11”." in late
    counted_late = await _say(core, _reporter(ours, 10), "thang truoc nop muon co sao khong")
    assert "sau hạn 25/11/2026: tính là nộp muộn" in counted_late and "Nếu cần sửa" in counted_late

    for question in ("xóm nào chưa nộp tháng 11", "tổng hợp tháng 11"):
        answer = await _say(core, _reporter(ours, 11), question)
        assert "chỉ lãnh đạo xã và Công an xã được xem" in answer and "Xóm 11" in answer
        assert "Xóm 12" not in answer and "Xóm 1 " not in answer and "Người nghiện" not in answer
    # "so với tháng trước": their own figures against their own previous report
    own = await _say(core, _reporter(ours, 3), "so với tháng trước")
    assert own.startswith("So sánh tháng 12/2026 với tháng 11/2026 — Xóm 3:")
    assert "• Người nghiện: 3 (trước đó 2; +1)" in own and "Xóm 4" not in own
    assert "Xóm 11 chưa nộp báo cáo tháng 12/2026" in await _say(core, _reporter(ours, 11), "so với tháng trước")
    assert "Xóm 12" not in await _say(core, _reporter(ours, 11), "/xem")


async def test_report_and_plan_questions_still_go_where_they_did(engine: AsyncEngine) -> None:
    core, ours = await _setup(engine)
    user = _reporter(ours, 11)
    assert await _say(core, user, "đơn vị tôi được giao nhiệm vụ gì?") == PLAN_ANSWER
    assert await _say(core, user, "khi nào nộp báo cáo quý?") == PLAN_ANSWER
    await _say(core, user, "báo cáo")
    async with session_factory(engine)() as session:
        state = await session.scalar(select(DialogState).where(DialogState.user_id == user))
    assert state is not None and state.dialog == "report"
    step = state.step
    # A question about reports inside the dialog is answered; the dialog stays where it was.
    assert "Xóm 11 chưa nộp báo cáo tháng 12/2026" in await _say(core, user, "thôn mình nộp báo cáo chưa?")
    async with session_factory(engine)() as session:
        state = await session.scalar(select(DialogState).where(DialogState.user_id == user))
    assert state is not None and (state.dialog, state.step) == ("report", step)
    # Figures never go to a group: report questions there are not answered.
    assert await _say(core, "leader1", "tổng hợp tháng 11", chat="-900") == ""


@pytest.mark.parametrize("text", [
    "báo cáo", "bao cao", "báo cáo tháng 11", "báo cáo tháng 11/2026", "nộp số liệu", "xem báo cáo", "3",
    "3 người", "tháng trước", "tháng 11", "xác nhận", "đúng rồi", "gửi đi", "đồng ý gửi", "chưa có", "chưa gửi",
    "khi nào nộp báo cáo quý?", "hạn nộp báo cáo tháng là ngày nào?", "đơn vị tôi được giao nhiệm vụ gì?",
    "ai tổng hợp báo cáo gửi UBND tỉnh?", "Công an xã chủ trì nhiệm vụ gì", "Thiếu kinh phí, chưa báo cáo được",
    "đơn vị tổng hợp báo cáo là ai", "chỉ tiêu nào chưa đạt?", "Dự án 5 là gì?", "xem chi tiết",
])
def test_what_is_not_a_question_about_reports(text: str) -> None:
    assert read_question(text, dt.date(2026, 12, 5)) is None


@pytest.mark.parametrize(("today", "text", "kind", "code"), [
    (dt.date(2026, 12, 5), "tổng hợp tháng này", "summary", "2026-12"),
    (dt.date(2026, 12, 5), "Tong hop t11", "summary", "2026-11"),
    (dt.date(2027, 1, 2), "tổng hợp tháng 12", "summary", "2026-12"),
    (dt.date(2027, 1, 2), "tổng hợp quý 4", "summary", "2026-Q4"),
    (dt.date(2027, 1, 2), "tổng hợp quý này", "summary", "2027-Q1"),
    (dt.date(2026, 12, 31), "tổng hợp quý IV/2026", "summary", "2026-Q4"),
    (dt.date(2026, 7, 1), "tổng hợp 6 tháng đầu năm", "summary", "2026-H1"),
    (dt.date(2026, 12, 5), "tong hop nam 2026", "summary", "2026"),
    (dt.date(2026, 3, 1), "xóm nào chưa nộp tháng trước", "missing", "2026-02"),
    (dt.date(2026, 1, 1), "tháng trước tôi chưa nộp thì sao?", "late", "2025-12"),
    (dt.date(2026, 12, 25), "thôn mình báo cáo tháng này chưa?", "status", "2026-12"),
    (dt.date(2026, 12, 5), "đã nộp báo cáo tháng 11 chưa ạ", "status", "2026-11"),
    (dt.date(2026, 12, 5), "so sánh tháng 11 với tháng 10", "compare", "2026-11"),
    (dt.date(2026, 12, 5), "ds xom chua nop bc thang 11", "missing", "2026-11"),
    (dt.date(2026, 12, 5), "tinh hinh nop bao cao thang 11", "summary", "2026-11"),
    (dt.date(2026, 12, 5), "thang truoc quen nop gio lam sao", "late", "2026-11"),
    (dt.date(2026, 12, 5), "tháng 11 quá hạn rồi nộp được nữa không", "late", "2026-11"),
    (dt.date(2026, 12, 5), "xom minh nop bc thang nay chua", "status", "2026-12"),
])
def test_the_period_asked_on_any_day(today: dt.date, text: str, kind: str, code: str) -> None:
    question = read_question(text, today)
    assert question is not None and question.kind == kind
    assert question.period is not None and question.period.code == code


def test_a_period_is_split_from_a_hamlet_name() -> None:
    period, name = split_period("Xóm 3 tháng 10", dt.date(2026, 12, 5))
    assert period is not None and period.code == "2026-10" and name == "xom 3"
    assert split_period("Bản Khe Ló", dt.date(2026, 12, 5)) == (None, "ban khe lo")


@pytest.mark.parametrize(("moment", "user", "text", "expected"), [
    # the deadline's last minute
    (dt.datetime(2026, 12, 25, 23, 59), 11, "thôn mình báo cáo tháng này chưa?",
     "Xóm 11 chưa nộp báo cáo tháng 12/2026. Hôm nay, 25/12/2026, là hạn cuối."),
    # New Year's first minute in Vietnam (still 31 December in UTC): last month is December 2026
    (dt.datetime(2027, 1, 1, 0, 1), 11, "tháng trước tôi chưa nộp thì sao?",
     "Xóm 11 chưa nộp báo cáo tháng 12/2026; hạn nộp là 25/12/2026, đã quá hạn."),
    (dt.datetime(2027, 1, 1, 0, 1), 11, "tháng trước tôi chưa nộp thì sao?", "gõ “báo cáo tháng 12/2026”"),
    (dt.datetime(2026, 12, 31, 23, 59), 3, "thôn mình báo cáo tháng này chưa?", "Xóm 3 đã nộp báo cáo tháng 12/2026"),
    # the 1st of a month: a leader's "which hamlets" is about the month just due
    (dt.datetime(2026, 12, 1, 8, 0), 0, "xóm nào chưa nộp?", "còn 2/12 thôn, xóm chưa báo cáo tháng 11/2026"),
    (dt.datetime(2026, 12, 20, 8, 0), 0, "xóm nào chưa nộp?", "còn 9/12 thôn, xóm chưa báo cáo tháng 12/2026"),
    (dt.datetime(2026, 12, 31, 23, 59), 0, "tổng hợp quý này", "Tổng hợp báo cáo quý IV/2026"),
    (dt.datetime(2027, 1, 1, 0, 1), 0, "tổng hợp quý trước", "Tổng hợp báo cáo quý IV/2026"),
])
async def test_answers_follow_the_clock_not_the_real_date(
    engine: AsyncEngine, moment: dt.datetime, user: int, text: str, expected: str,
) -> None:
    core, ours = await _setup(engine)
    core.clock = lambda: moment.replace(tzinfo=TZ).astimezone(dt.UTC)
    assert expected in await _say(core, _reporter(ours, user) if user else "leader1", text)


async def test_xem_in_words_and_with_a_period(engine: AsyncEngine) -> None:
    core, ours = await _setup(engine)
    assert (await _say(core, "leader1", "xem báo cáo xóm 3 tháng 11")).startswith("Báo cáo tháng 11/2026 của Xóm 3")
    assert "10/12" in await _say(core, "leader1", "xem bc tháng 11")
    reporter = _reporter(ours, 3)
    assert (await _say(core, reporter, "/xem tháng 10")).startswith("Báo cáo tháng 10/2026 của Xóm 3")
    assert (await _say(core, reporter, "xem báo cáo tháng 11")).startswith("Báo cáo tháng 11/2026 của Xóm 3")
    assert (await _say(core, reporter, "xem báo cáo")).startswith("Báo cáo gần nhất của Xóm 3: tháng 12/2026")
    refused = await _say(core, reporter, "xem báo cáo xóm 4")
    assert "Xóm 3" in refused and "Người nghiện" not in refused


def _texts(path: Path, key: str) -> list[str]:
    return [json.loads(line)[key] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_no_plan_question_or_dialog_answer_is_taken_for_a_report_question() -> None:
    """The extra handler runs before dialogs and plan questions: none of their test sets reaches it."""
    tests = Path(__file__).resolve().parents[1]
    texts = _texts(tests / "plans" / "questions_dev.jsonl", "q")
    texts += _texts(tests / "core" / "typed_answers.jsonl", "text")
    taken = [t for t in texts if read_question(t, dt.date(2026, 12, 5)) is not None]
    assert len(texts) > 300 and taken == []


def test_no_shared_plan_question_is_taken_for_a_report_question() -> None:
    texts = _texts(shared_dir() / "eval" / "questions-dev.jsonl", "q")
    assert [t for t in texts if read_question(t, dt.date(2026, 12, 5)) is not None] == []

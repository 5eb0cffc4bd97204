"""Plans saved and read back on both backends; answers from the database, split for a phone."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.questions import Asker, answer_question
from storage.db import session_factory
from storage.models import IndicatorSet, Period, Report
from storage.models.plans import Plan, PlanAssignment, PlanProject, PlanTarget, PlanTask, PlanUnplaced
from storage.models.units import Unit
from storage.plans import find_or_create_area, parse_plan, read_text, save_plan
from tests.conftest import shared_dir

TODAY = dt.date(2026, 11, 23)


async def _import(engine: AsyncEngine, seed: str) -> tuple[int, int]:
    parsed = parse_plan(read_text(shared_dir() / "seeds" / seed), seed)
    async with session_factory(engine)() as session, session.begin():
        assert parsed.area_name is not None
        area = await find_or_create_area(session, parsed.area_name)
        plan = await save_plan(session, parsed, area)
        return plan.id, area.id


async def test_save_and_load_a_plan(engine: AsyncEngine) -> None:
    plan_id, area_id = await _import(engine, "001_6a0687a21b1995cc.txt")
    async with session_factory(engine)() as session:
        plan = await session.get(Plan, plan_id)
        assert plan is not None
        assert (plan.number, plan.issued_on, plan.issuer) == ("107/KH-UBND", dt.date(2026, 2, 12), "UBND tỉnh Nghệ An")
        area = await session.get(Unit, area_id)
        assert area is not None and area.kind == "province"
        agencies = (await session.execute(select(Unit).where(Unit.parent_id == area_id))).scalars().all()
        assert {a.kind for a in agencies} == {"agency"}
        health = next(a for a in agencies if a.name == "Sở Y tế")
        rows = await session.execute(
            select(PlanTask.text, PlanAssignment.role)
            .join(PlanAssignment, PlanAssignment.task_id == PlanTask.id)
            .where(PlanAssignment.unit_id == health.id)
        )
        texts = [r[0] for r in rows]
        # IV.2 a) and b) (its heading lost, recovered), the Dự án 6 line it leads, Dự án 4 and 5 it supports.
        assert len(texts) == 5 and any("Dự án 6" in t for t in texts)
        kinds = await session.execute(
            select(func.count()).select_from(PlanAssignment).where(PlanAssignment.unit_kind == "commune")
        )
        assert kinds.scalar_one() == 7  # IV.9 and IV.2 b) (3 led), supports of Dự án 1, 2, 4 and 5
        project = (await session.execute(select(PlanProject).where(PlanProject.code == "6"))).scalar_one()
        assert project.lead_unit_id == health.id
        targets = (await session.execute(select(func.count()).select_from(PlanTarget))).scalar_one()
        assert targets >= 43
        unplaced = (await session.execute(select(func.count()).select_from(PlanUnplaced))).scalar_one()
        assert unplaced == 11


async def test_reimport_reuses_agencies(engine: AsyncEngine) -> None:
    await _import(engine, "003_d549ea4074743c8f.txt")
    await _import(engine, "003_d549ea4074743c8f.txt")
    async with session_factory(engine)() as session:
        count = (
            await session.execute(select(func.count()).select_from(Unit).where(Unit.kind == "agency"))
        ).scalar_one()
        assert count == 16  # 17 headings, one of them "every district"
        plans = (await session.execute(select(func.count()).select_from(Plan))).scalar_one()
        tasks = (await session.execute(select(func.count()).select_from(PlanTask))).scalar_one()
        assert plans == 1  # the second import replaced the first
        assert tasks == 33  # one import's worth (the preview's task counts add up to 33)


async def test_long_answer_is_split_and_cites_the_plan(engine: AsyncEngine) -> None:
    await _import(engine, "002_1f02651bb9e2d91e.txt")
    async with session_factory(engine)() as session:
        answer = await answer_question(session, "CA tỉnh được giao nhiệm vụ gì", Asker(None, None), TODAY)
    assert answer.intent == "assigned_tasks" and answer.unit == "Công an tỉnh"
    assert len(answer.tasks) == 34  # 29 led, 3 requested supports, 2 "chủ trì, phối hợp với Công an tỉnh"
    assert len(answer.replies) > 1
    assert len(answer.replies[0].text) <= 600  # the direct answer first, phone-sized
    assert all(len(r.text) <= 3500 for r in answer.replies)
    assert answer.replies[-1].text.endswith("Theo Kế hoạch số 171/KH-UBND ngày 15/05/2025")


async def test_hamlet_gets_the_tasks_of_every_hamlet(engine: AsyncEngine) -> None:
    _plan, area_id = await _import(engine, "000_3afe9e87286c643e.txt")
    async with session_factory(engine)() as session, session.begin():
        hamlet = Unit(kind="hamlet", name="Bản Cọ", folded_name="ban co", parent_id=area_id)
        session.add(hamlet)
        await session.flush()
        hamlet_id = hamlet.id
    async with session_factory(engine)() as session:
        answer = await answer_question(session, "ban toi phai lam gi", Asker(hamlet_id, "reporter"), TODAY)
    assert answer.unit == "Bản Cọ (Ban cán sự 54 xóm, bản)"
    assert [t["role"] for t in answer.tasks] == ["lead", "lead"]
    assert "loa truyền thanh" in answer.replies[-1].text or "loa truyền thanh" in answer.replies[0].text


async def test_hamlets_missing_reports(engine: AsyncEngine) -> None:
    _plan, commune_id = await _import(engine, "000_3afe9e87286c643e.txt")
    async with session_factory(engine)() as session, session.begin():
        hamlets = [
            Unit(kind="hamlet", name=f"Xóm {n}", folded_name=f"xom {n}", parent_id=commune_id) for n in (1, 2, 3)
        ]
        session.add_all(hamlets)
        await session.flush()
        ids = [h.id for h in hamlets]
    async with session_factory(engine)() as session:
        answer = await answer_question(session, "xóm nào chưa báo cáo?", Asker(ids[0], "leader"), TODAY)
    assert answer.intent == "report_status"
    assert "3/3" in answer.replies[0].text  # no period row yet: nobody reported
    async with session_factory(engine)() as session, session.begin():
        period = Period(
            code="2026-11",
            kind="month",
            year=2026,
            number=11,
            starts_on=dt.date(2026, 11, 1),
            ends_on=dt.date(2026, 11, 30),
        )
        iset = IndicatorSet(owner_id=commune_id, code="pcmt", name="PCMT")
        session.add_all([period, iset])
        await session.flush()
        session.add(Report(unit_id=ids[1], set_id=iset.id, period_id=period.id))
    async with session_factory(engine)() as session:
        answer = await answer_question(session, "xom nao chua nop bao cao", Asker(ids[0], "leader"), TODAY)
        refused = await answer_question(session, "xom nao chua nop bao cao", Asker(ids[0], "reporter"), TODAY)
    text = answer.replies[0].text
    assert "2/3" in text and "Xóm 1" in text and "Xóm 3" in text and "Xóm 2" not in text
    assert refused.intent == "report_status" and "Xóm 1" not in refused.replies[0].text


async def test_dispatcher_shape(engine: AsyncEngine) -> None:
    from handlers.questions import question_handler
    from storage.people import Member

    _plan, commune_id = await _import(engine, "000_3afe9e87286c643e.txt")
    member = Member(
        person_id=1,
        language="vi",
        unit_id=commune_id,
        unit_name="xã Quỳ Hợp",
        unit_kind="commune",
        role="leader",
        commune_id=commune_id,
    )
    async with session_factory(engine)() as session:
        intent, replies = await question_handler(session, "MTTQ xã làm gì", member, TODAY)
    assert intent == "assigned_tasks"
    assert replies[0].text.startswith("Ủy ban mặt trận Tổ quốc Việt Nam xã Quý Hợp")


async def test_answers_see_a_plan_imported_after_them(engine: AsyncEngine) -> None:
    await _import(engine, "000_3afe9e87286c643e.txt")
    async with session_factory(engine)() as session:
        before = await answer_question(session, "Sở Tư pháp làm gì", Asker(None, None), TODAY)
    assert before.tasks == []
    await _import(engine, "001_6a0687a21b1995cc.txt")
    async with session_factory(engine)() as session:
        after = await answer_question(session, "Sở Tư pháp làm gì", Asker(None, None), TODAY)
    assert after.unit == "Sở Tư pháp" and len(after.tasks) == 3  # IV.7 (two paragraphs) and the Dự án 8 line


async def test_full_text_on_request_after_a_short_list(engine: AsyncEngine) -> None:
    """ "2" or "xem chi tiết" right after a unit's list gives that unit's full text, not the asker's."""
    from handlers.questions import question_handler
    from storage.people import Member

    _plan, commune_id = await _import(engine, "000_3afe9e87286c643e.txt")
    async with session_factory(engine)() as session, session.begin():
        hamlet = Unit(kind="hamlet", name="Xóm Tân Lập", folded_name="xom tan lap", parent_id=commune_id)
        session.add(hamlet)
        await session.flush()
        member = Member(
            person_id=77, language="vi", unit_id=hamlet.id, unit_name=hamlet.name, unit_kind="hamlet",
            role="reporter", commune_id=commune_id,
        )
    async with session_factory(engine)() as session:
        _intent, short = await question_handler(session, "Công an xã làm gì", member, TODAY)
        _intent, second = await question_handler(session, "2", member, TODAY)
        _intent, every = await question_handler(session, "xem chi tiết", member, TODAY)
    assert len(short[0].text) <= 600 and short[-1].buttons  # the "Xem chi tiết" button
    assert second[0].text.startswith("Công an xã:") and "2. " in second[0].text and "1. " not in second[0].text
    joined = "\n".join(r.text for r in every)
    assert "Cơ quan thường trực Chương trình phòng, chống ma túy" in joined and "8. " in joined
    assert "loa truyền thanh" not in joined  # never the asker's own (hamlet) tasks
    stranger = dataclasses.replace(member, person_id=78)
    async with session_factory(engine)() as session:
        _intent, which = await question_handler(session, "chi tiết 2", stranger, TODAY)
    assert "đơn vị nào" in which[0].text and which[0].buttons  # nothing remembered: ask, never guess

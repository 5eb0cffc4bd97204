"""The chat import for admins: send the file, see the preview, press “Lưu”; on both backends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.engine import Context
from conversations.plan_import import CANCEL, SAVE, PlanImportDialog, SavePlan, apply_save_plan
from handlers.questions import Asker, answer_question
from storage.cache import ConfigCache
from storage.db import session_factory
from storage.models.units import Unit
from storage.people import Member
from tests.conftest import shared_dir

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)


def _member(commune_id: int, role: str) -> Member:
    return Member(
        person_id=1,
        language="vi",
        unit_id=commune_id,
        unit_name="xã Quỳ Hợp",
        unit_kind="commune",
        role=role,
        commune_id=commune_id,
    )


async def _commune(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session, session.begin():
        commune = Unit(kind="commune", name="xã Quỳ Hợp", folded_name="xa quy hop")
        session.add(commune)
        await session.flush()
        return commune.id


async def test_admin_previews_then_saves(engine: AsyncEngine) -> None:
    commune_id = await _commune(engine)
    content = (shared_dir() / "seeds" / "000_3afe9e87286c643e.txt").read_bytes()
    dialog = PlanImportDialog()
    async with session_factory(engine)() as session:
        ctx = Context(session, _member(commune_id, "admin"), NOW, ZoneInfo("Asia/Ho_Chi_Minh"), ConfigCache())
        outcome = await dialog.start_with_file(ctx, "ke-hoach.txt", content)
        assert outcome.state is not None and outcome.state.step == "confirm"
        text = outcome.replies[0].text
        assert "Công an xã: 8" in text and "Ban cán sự 54 xóm, bản: 2" in text and len(text) < 4096
        assert [b.data for row in outcome.replies[-1].buttons for b in row] == [SAVE, CANCEL]
        again = await dialog.step(ctx, outcome.state, "gì vậy", False)
        assert again.state == outcome.state and not again.effects
        saved = await dialog.step(ctx, outcome.state, SAVE, True)
    assert saved.state is None and len(saved.effects) == 1
    effect = saved.effects[0]
    assert isinstance(effect, SavePlan) and effect.area_id == commune_id
    async with session_factory(engine)() as session, session.begin():
        await apply_save_plan(session, effect)
    async with session_factory(engine)() as session:
        answer = await answer_question(session, "TYT xã làm gì", Asker(None, None), NOW.date())
    assert answer.unit == "Trạm y tế xã" and len(answer.tasks) == 2


async def test_typed_luu_saves_and_huy_cancels(engine: AsyncEngine) -> None:
    commune_id = await _commune(engine)
    content = (shared_dir() / "seeds" / "003_d549ea4074743c8f.txt").read_bytes()
    dialog = PlanImportDialog()
    async with session_factory(engine)() as session:
        ctx = Context(session, _member(commune_id, "admin"), NOW, ZoneInfo("Asia/Ho_Chi_Minh"), ConfigCache())
        outcome = await dialog.start_with_file(ctx, "kh95.md", content)
        assert outcome.state is not None
        assert (await dialog.step(ctx, outcome.state, "Lưu", False)).effects
        cancelled = await dialog.step(ctx, outcome.state, "hủy", False)
    assert cancelled.state is None and not cancelled.effects


async def test_only_admins_and_readable_files(engine: AsyncEngine) -> None:
    commune_id = await _commune(engine)
    dialog = PlanImportDialog()
    async with session_factory(engine)() as session:
        reporter = Context(session, _member(commune_id, "reporter"), NOW, ZoneInfo("Asia/Ho_Chi_Minh"), ConfigCache())
        refused = await dialog.start_with_file(reporter, "x.txt", b"1. Cong an xa\n- lam viec")
        assert refused.state is None and not refused.effects
        assert refused.replies[0].text == "Chỉ quản trị viên mới nhập được kế hoạch."
        admin = Context(session, _member(commune_id, "admin"), NOW, ZoneInfo("Asia/Ho_Chi_Minh"), ConfigCache())
        binary = await dialog.start_with_file(admin, "x.pdf", b"\xff\xfe\x00garbage")
        assert binary.state is None and not binary.effects
        broken = await dialog.start_with_file(admin, "x.docx", b"not a zip")
        assert broken.state is None

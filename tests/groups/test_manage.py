"""Management in chat by a commune admin, through the real dispatcher, on SQLite and PostgreSQL:
/thon, /mamoi, /thanhvien and /xoa, /themthon, /doiten, /nghi, /nhatky; refusals; the audit log."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.manage_confirm import RETIRE, ManageChange
from handlers.dispatch import Core, EffectRefused, authorize
from handlers.manage import manage_text_handler
from handlers.reminders import due_messages
from locales.messages import Incoming, Reply
from storage.calendar import TZ
from storage.db import session_factory
from storage.invites import open_or_new_invite
from storage.manage import NameProblem, hamlet_name
from storage.models import AuditEntry, Identity, Membership, Person, Report, Unit
from storage.people import Member
from storage.reporting_scope import area_hamlets, hamlet_set
from tests.groups.commune import BuiltCommune, build_commune, file_report, random_values

# Calendar-dependent only through the fixed NOW below (November's period, before its 25/11 deadline + 2).
pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
_ids = itertools.count(10_000)


async def _person(engine: AsyncEngine, unit_id: int, role: str, user: str) -> int:
    async with session_factory(engine)() as session, session.begin():
        person = Person(display_name=user, language="vi")
        session.add(person)
        await session.flush()
        session.add(Identity(person_id=person.id, transport="telegram", external_id=user))
        session.add(Membership(person_id=person.id, unit_id=unit_id, role=role))
        return person.id


async def _setup(engine: AsyncEngine) -> tuple[Core, BuiltCommune, BuiltCommune, Unit]:
    async with session_factory(engine)() as session, session.begin():
        ours = await build_commune(session, hamlets=4, groups=False)
        province = await session.get(Unit, ours.province.id)
        theirs = await build_commune(session, hamlets=2, name="Xã Bên Cạnh", province=province, groups=False)
        far = Unit(kind="hamlet", name="Bản Xa Lắm", folded_name="ban xa lam", parent_id=theirs.commune.id,
                   settings={})
        session.add(far)
        for hamlet in ours.hamlets[:3]:
            await file_report(session, ours, hamlet, "2026-11", random_values(random.Random(hamlet.id)),
                              dt.datetime(2026, 11, 20, 9, tzinfo=TZ))
    await _person(engine, ours.commune.id, "admin", "admin1")
    await _person(engine, theirs.commune.id, "admin", "admin2")
    await _person(engine, ours.commune.id, "leader", "leader1")
    core = Core(sessions=session_factory(engine), clock=lambda: NOW, extra_handlers=[manage_text_handler])
    return core, ours, theirs, far


async def _say(core: Core, user: str, text: str) -> str:
    replies: list[Reply] = await core.handle(Incoming(transport="telegram", update_id=str(next(_ids)),
                                                      chat_id=user, user_id=user, text=text))
    return "\n".join(r.text for r in replies)


async def _audit(engine: AsyncEngine, commune_id: int) -> list[AuditEntry]:
    async with session_factory(engine)() as session:
        query = select(AuditEntry).where(AuditEntry.commune_id == commune_id).order_by(AuditEntry.id)
        return list((await session.scalars(query)).all())


async def test_thon_lists_status_and_reporters_and_only_admins_may_manage(engine: AsyncEngine) -> None:
    core, ours, _theirs, _far = await _setup(engine)
    listed = await _say(core, "admin1", "/thon")
    assert "3/4 thôn đã báo cáo" in listed and "✅ Xóm 1 — Trưởng Xóm 1" in listed
    assert "⏳ Xóm 4 — Trưởng Xóm 4" in listed and "người nghiện" not in listed.lower()
    assert await _say(core, "admin1", "danh sách thôn") == listed
    assert await _say(core, "admin1", "/dsthon") == listed
    reporter = ours.reporter_chat[ours.hamlets[0].id]
    for user in (reporter, "leader1"):
        for command in ("/thon", "/mamoi Xóm 1", "/thanhvien", "/xoa 1", "/themthon Xóm 9", "/doiten Xóm 1 | Xóm 9",
                        "/nghi Xóm 1", "/nhatky"):
            assert "Chỉ quản trị viên" in await _say(core, user, command), (user, command)
    assert "thôn đã báo cáo" not in await _say(core, reporter, "danh sách thôn")  # a question for them, not the list
    assert await _audit(engine, ours.commune.id) == []


def test_a_confirmed_change_is_refused_to_anyone_but_an_admin_of_that_commune() -> None:
    change = ManageChange(RETIRE, commune_id=7, target_id=70)
    admin = Member(person_id=1, language="vi", unit_id=7, unit_name="Xã A", unit_kind="commune", role="admin",
                   commune_id=7)
    authorize(change, admin)
    for member in (replace(admin, role="leader"), replace(admin, commune_id=8), None):
        with pytest.raises(EffectRefused):
            authorize(change, member)


@pytest.mark.parametrize(("typed", "problem"), [
    ("", NameProblem.EMPTY), ("Mới", NameProblem.NO_KIND), ("Xóm " + "a" * 120, NameProblem.TOO_LONG),
    ("\u200b", NameProblem.EMPTY)])
def test_a_hamlet_name_is_checked_as_in_the_sheet(typed: str, problem: NameProblem) -> None:
    assert hamlet_name(typed) is problem
    assert hamlet_name("tdp  Số 3") == ("Tổ dân phố Số 3", "tổ dân phố")
    assert hamlet_name("Xóm 1\u200b\x07") == ("Xóm 1", "xóm")  # invisible characters dropped, as everywhere


async def test_mamoi_replaces_the_code_and_logs_it_without_the_code(engine: AsyncEngine) -> None:
    core, ours, theirs, _far = await _setup(engine)
    async with session_factory(engine)() as session, session.begin():
        old = (await open_or_new_invite(session, ours.hamlets[1].id, "reporter", NOW)).code
    answer = await _say(core, "admin1", "/mamoi xom 2")
    new = answer.split("Xóm 2: ", 1)[1].split(" ", 1)[0]
    assert new != old and "Mã cũ không dùng được nữa" in answer
    assert "hết hạn" in await _say(core, "newcomer", f"/start {old}")
    assert "Xóm 2" in await _say(core, "newcomer", f"/start {new}")
    leader_code = await _say(core, "admin1", "/mamoi lanh dao")
    assert "lãnh đạo" in leader_code and ours.commune.name in leader_code
    entries = await _audit(engine, ours.commune.id)
    assert [e.action for e in entries] == ["invite.renew", "invite.renew"]
    assert all(new not in json.dumps([e.before, e.after]) and old not in json.dumps([e.before, e.after])
               for e in entries)
    # another commune's hamlet is not found, and their log stays empty
    assert "không có “Bản Xa Lắm”" in await _say(core, "admin1", "/mamoi Bản Xa Lắm")
    assert await _audit(engine, theirs.commune.id) == []


async def test_xoa_asks_first_and_keeps_the_reports(engine: AsyncEngine) -> None:
    core, ours, _theirs, _far = await _setup(engine)
    members = await _say(core, "admin1", "/thanhvien")
    assert "Thành viên Xã Hòa Bình Thử (6)" in members and "Xã Bên Cạnh" not in members
    line = next(x for x in members.splitlines() if "Trưởng Xóm 2" in x)
    number = line.split(".", 1)[0]
    assert "Xóa Trưởng Xóm 2" in await _say(core, "admin1", f"/xoa {number}")
    assert "Chưa thay đổi gì" in await _say(core, "admin1", "dừng")
    await _say(core, "admin1", f"/xoa {number}")
    assert "“có”" in await _say(core, "admin1", "dung")  # đúng or dừng? asked again
    assert "Đã xóa Trưởng Xóm 2" in await _say(core, "admin1", "có")
    assert "Đã xóa" not in await _say(core, "admin1", "có")  # the dialog is over
    async with session_factory(engine)() as session:
        held = await session.scalar(select(func.count()).select_from(Membership).where(
            Membership.unit_id == ours.hamlets[1].id))
        report = await session.scalar(select(Report).where(Report.unit_id == ours.hamlets[1].id))
    assert held == 0 and report is not None
    assert "mã" in (await _say(core, ours.reporter_chat[ours.hamlets[1].id], "/baocao")).lower()
    assert "tự xóa" in await _say(core, "admin1", "/xoa admin1")
    entries = await _audit(engine, ours.commune.id)
    assert [(e.action, e.subject) for e in entries] == [("member.remove", "Trưởng Xóm 2")]
    assert entries[0].before is not None and entries[0].before["roles"] == [["Xóm 2", "reporter"]]


async def test_add_rename_retire_hamlets_and_the_log(engine: AsyncEngine) -> None:
    core, ours, _theirs, far = await _setup(engine)
    assert "Đã thêm Xóm Mới" in await _say(core, "admin1", "/themthon xóm Mới")
    assert "ghi rõ loại" in await _say(core, "admin1", "/themthon Mới")
    assert "đã có" in await _say(core, "admin1", "/themthon Xom moi")
    async with session_factory(engine)() as session:
        added = await session.scalar(select(Unit).where(Unit.name == "Xóm Mới"))
        assert added is not None and added.parent_id == ours.commune.id
        hamlet_set_row = await hamlet_set(session, added)
        assert hamlet_set_row is not None and hamlet_set_row.id == ours.set_row.id

    assert "Đã đổi Xóm 1 thành Xóm Đông" in await _say(core, "admin1", "/doiten xom 1 | xóm Đông")
    assert "Đã đổi Xóm Đông thành Xóm Tây" in await _say(core, "admin1", "đổi tên Xóm Đông thành Xóm Tây")
    assert "không có" in await _say(core, "admin1", f"/doiten {far.name} | Bản Gần")
    async with session_factory(engine)() as session:
        renamed = await session.get(Unit, ours.hamlets[0].id)
        assert renamed is not None and renamed.name == "Xóm Tây"
        assert await session.scalar(select(Report).where(Report.unit_id == renamed.id)) is not None
    assert "✅ Xóm Tây" in await _say(core, "admin1", "/thon")

    assert "Cho Xóm 4 thôi hoạt động?" in await _say(core, "admin1", "/nghi xom 4")
    assert "đã thôi hoạt động" in await _say(core, "admin1", "có")
    listed = await _say(core, "admin1", "/thon")
    assert "Xóm 4" not in listed and "3/4 thôn" in listed  # Xóm Tây, 2, 3 reported; Xóm Mới not yet
    async with session_factory(engine)() as session:
        assert ours.hamlets[3].id not in [h.id for h in await area_hamlets(session, ours.commune.id)]

    log = await _say(core, "admin1", "/nhatky")
    lines = log.splitlines()
    assert "admin1: cho Xóm 4 thôi hoạt động" in lines[1] and "đổi tên Xóm Đông → Xóm Tây" in lines[2]
    assert "thêm Xóm Mới" in lines[-1] and len(lines) == 5
    assert "chưa có thay đổi" in await _say(core, "admin2", "/nhatky")


async def test_a_retired_hamlet_gets_no_reminder(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        ours = await build_commune(session, hamlets=3)
    await _person(engine, ours.commune.id, "admin", "admin1")
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    await _say(core, "admin1", "/nghi Xóm 3")
    await _say(core, "admin1", "có")
    retired_chat = ours.reporter_chat[ours.hamlets[2].id]
    found = []
    async with session_factory(engine)() as session:
        for day in range(15, 31):
            at = dt.datetime(2026, 11, day, 8, 0, tzinfo=TZ).astimezone(dt.UTC)
            found = [p for p in await due_messages(session, at, with_chart=False) if p.dedupe_key.startswith("remind:")]
            if found:
                break
    assert found, "no reminder day found in November"
    assert any(p.chat_type == "private" for p in found)
    assert all(p.chat_id != retired_chat for p in found)
    assert all("Xóm 3" not in p.text for p in found)

"""People and scope (issue 13): an admin's own commune, /xem in one's own commune first, a group rebound
only after its commune unbinds it, several roles for one person, linking confirmed on another
messenger, and wrong codes throttled per sender (and never logged)."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.dispatch import Core
from handlers.linking import link_answer
from locales.messages import Incoming, IncomingFile
from locales.vietnamese import fold
from storage.code_attempts import MAX_WRONG, WINDOW
from storage.db import session_factory
from storage.models import AuditEntry, CodeAttempt, GroupBindCode, GroupBinding, Identity, OutboxMessage, Plan, Unit
from storage.people import ensure_member
from tests.conftest import shared_dir
from tests.core.chat import Clock, User, code_of, demo, texts
from tests.core.test_report_dialog import ANSWERS

ROOT = Path(__file__).resolve().parents[2]
_ids = itertools.count(910_000)


def _file(user: User, path: Path) -> Incoming:
    return Incoming(user.transport, str(next(_ids)), user.user_id, user.user_id,
                    file=IncomingFile(path.name, path.read_bytes()))


async def _group(core: Core, user: str, text: str, chat: str = "-100777") -> str:
    incoming = Incoming("telegram", str(next(_ids)), chat, user, text=text, chat_type="group")
    return texts(await core.handle(incoming))


async def test_a_plan_whose_heading_names_another_commune_is_not_saved_by_this_communes_admin(
        engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    admin = User(core, "admin-scope")
    await admin.say(f"/start {summary.admin_code}")
    async with sessions() as session:
        before = await session.scalar(select(func.count()).select_from(Plan))
    refused = texts(await admin.send(_file(admin, shared_dir() / "seeds" / "000_3afe9e87286c643e.txt")))
    assert "Xã Quỳ Hợp" in refused and "Xã Nà Khuông" in refused and "Chưa lưu gì" in refused, refused
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Plan)) == before
    # The commune's own plan is previewed as before.
    own = await admin.send(_file(admin, ROOT / "storage" / "demo_plan.md"))
    assert own[-1].buttons, texts(own)


async def test_xem_looks_in_the_members_own_commune_first(engine: AsyncEngine) -> None:
    # Another commune with a hamlet of the same name, created first (it comes first by id).
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        other = Unit(kind="commune", name="Xã Khác Xa", folded_name=fold("Xã Khác Xa"), settings={})
        session.add(other)
        await session.flush()
        for name in ("Bản Khe Ló", "Bản Xa Lạ"):
            session.add(Unit(kind="hamlet", name=name, folded_name=fold(name), parent_id=other.id, settings={}))
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    reporter = User(core, "rep-xem")
    await reporter.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    for answer in ["báo cáo", *ANSWERS, "bỏ qua", "xác nhận"]:
        await reporter.say(answer)
    own = texts(await reporter.say("/xem Bản Khe Ló"))
    assert "Bản Khe Ló" in own and "tháng 11/2026" in own, own
    # A hamlet only another commune has is refused, as before.
    elsewhere = texts(await reporter.say("/xem Bản Xa Lạ"))
    assert "chỉ được xem" in elsewhere and "Bản Khe Ló" in elsewhere, elsewhere


async def test_a_bound_group_is_rebound_to_another_commune_only_after_its_commune_unbinds_it(
        engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    async with sessions() as session, session.begin():
        commune = await session.get(Unit, summary.commune_id)
        assert commune is not None
        other = Unit(kind="commune", name="Xã Bên Cạnh", folded_name=fold("Xã Bên Cạnh"),
                     parent_id=commune.parent_id, settings={})
        session.add(other)
        await session.flush()
        await ensure_member(session, "telegram", "leader-other", other.id, "leader", clock())
        expires = clock() + dt.timedelta(days=7)
        for code, unit_id, purpose in (("OTHER2", other.id, "leaders"), ("OURS22", commune.id, "hamlets")):
            session.add(GroupBindCode(code=code, unit_id=unit_id, purpose=purpose, created_at=clock(),
                                      expires_at=expires))
    admin = User(core, "admin-group")
    await admin.say(f"/start {summary.admin_code}")
    made = texts(await admin.say("/maketnoi lanhdao"))
    ours = re.search(r"/ketnoi ([A-Z0-9]{6})", made)
    assert ours is not None, made
    assert "nhóm lãnh đạo" in (await _group(core, "admin-group", f"/ketnoi {ours.group(1)}")).lower()
    refused = await _group(core, "leader-other", "/ketnoi OTHER2")
    assert "Xã Nà Khuông" in refused and "/huyketnoi" in refused, refused
    assert "xã khác" in (await _group(core, "leader-other", "/huyketnoi")).lower()
    # Within the same commune the purpose still changes as before.
    assert "nhóm các thôn" in (await _group(core, "admin-group", "/ketnoi OURS22")).lower()
    unbound = await _group(core, "admin-group", "/huyketnoi")
    assert "hủy kết nối" in unbound, unbound
    assert "nhóm lãnh đạo" in (await _group(core, "leader-other", "/ketnoi OTHER2")).lower()
    async with sessions() as session:
        binding = await session.scalar(select(GroupBinding).where(GroupBinding.chat_id == "-100777"))
        assert binding is not None and binding.unit_id == other.id
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "group.unbind"))
        assert audit is not None and audit.commune_id == summary.commune_id


async def test_a_reporter_who_is_also_a_leader_keeps_reporting(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    both = User(core, "rep-and-leader")
    await both.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    assert "lãnh đạo" in texts(await both.say(f"/start {summary.leader_code}"))
    help_text = texts(await both.say("/help"))
    assert "/baocao" in help_text and "/tonghop" in help_text, help_text
    started = texts(await both.say("báo cáo"))
    assert "Bản Khe Ló" in started, started
    for answer in [*ANSWERS, "bỏ qua"]:
        await both.say(answer)
    assert "Đã lưu" in texts(await both.say("xác nhận"))
    # The leader's seat still reads the commune.
    assert "Đã báo cáo: 1/" in texts(await both.say("/tonghop"))


async def test_link_needs_another_messenger_and_the_original_accounts_yes(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    telegram = User(core, "tg-link", transport="telegram")
    await telegram.say(f"/start {code_of(summary, 'Bản Nà Pục')}")
    found = re.search(r"\b([A-Z0-9]{8})\b", texts(await telegram.say("/lienket")))
    assert found is not None
    code = found.group(1)
    same = texts(await User(core, "tg-stranger", transport="telegram").say(f"/lienket {code}"))
    assert "ứng dụng còn lại" in same and "cùng ứng dụng" in same, same
    zalo = User(core, "zalo-link", transport="zalo")
    asked = texts(await zalo.say(f"/lienket {code}"))
    assert "trả lời “có”" in asked.lower(), asked
    assert "mã mời" in texts(await zalo.say("báo cáo"))  # not linked before the yes
    async with sessions() as session:
        question = await session.scalar(select(OutboxMessage.text).where(
            OutboxMessage.transport == "telegram", OutboxMessage.chat_id == "tg-link"))
    assert question is not None and "có phải đồng chí không" in question.lower(), question
    assert "Đã liên kết" in texts(await telegram.say("có"))
    assert "Bản Nà Pục" in texts(await zalo.say("/xem"))
    assert "có phải đồng chí" not in texts(await telegram.say("có")).lower()  # answered once only


async def test_link_refused_by_the_original_account_links_nothing(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    telegram = User(core, "tg-no", transport="telegram")
    await telegram.say(f"/start {code_of(summary, 'Bản Nà Pục')}")
    found = re.search(r"\b([A-Z0-9]{8})\b", texts(await telegram.say("/lienket")))
    assert found is not None
    zalo = User(core, "zalo-no", transport="zalo")
    await zalo.say(f"/lienket {found.group(1)}")
    assert "từ chối" in texts(await telegram.say("dừng")).lower()
    assert "mã mời" in texts(await zalo.say("báo cáo"))
    assert "đã được sử dụng" in texts(await User(core, "zalo-3", transport="zalo").say(found.group(1)))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Identity).where(
            Identity.external_id == "zalo-no")) == 0


async def test_wrong_codes_are_throttled_per_sender_and_logged_without_the_code(
        engine: AsyncEngine, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    guesser = User(core, "guesser")
    wrong = [f"WRNG{n}AB2" for n in range(2, 2 + MAX_WRONG)]
    caplog.set_level(logging.DEBUG)
    for code in wrong[:-1]:
        assert "không đúng" in texts(await guesser.say(code))
    assert "không đúng" in texts(await guesser.say(f"/lienket {wrong[-1]}"))  # a link code counts too
    right = code_of(summary, "Bản Khe Ló")
    blocked = texts(await guesser.say(f"/start {right}"))
    assert blocked == "Đồng chí đã nhập sai mã nhiều lần, vui lòng thử lại sau 15 phút.", blocked
    # Another sender is not blocked.
    assert "Đăng ký thành công" in texts(await User(core, "honest").say(f"/start {code_of(summary, 'Xóm Chợ')}"))
    clock.now += WINDOW + dt.timedelta(seconds=1)
    assert "Đăng ký thành công" in texts(await guesser.say(f"/start {right}"))
    async with sessions() as session:
        kinds = list((await session.execute(select(CodeAttempt.kind).where(
            CodeAttempt.sender_id == "guesser"))).scalars())
    assert kinds == ["invite"] * MAX_WRONG  # a stranger's code is tried as an invite, then as a link code
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "wrong invite code from telegram:guesser" in logged
    for code in [*wrong, right]:
        assert code not in logged



async def test_one_who_reports_for_two_hamlets_files_the_one_named(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    person = User(core, "two-hamlets")
    for code in (code_of(summary, "Bản Khe Ló"), code_of(summary, "Bản Nà Pục"), summary.leader_code):
        await person.say(f"/start {code}")
    started = texts(await person.say("/baocao Bản Nà Pục"))
    assert "Bản Nà Pục" in started and "Bản Khe Ló" not in started, started


async def test_wrong_group_codes_count_for_the_sender_too(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    await User(core, "leader-typo").say(f"/start {summary.leader_code}")
    for n in range(MAX_WRONG):
        assert "không hợp lệ" in await _group(core, "leader-typo", f"/ketnoi ZZZZ{n + 2}2")
    assert "sai mã nhiều lần" in await _group(core, "leader-typo", "/ketnoi ZZZZ22")
    async with sessions() as session:
        kinds = set((await session.execute(select(CodeAttempt.kind).where(
            CodeAttempt.sender_id == "leader-typo"))).scalars())
    assert kinds == {"group"}


@pytest.mark.parametrize(("typed", "meaning"), [
    ("có", True), ("co", True), ("Có ạ", True), ("đúng", True), ("đúng rồi", True),
    ("không", False), ("khong", False), ("dừng", False), ("ko", False),
    ("dung", None), ("1", None), ("3 người", None), ("báo cáo", None),
])
def test_link_answers_yes_no_and_the_ambiguous_dung(typed: str, meaning: bool | None) -> None:
    """"dung" without marks is "đúng" or "dừng": neither links nor refuses; a figure is never an answer."""
    assert link_answer(typed) is meaning

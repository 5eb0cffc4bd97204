"""An official's contact phone: ``/sdt`` sets, normalises, refuses and clears it, on SQLite and PostgreSQL;
the province summary of communes shows it beside the officer to call (text, details, Excel), and nothing
a commune's groups or its leaders get shows it; it never reaches a log line."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import logging

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.dispatch import Core
from locales.messages import Incoming, Reply
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import GroupBinding, Identity, Membership, Person
from storage.people import create_invite
from storage.phones import normalise_phone
from tests.groups.province import LEADER_TG, OFFICER_NAME, OFFICER_TG, PROVINCE_CHAT, BuiltProvince, build_province

# Well after every deadline of November (whatever the communes' day of the month): C and D have not reported.
NOW = dt.datetime(2026, 12, 10, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
PHONE = "0912345678"
COMMUNE_HAMLETS_CHAT = "-5002"
COMMUNE_LEADERS_CHAT = "-5001"
COMMUNE_LEADER = "commune-c-leader"
COMMUNE_ADMIN = "commune-c-admin"
_ids = itertools.count(1)


@pytest.mark.parametrize(("typed", "stored"), [
    ("0912345678", PHONE), ("0912 345 678", PHONE), ("0912.345.678", PHONE), ("0912-345-678", PHONE),
    ("+84 912 345 678", PHONE), ("+84912345678", PHONE), ("84 912 345 678", PHONE), ("0084 912 345 678", PHONE),
    ("+84 0912 345 678", PHONE), ("  0987.654.321 ", "0987654321"), ("0356 789 012", "0356789012"),
    # 084… is a number of network 08, not the country code.
    ("0849 123 456", "0849123456"),
])
def test_a_vietnamese_mobile_number_is_stored_in_one_form(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", [
    "", "091234567", "09123456789", "0212 345 678", "1912345678", "+1 912 345 6789", "0912 345 67x",
    "0912/345/678", "gọi 0912345678", "０９１２３４５６７８", "+84 12 345 678", "xin chào",
])
def test_anything_else_is_refused_rather_than_guessed(typed: str) -> None:
    assert normalise_phone(typed) is None


async def _ask(core: Core, user: str, chat: str, text: str, transport: str = "telegram") -> list[Reply]:
    return await core.handle(Incoming(transport=transport, update_id=f"phone{next(_ids)}", chat_id=chat,
                                      user_id=user, text=text, chat_type="private" if chat == user else "group"))


def _text(replies: list[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


async def _stored(engine: AsyncEngine, name: str = OFFICER_NAME) -> str | None:
    async with session_factory(engine)() as session:
        person = await session.scalar(select(Person).where(Person.display_name == name))
        assert person is not None
        return person.phone


async def _province(engine: AsyncEngine) -> BuiltProvince:
    """The test province, plus commune C's two groups and its leader (who read the commune's summaries)."""
    async with session_factory(engine)() as session, session.begin():
        built = await build_province(session)
        commune = built.communes["C"].commune
        session.add_all([
            GroupBinding(transport="telegram", chat_id=COMMUNE_LEADERS_CHAT, unit_id=commune.id, purpose="leaders"),
            GroupBinding(transport="telegram", chat_id=COMMUNE_HAMLETS_CHAT, unit_id=commune.id, purpose="hamlets"),
        ])
        leader = Person(display_name="Chủ tịch xã C", language="vi")
        session.add(leader)
        await session.flush()
        session.add(Identity(person_id=leader.id, transport="telegram", external_id=COMMUNE_LEADER))
        session.add(Membership(person_id=leader.id, unit_id=commune.id, role="leader"))
        # The commune's admin, who lists its members (/thanhvien).
        admin = Person(display_name="Quản trị xã C", language="vi")
        session.add(admin)
        await session.flush()
        session.add(Identity(person_id=admin.id, transport="telegram", external_id=COMMUNE_ADMIN))
        session.add(Membership(person_id=admin.id, unit_id=commune.id, role="admin"))
    return built


async def test_sdt_sets_normalises_refuses_shows_and_clears_ones_own_number(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await _province(engine)
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    caplog.set_level(logging.DEBUG)

    async def sdt(argument: str = "") -> str:
        return _text(await _ask(core, OFFICER_TG, OFFICER_TG, f"/sdt {argument}".strip()))

    assert "chưa đăng ký số điện thoại" in await sdt()
    saved = await sdt("0912.345.678")
    assert saved.startswith(f"Đã lưu: {PHONE}.") and "/sdt xoa" in saved, saved
    assert await _stored(engine) == PHONE
    refused = await sdt("0212 345 678")
    assert "không phải số di động Việt Nam" in refused and "0212" not in refused, refused
    assert await _stored(engine) == PHONE  # a refused number leaves the one saved
    shown = await sdt()
    assert f"Số điện thoại liên hệ của đồng chí: {PHONE}." in shown and "Chỉ lãnh đạo tỉnh" in shown, shown
    assert "Đã lưu: 0987654321." in await sdt("+84 987 654 321")
    assert await _stored(engine) == "0987654321"
    assert "Đã xóa" in await sdt("xóa")
    assert await _stored(engine) is None
    assert "chưa có số điện thoại liên hệ nào để xóa" in await sdt("xoa")
    # Typed /SĐT, in capitals, with diacritics: the same command.
    assert "Đã lưu" in _text(await _ask(core, OFFICER_TG, OFFICER_TG, "/SĐT 0912 345 678"))
    assert await _stored(engine) == PHONE
    assert "/sdt" in _text(await _ask(core, OFFICER_TG, OFFICER_TG, "/giup"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for form in (PHONE, "0987654321", "345 678", "345.678"):
        assert form not in logged, form


async def test_someone_not_registered_cannot_set_a_number(engine: AsyncEngine) -> None:
    await _province(engine)
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    answer = _text(await _ask(core, "stranger", "stranger", "/sdt 0912 345 678"))
    assert "chưa đăng ký" in answer and "Đã lưu" not in answer, answer
    async with session_factory(engine)() as session:
        assert await session.scalar(select(Person).where(Person.phone.is_not(None))) is None


async def test_the_province_summary_shows_the_phone_of_the_officer_to_call(engine: AsyncEngine) -> None:
    built = await _province(engine)
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    # Before a phone: the name in the short answer, the Telegram link in the details (as before).
    before = _text(await _ask(core, LEADER_TG, LEADER_TG, "/tonghop 11/2026"))
    assert f"Xã C (gọi {OFFICER_NAME})" in before and PHONE not in before, before
    assert f"Xã C (gọi {OFFICER_NAME}, tg://user?id={OFFICER_TG})" in _text(
        await _ask(core, LEADER_TG, LEADER_TG, "/tonghop 11/2026 chi tiết"))
    await _ask(core, OFFICER_TG, OFFICER_TG, "/sdt 0912 345 678")
    short = await _ask(core, LEADER_TG, LEADER_TG, "/tonghop 11/2026")
    assert f"Xã C (gọi {PHONE})" in short[0].text, short[0].text  # the short answer: the phone alone
    assert len(short[0].text) <= 700 and "Xã D (chưa có cán bộ đăng ký)" in short[0].text
    details = _text(await _ask(core, LEADER_TG, PROVINCE_CHAT, "/tonghop 11/2026 chi tiết"))
    assert f"• Xã C (gọi {OFFICER_NAME}, {PHONE})" in details and "tg://" not in details, details
    workbook = await _ask(core, LEADER_TG, PROVINCE_CHAT, "/xuatexcel 11/2026")
    attachment = workbook[0].attachment
    assert attachment is not None
    sheet = load_workbook(io.BytesIO(attachment.content))["Các xã"]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}
    headers = list(rows["Xã"])
    c, d = rows["Xã C"], rows["Xã D"]
    assert c[headers.index("Số điện thoại")] == PHONE  # a text: its leading zero kept
    assert c[headers.index("Cán bộ cần gọi")] == OFFICER_NAME and d[headers.index("Số điện thoại")] is None
    assert c[headers.index("Liên hệ")] == f"tg://user?id={OFFICER_TG}"
    assert rows["Tổng cộng"][headers.index("Số dân")] == 6000  # the totals row still under its columns

    # Of two of the commune police, the one who gave a phone is the one to call.
    async with session_factory(engine)() as session, session.begin():
        admin = Person(display_name="Quản trị CA xã C", language="vi", phone="0987654321")
        session.add(admin)
        await session.flush()
        session.add(Membership(person_id=admin.id, unit_id=built.police["C"].id, role="admin"))
    await _ask(core, OFFICER_TG, OFFICER_TG, "/sdt xoa")
    again = await _ask(core, LEADER_TG, LEADER_TG, "/tonghop 11/2026")
    assert "Xã C (gọi 0987654321)" in again[0].text, again[0].text
    details = _text(await _ask(core, LEADER_TG, LEADER_TG, "/tonghop 11/2026 chi tiết"))
    assert "• Xã C (gọi Quản trị CA xã C, 0987654321)" in details, details


async def test_the_phone_never_reaches_a_communes_groups_or_its_leaders(engine: AsyncEngine) -> None:
    await _province(engine)
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    await _ask(core, OFFICER_TG, OFFICER_TG, "/sdt 0912 345 678")
    seen: list[Reply] = []
    for user, chat, typed in [
        (COMMUNE_LEADER, COMMUNE_HAMLETS_CHAT, "/tonghop 11/2026"),
        (OFFICER_TG, COMMUNE_HAMLETS_CHAT, "/tonghop 11/2026"),
        (COMMUNE_LEADER, COMMUNE_LEADERS_CHAT, "/tonghop 11/2026"),
        (COMMUNE_LEADER, COMMUNE_LEADERS_CHAT, "/xuatexcel 11/2026"),
        (COMMUNE_LEADER, COMMUNE_LEADER, "/tonghop 11/2026"),
        (COMMUNE_ADMIN, COMMUNE_ADMIN, "/thanhvien"),
        (OFFICER_TG, PROVINCE_CHAT, "/tonghop 11/2026 chi tiết"),  # the commune police in the province's group
    ]:
        replies = await _ask(core, user, chat, typed)
        assert replies, (user, chat, typed)
        seen.extend(replies)
    assert any("Xã C" in reply.text for reply in seen)  # the commune's summaries were really given
    assert any(OFFICER_NAME in reply.text for reply in seen)  # the members' list names the officer, not his phone
    for reply in seen:
        assert PHONE not in reply.text, reply.text
        if reply.attachment is not None:
            content = reply.attachment.content
            if reply.attachment.name.endswith(".xlsx"):
                book = load_workbook(io.BytesIO(content))
                cells = {str(c) for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row}
                assert PHONE not in cells
            assert PHONE.encode() not in content


async def test_the_commune_police_are_told_of_sdt_when_they_register(engine: AsyncEngine) -> None:
    built = await _province(engine)
    async with session_factory(engine)() as session, session.begin():
        officer = await create_invite(session, built.police["A"].id, "officer", NOW, dt.timedelta(days=30))
        admin = await create_invite(session, built.police["B"].id, "admin", NOW, dt.timedelta(days=30))
        reporter = await create_invite(session, built.communes["A"].hamlets[0].id, "reporter", NOW,
                                       dt.timedelta(days=30))
        codes = (officer.code, admin.code, reporter.code)
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    as_officer = _text(await _ask(core, "new-officer", "new-officer", f"/start {codes[0]}"))
    as_admin = _text(await _ask(core, "new-admin", "new-admin", f"/start {codes[1]}", transport="zalo"))
    as_reporter = _text(await _ask(core, "new-reporter", "new-reporter", f"/start {codes[2]}"))
    for answer in (as_officer, as_admin):
        assert "Đăng ký thành công" in answer and "/sdt 0912 345 678" in answer, answer
    assert "Đăng ký thành công" in as_reporter and "/sdt" not in as_reporter, as_reporter

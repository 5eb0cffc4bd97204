"""The province summary of communes: who reported, who is late and whom to call, totals against targets, the
furthest communes, rates per 1,000 residents, the chart and the workbook; the province group and its access."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.dispatch import Core
from handlers.province_excel import province_xlsx
from handlers.province_render import province_details, province_png, province_text
from handlers.province_summary import ProvinceSummary, build_province_summary
from locales.messages import Incoming, Reply
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import GroupBindCode, GroupBinding, Identity, Membership, Person, Unit
from storage.periods import parse_period
from tests.groups.commune import LEADERS_CHAT, file_report
from tests.groups.province import (
    A_VALUES,
    LEADER_TG,
    OFFICER_NAME,
    OFFICER_TG,
    PROVINCE_CHAT,
    build_province,
    file_commune_report,
)

# Calendar-dependent only through the fixed NOW (after the communes' 30/11 deadline of November).
pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
_ids = itertools.count(1)


async def _summary(engine: AsyncEngine, code: str = "2026-11") -> ProvinceSummary:
    async with session_factory(engine)() as session:
        province = await session.scalar(select(Unit).where(Unit.kind == "province"))
        assert province is not None
        return await build_province_summary(session, province, parse_period(code), NOW)


async def test_late_communes_officer_targets_furthest_and_rates(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        built = await build_province(session)
        # A hamlet's report is not a commune report: it must not count.
        await file_report(session, built.communes["C"], built.communes["C"].hamlets[0], "2026-11",
                          {"nghien": 99}, dt.datetime(2026, 11, 20, 9, tzinfo=TZ))
    summary = await _summary(engine)
    status = {c.name: c.status for c in summary.communes}
    assert status == {"Xã A": "on_time", "Xã B": "late", "Xã C": "missing", "Xã D": "missing"}
    assert summary.reported == 2 and summary.overdue
    officers = {c.name: c.officers for c in summary.communes}
    assert [o.name for o in officers["Xã C"]] == [OFFICER_NAME] and officers["Xã D"] == []
    assert officers["Xã C"][0].contact == f"tg://user?id={OFFICER_TG}"
    assert summary.totals["nghien"] == 30 and summary.totals["su_dung"] == 10 and summary.totals["tu_van"] == 12
    ratio = next(d for d in summary.derived if d.code == "tu_van_ratio")
    assert ratio.value == pytest.approx(12 / 40) and ratio.met is False
    # B counselled 2 of 20 (10 %, 35 points short of 45 %); A 50 % meets it.
    assert [c.name for c in summary.furthest()] == ["Xã B"]
    assert summary.population == 6000
    assert summary.rate(("nghien", "su_dung")) == pytest.approx(40 * 1000 / 6000)
    assert [c.name for c in summary.over_threshold(("nghien", "su_dung"), 5.0)] == ["Xã A", "Xã B"]
    text = province_text(summary)
    assert len(text) <= 700, len(text)
    assert text.startswith("Báo cáo của các xã tháng 11/2026 — Tỉnh Thử Nghiệm"), text
    assert "Đã báo cáo: 2/4 xã" in text and "1 muộn" in text, text
    assert f"Xã C (gọi {OFFICER_NAME})" in text and "Xã D (chưa có cán bộ đăng ký)" in text, text
    assert "Xa chỉ tiêu nhất: Xã B" in text and "6,7" in text, text
    details = province_details(summary)
    assert "Báo cáo trễ (1): Xã B" in details and "• Người nghiện: 30 người" in details, details
    assert f"Xã C (gọi {OFFICER_NAME}, tg://user?id={OFFICER_TG})" in details, details  # how to reach them
    png = province_png(summary)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    sheet = load_workbook(io.BytesIO(province_xlsx(summary)))["Các xã"]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}
    headers = list(rows["Xã"])
    a, c = rows["Xã A"], rows["Xã C"]
    assert a[headers.index("Tình trạng")] == "Đúng hạn" and c[headers.index("Tình trạng")] == "Chưa báo cáo"
    assert c[headers.index("Cán bộ cần gọi")] == OFFICER_NAME and a[headers.index("Số dân")] == 4000
    assert a[headers.index("Người nghiện (người)")] == 10
    assert a[headers.index("Nghiện + sử dụng trên 1.000 dân")] == pytest.approx(5.0)
    assert rows["Tổng cộng"][headers.index("Người nghiện (người)")] == 30


async def test_a_quarter_counts_the_quarter_report_else_sums_the_months(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        built = await build_province(session)
        await file_commune_report(session, built, "A", "2026-10", {**A_VALUES, "nghien": 4, "tu_van": 5},
                                  dt.datetime(2026, 10, 20, 9, tzinfo=TZ))
    summary = await _summary(engine, "2026-Q4")
    a = next(c for c in summary.communes if c.name == "Xã A")
    assert a.values["nghien"] == 10  # people under management: November's, not 4 + 10
    assert a.values["tu_van"] == 15  # counselled in the quarter: 5 + 10
    # No quarterly report yet (due 15/12): every commune is still to report it, none overdue on 27/11.
    assert summary.reported == 0 and not summary.overdue and summary.deadline == dt.date(2026, 12, 15)
    async with session_factory(engine)() as session, session.begin():
        await file_commune_report(session, built, "A", "2026-Q4", {**A_VALUES, "nghien": 11, "tu_van": 20},
                                  dt.datetime(2026, 12, 10, 9, tzinfo=TZ))
        # C files the annual report only: it stands for the fourth quarter's (both end on 31/12).
        await file_commune_report(session, built, "C", "2026", {"nghien": 3}, dt.datetime(2026, 12, 16, 9, tzinfo=TZ))
    summary = await _summary(engine, "2026-Q4")
    lines = {c.name: c for c in summary.communes}
    assert lines["Xã A"].status == "on_time" and lines["Xã A"].values["tu_van"] == 20  # the quarter's own report
    assert lines["Xã C"].status == "late" and lines["Xã B"].status == "missing"


async def _ask(core: Core, user: str, chat: str, text: str) -> list[Reply]:
    return await core.handle(Incoming(transport="telegram", update_id=f"p{next(_ids)}", chat_id=chat,
                                      user_id=user, text=text, chat_type="private" if chat == user else "group"))


async def test_a_province_leader_binds_the_group_which_sees_only_the_province(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        built = await build_province(session, group=False)
        # A commune leader of this province, and the commune's own leaders' group.
        person = Person(display_name="Chủ tịch xã A", language="vi")
        session.add(person)
        await session.flush()
        session.add(Identity(person_id=person.id, transport="telegram", external_id="commune-leader"))
        session.add(Membership(person_id=person.id, unit_id=built.communes["A"].commune.id, role="leader"))
        session.add(GroupBinding(transport="telegram", chat_id=LEADERS_CHAT, unit_id=built.communes["A"].commune.id,
                                 purpose="leaders"))
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    refused = await _ask(core, "commune-leader", "commune-leader", "/maketnoitinh")
    assert "lãnh đạo hoặc quản trị viên của tỉnh" in refused[0].text
    offer = await _ask(core, LEADER_TG, LEADER_TG, "/maketnoitinh")
    code = offer[0].text.rsplit("/ketnoi ", 1)[1].strip()
    # A commune leader cannot bind the province's group with the province's code.
    assert "Chỉ" in (await _ask(core, "commune-leader", "-4000", f"/ketnoi {code}"))[0].text
    bound = await _ask(core, LEADER_TG, "-4000", f"/ketnoi {code}")
    assert "nhóm lãnh đạo tỉnh của Tỉnh Thử Nghiệm" in bound[0].text
    async with session_factory(engine)() as session:
        binding = await session.scalar(select(GroupBinding).where(GroupBinding.chat_id == "-4000"))
        assert binding is not None and binding.purpose == "province"
        used = await session.scalar(select(GroupBindCode).where(GroupBindCode.code == code))
        assert used is not None and used.used_at is not None
    replies = await _ask(core, LEADER_TG, "-4000", "/tonghop")
    assert replies[0].text.startswith("Báo cáo của các xã tháng 11/2026 — Tỉnh Thử Nghiệm"), replies[0].text
    assert replies[1].attachment is not None and replies[1].attachment.content[:4] == b"\x89PNG"
    detail = await _ask(core, LEADER_TG, "-4000", "/tonghop quý 4 chi tiết")
    assert detail[0].text.startswith("Báo cáo của các xã quý IV/2026"), detail[0].text
    assert "Tổng các báo cáo của xã" in detail[0].text
    workbook = await _ask(core, LEADER_TG, "-4000", "/xuatexcel")
    assert workbook[0].attachment is not None and workbook[0].attachment.name.endswith(".xlsx")
    # Someone not of the province's leadership gets no figure there; the commune's group stays the commune's.
    outsider = await _ask(core, "commune-leader", "-4000", "/tonghop")
    assert len(outsider) == 1 and "chỉ trả lời lãnh đạo tỉnh" in outsider[0].text
    commune = await _ask(core, "commune-leader", LEADERS_CHAT, "/tonghop")
    assert "Xã A" in commune[0].text and "Tỉnh Thử Nghiệm" not in commune[0].text
    # Privately the province leader gets the same province summary.
    private = await _ask(core, LEADER_TG, LEADER_TG, "/tonghop 11/2026")
    assert private[0].text.startswith("Báo cáo của các xã tháng 11/2026 — Tỉnh Thử Nghiệm")
    assert "/maketnoitinh" in (await _ask(core, LEADER_TG, LEADER_TG, "/giup"))[0].text


async def test_in_the_province_group_only_its_leaders_get_figures(engine: AsyncEngine) -> None:
    """The province group × who asks: the province leader gets figures; the commune police, a hamlet's reporter,
    a commune leader are refused without a figure; someone not registered gets nothing at all."""
    async with session_factory(engine)() as session, session.begin():
        built = await build_province(session)
        reporter = Person(display_name="Trưởng xóm", language="vi")
        session.add(reporter)
        await session.flush()
        session.add(Identity(person_id=reporter.id, transport="telegram", external_id="reporter"))
        session.add(Membership(person_id=reporter.id, unit_id=built.communes["A"].hamlets[0].id, role="reporter"))
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    for ask in ("/tonghop", "/xuatexcel", "/tonghop chi tiết"):
        answers = await _ask(core, LEADER_TG, PROVINCE_CHAT, ask)
        assert answers and answers[0].text.startswith("Báo cáo của các xã tháng 11/2026"), (ask, answers)
        for outsider in (OFFICER_TG, "reporter"):
            refused = await _ask(core, outsider, PROVINCE_CHAT, ask)
            assert len(refused) == 1 and "chỉ trả lời lãnh đạo tỉnh" in refused[0].text, (ask, outsider)
            assert refused[0].attachment is None and "Người nghiện" not in refused[0].text
        assert await _ask(core, "nobody", PROVINCE_CHAT, ask) == []
    # The commune police privately get their commune's summary, never the province's.
    private = await _ask(core, OFFICER_TG, OFFICER_TG, "/tonghop")
    assert "Tỉnh Thử Nghiệm" not in private[0].text


async def test_the_officer_to_call_is_named_with_the_phone_they_gave(engine: AsyncEngine) -> None:
    """Regression: the summary named an officer with only a tg:// link, which a leader on Zalo cannot follow."""
    async with session_factory(engine)() as session, session.begin():
        await build_province(session)
        officer = await session.scalar(select(Person).where(Person.display_name == OFFICER_NAME))
        assert officer is not None
        officer.phone = "0912345678"
    summary = await _summary(engine)
    called = next(c for c in summary.communes if c.name == "Xã C").officers[0]
    assert (called.name, called.phone, called.contact) == (OFFICER_NAME, "0912345678", f"tg://user?id={OFFICER_TG}")
    assert "Xã C (gọi 0912345678)" in province_text(summary)  # short: the number alone
    details = province_details(summary)
    assert f"• Xã C (gọi {OFFICER_NAME}, 0912345678)" in details and "tg://" not in details, details
    sheet = load_workbook(io.BytesIO(province_xlsx(summary)))["Các xã"]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0]}
    headers = list(rows["Xã"])
    assert rows["Xã C"][headers.index("Số điện thoại")] == "0912345678"
    d = rows["Xã D"]
    assert d[headers.index("Số điện thoại")] is None and d[headers.index("Cán bộ cần gọi")] is None

"""The commune police's own monthly report through the core, on SQLite and PostgreSQL: the hamlets'
sums prefilled with how many hamlets reported, kept with one word, changed with a stored reason, the
commune-only figures asked, and a hamlet filing after the commune → the officer is told on reopening."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.report_payload import ReportPayload
from handlers.dispatch import Core
from storage.invites import open_or_new_invite
from storage.models import Indicator, Report, ReportValue, Unit
from tests.core.chat import Clock, User, code_of, demo, texts

HAMLET_ANSWERS = ["3", "2", "3", "1", "2", "1", "0", "3", "90", "1", "0", "0", "không", "xác nhận"]


async def _hamlet_files(core: Core, code: str, user_id: str) -> None:
    user = User(core, user_id)
    await user.say(f"/start {code}")
    await user.say("báo cáo")
    for answer in HAMLET_ANSWERS:
        await user.say(answer)


async def _officer(core: Core, sessions: async_sessionmaker[AsyncSession], now: dt.datetime) -> User:
    async with sessions() as session, session.begin():
        police = (await session.execute(select(Unit).where(Unit.name == "Công an xã"))).scalar_one()
        code = (await open_or_new_invite(session, police.id, "officer", now)).code
    officer = User(core, "5001")
    assert "Công an xã" in texts(await officer.say(f"/start {code}"))
    return officer


async def _police_values(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[int | None, str | None]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Indicator.code, ReportValue.value, ReportValue.reason)
            .join(ReportValue, ReportValue.indicator_id == Indicator.id)
            .join(Report, Report.id == ReportValue.report_id)
            .join(Unit, Unit.id == Report.unit_id)
            .where(Unit.name == "Công an xã")
        )
        return {code: (value, reason) for code, value, reason in rows.all()}


async def test_commune_report_prefills_sums_keeps_changes_with_reason_and_tells_of_a_late_hamlet(
    engine: AsyncEngine,
) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    await _hamlet_files(core, code_of(summary, "Bản Khe Ló"), "1001")
    await _hamlet_files(core, code_of(summary, "Bản Nà Pục"), "1002")
    officer = await _officer(core, sessions, clock.now)

    first = texts(await officer.say("báo cáo"))
    assert "Công an xã" in first and "(1/14)" in first
    assert "Tổng các thôn: 6 người (2/12 thôn đã báo cáo)" in first and "gõ “đúng” hoặc “1”" in first
    assert "(2/14)" in texts(await officer.say("đúng"))  # kept with one word
    assert "(3/14)" in texts(await officer.say("1"))
    asked = texts(await officer.say("7"))  # sau_cai: the hamlets say 6
    assert "tổng các thôn là 6 người" in asked and "lý do" in asked
    assert "(4/14)" in texts(await officer.say("1 người từ xã khác chuyển về"))
    for _keep in range(3):
        await officer.say("đúng")
    commune_only = texts(await officer.say("1"))
    assert "(8/14)" in commune_only and "vụ" in commune_only and "Tổng các thôn" not in commune_only
    for answer in ["1", "2", "1", "0", "3", "2"]:
        await officer.say(answer)
    summary_text = texts(await officer.say("0"))
    assert "Diện tích cây xóa bỏ" in summary_text
    assert "Người sau cai: khác tổng các thôn (6 người), lý do: 1 người từ xã khác chuyển về" in summary_text
    assert "Đã lưu" in texts(await officer.say("xác nhận"))
    values = await _police_values(sessions)
    assert values["nghien"] == (6, None) and values["su_dung"] == (4, None)
    assert values["sau_cai"] == (7, "1 người từ xã khác chuyển về")
    assert values["vu_phat_hien"] == (1, None) and values["doi_tuong"] == (2, None)

    clock.now = clock.now + dt.timedelta(hours=2)
    await _hamlet_files(core, code_of(summary, "Bản Huổi Mí"), "1003")  # a hamlet after the commune filed
    reopened = texts(await officer.say("báo cáo"))
    assert "tổng các thôn đã thay đổi" in reopened and "Người nghiện: 6 → 9" in reopened
    assert "Tổng các thôn: 9 người (3/12 thôn đã báo cáo)" in reopened


async def test_a_hamlet_reporter_still_gets_the_hamlet_form(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    user = User(Core(sessions=sessions, clock=clock), "1001")
    await user.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    start = texts(await user.say("báo cáo"))
    assert "(1/13)" in start and "Tổng các thôn" not in start


def test_a_version_2_payload_is_read_as_a_hamlet_report_without_sums() -> None:
    payload = ReportPayload(unit_id=1, unit_name="Bản Khe Ló", set_id=1, period="2026-11", current="2026-11",
                            answers={"nghien": 3}, answered=["nghien"])
    stored = {k: v for k, v in payload.to_json().items()
              if k not in ("sums", "hamlets_reported", "hamlets_expected", "reasons")}
    upgraded = ReportPayload.load(stored, 2)
    assert upgraded == payload and upgraded.sums == {} and upgraded.reasons == {}


async def test_dung_without_diacritics_keeps_a_prefilled_sum_instead_of_asking_to_stop(engine: AsyncEngine) -> None:
    """On a phone without diacritics "dung" is "đúng" (keep the sum) far more often than "dừng" (stop)."""
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    await _hamlet_files(core, code_of(summary, "Bản Khe Ló"), "1001")
    officer = await _officer(core, sessions, clock.now)
    await officer.say("báo cáo")
    kept = texts(await officer.say("dung"))
    assert "(2/14)" in kept and "dừng" not in kept
    commune_only = None
    for _keep in range(6):
        commune_only = texts(await officer.say("dung"))
    assert commune_only is not None and "(8/14)" in commune_only
    stop = texts(await officer.say("dung"))  # a commune-only figure: no sum to keep, so the word is ambiguous
    assert "(8/14)" not in stop and "dừng" in stop

"""The report dialog through the core, on SQLite and PostgreSQL: every rejection, back/cancel,
correction with revision, redelivery, restart in the middle, and access between hamlets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.dispatch import Core
from locales.i18n import set_language
from locales.messages import Incoming
from storage.db import create_engine, session_factory
from storage.models import Invite, Report, ReportRevision, Unit
from storage.reports import latest_report
from tests.core.chat import Clock, User, code_of, demo, texts

ANSWERS = ["3", "2", "3", "1", "2", "1", "0", "3", "90", "1", "0", "0"]


async def registered(engine: AsyncEngine, hamlet: str = "Bản Khe Ló", user_id: str = "1001",
                     clock: Clock | None = None) -> tuple[User, Core]:
    clock = clock or Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    user = User(core, user_id)
    replies = await user.say(f"/start {code_of(summary, hamlet)}")
    assert hamlet in texts(replies)
    return user, core


async def khe_lo_report(engine: AsyncEngine, month: str = "2026-11"):  # type: ignore[no-untyped-def]
    async with session_factory(engine)() as session:
        unit = (await session.execute(select(Unit).where(Unit.name == "Bản Khe Ló"))).scalar_one()
        return await latest_report(session, unit.id)


async def test_unregistered_sender_only_learns_how_to_register(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, _summary = await demo(engine, clock)
    stranger = User(Core(sessions=sessions, clock=clock), "999")
    for text in ("báo cáo", "/xem", "đơn vị tôi được giao gì?", "/baocao"):
        replies = await stranger.say(text)
        assert len(replies) == 1
        assert "mã mời" in replies[0].text


async def test_wrong_used_and_expired_codes_each_get_their_own_answer(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    code = code_of(summary, "Bản Nà Pục")
    assert "không đúng" in texts(await User(core, "1").say("/start ZZZZ9999"))
    assert "Bản Nà Pục" in texts(await User(core, "2").say(code.lower()))
    assert "đã được sử dụng" in texts(await User(core, "3").say(f"/start {code}"))
    async with sessions() as session, session.begin():
        invite = (await session.execute(select(Invite).where(Invite.code == code_of(summary, "Xóm Chợ")))).scalar_one()
        invite.expires_at = clock.now - dt.timedelta(minutes=1)
    assert "hết hạn" in texts(await User(core, "4").say(code_of(summary, "Xóm Chợ")))


async def test_complete_report_rejects_bad_values_and_saves_after_confirmation(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    start = texts(await user.say("bao cao"))
    assert "Bản Khe Ló" in start and "tháng 11/2026" in start and "người" in start
    assert "không được âm" in texts(await user.say("-1"))
    assert "phần lẻ" in texts(await user.say("3,5"))
    assert "Không hiểu “nhiều”" in texts(await user.say("nhiều"))
    assert "gõ một con số" in texts(await user.say(""))
    assert "(2/13)" in texts(await user.say("ba"))
    await user.say("2")
    await user.say("3")
    await user.say("1")
    # tu_van > nghien + su_dung: explained and asked again
    cross = texts(await user.say("9"))
    assert "không được lớn hơn tổng" in cross and "(5/13)" in cross
    await user.say("2")
    await user.say("1")
    assert "không được lớn hơn tổng" in texts(await user.say("6"))  # loan_than
    await user.say("0")
    await user.say("3")
    assert "không được ít hơn" in texts(await user.say("2"))  # luot_nghe < tuyen_truyen
    await user.say("1.200")
    await user.say("1")
    await user.say("0")
    await user.say("0")
    summary = await user.say("bỏ qua")
    assert "Vui lòng kiểm tra" in summary[0].text
    assert [b.data for row in summary[0].buttons for b in row] == ["confirm", "edit", "cancel"]
    assert await khe_lo_report(engine) is None or (await khe_lo_report(engine)).period_code != "2026-11"
    saved = texts(await user.press("confirm"))
    assert "Đã lưu báo cáo tháng 11/2026 của Bản Khe Ló lúc 14:00 23/11/2026" in saved
    report = await khe_lo_report(engine)
    assert report is not None and report.period_code == "2026-11"
    assert report.values["nghien"] == 3 and report.values["tu_van"] == 2 and report.values["luot_nghe"] == 1200
    assert report.note is None


async def test_back_skip_and_cancel(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("/baocao")
    await user.say("4")
    back = texts(await user.say("quay lại"))
    assert "(1/13)" in back and "Giá trị hiện tại: 4 người" in back
    assert "không được bỏ qua" in texts(await user.say("bỏ qua"))
    assert "không lưu?" in texts(await user.say("hủy"))  # asked once more
    assert "Đã hủy" in texts(await user.say("có"))
    assert await khe_lo_report(engine) is not None  # only the demo's past months
    assert (await khe_lo_report(engine)).period_code == "2026-10"


async def test_far_from_previous_says_what_is_unusual_and_asks_to_keep_it(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("báo cáo")
    sure = await user.say("50")
    assert "tăng nhiều so với báo cáo trước (tháng 10/2026:" in sure[0].text
    assert "Đồng chí giữ 50 người?" in sure[0].text and "chắc chắn" not in sure[0].text
    assert "(1/13)" in texts(await user.press("no"))
    await user.say("50")
    assert "(2/13)" in texts(await user.say("có"))


async def test_correction_shows_old_to_new_and_keeps_revision(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("báo cáo")
    for answer in ANSWERS:
        await user.say(answer)
    await user.say("không")
    await user.say("xác nhận")
    again = texts(await user.say("báo cáo"))
    assert "báo cáo sửa" in again and "Giá trị hiện tại: 3 người" in again
    await user.say("4")
    for answer in ANSWERS[1:]:
        await user.say(answer)
    summary = texts(await user.say("Thiếu loa, liên hệ 0912 345 678"))
    assert "Sửa báo cáo" in summary and "3 người → 4 người" in summary
    assert "0912" not in summary
    assert "báo cáo sửa" in texts(await user.say("1"))
    report = await khe_lo_report(engine)
    assert report is not None and report.revision == 2 and report.values["nghien"] == 4
    assert report.note == "Thiếu loa, liên hệ ***"
    async with session_factory(engine)() as session:
        revisions = list((await session.execute(
            select(ReportRevision).where(ReportRevision.report_id == report.id))).scalars())
    assert len(revisions) == 1
    assert revisions[0].snapshot["values"]["nghien"] == 3
    assert revisions[0].snapshot["changes"]["nghien"] == [3, 4]


async def test_edit_one_item_from_the_summary(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("báo cáo")
    for answer in ANSWERS:
        await user.say(answer)
    await user.say("bỏ qua")
    menu = await user.press("edit")
    assert len(menu[0].buttons) == 13
    assert "(10/13)" in texts(await user.press("edit:to_giac"))
    assert "10. Tin báo, tố giác: 2 tin" in texts(await user.say("2"))
    await user.press("confirm")
    report = await khe_lo_report(engine)
    assert report is not None and report.values["to_giac"] == 2


async def test_redelivered_update_changes_nothing_and_sends_nothing(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("báo cáo")
    first = user.sent[-1]
    answer = Incoming(first.transport, "redelivered-1", first.chat_id, first.user_id, text="3")
    assert "(2/13)" in texts(await user.send(answer))
    assert await user.send(answer) == []
    assert "(3/13)" in texts(await user.say("2"))


async def test_restart_in_the_middle_resumes_where_it_stopped(engine: AsyncEngine, db_url: str) -> None:
    clock = Clock()
    user, _core = await registered(engine, clock=clock)
    await user.say("báo cáo")
    await user.say("3")
    await user.say("2")
    # A new process: a new engine and a new core on the same database.
    engine2 = create_engine(db_url)
    try:
        resumed = User(Core(sessions=session_factory(engine2), clock=clock), user.user_id)
        assert "(4/13)" in texts(await resumed.say("3"))
        for answer in ANSWERS[3:]:
            await resumed.say(answer)
        await resumed.say("bỏ qua")
        await resumed.say("xác nhận")
    finally:
        await engine2.dispose()
    report = await khe_lo_report(engine)
    assert report is not None and report.period_code == "2026-11" and report.values["su_dung"] == 2


async def test_reporter_cannot_read_or_change_another_hamlets_report(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    assert "chỉ được xem báo cáo của Bản Khe Ló" in texts(await user.say("/xem Bản Nà Pục"))
    assert "chỉ được gửi báo cáo của Bản Khe Ló" in texts(await user.say("/baocao Bản Nà Pục"))
    own = texts(await user.say("/xem"))
    assert "Báo cáo gần nhất của Bản Khe Ló" in own


async def test_first_days_of_a_month_offer_the_previous_one(engine: AsyncEngine) -> None:
    clock = Clock(dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC))
    user, _core = await registered(engine, clock=clock)
    offer = await user.say("báo cáo")
    assert [b.data for row in offer[0].buttons for b in row] == ["period:2026-11", "period:2026-12"]
    started = texts(await user.say("1"))
    assert "Báo cáo tháng 11/2026" in started


async def test_english_speaker_gets_english(engine: AsyncEngine) -> None:
    user, core = await registered(engine)
    async with core.sessions() as session, session.begin():
        from storage.models import Identity, Person

        person_id = (
            await session.execute(select(Identity.person_id).where(Identity.external_id == "1001"))
        ).scalar_one()
        (await session.get(Person, person_id)).language = "en"  # type: ignore[union-attr]
    assert "Report for month 11/2026" in texts(await user.say("báo cáo"))
    set_language("vi")


async def test_two_reports_never_duplicate_rows(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    for _round in range(2):
        await user.say("báo cáo")
        for answer in ANSWERS:
            await user.say(answer)
        await user.say("bỏ qua")
        await user.say("xác nhận")
    async with session_factory(engine)() as session:
        count = (await session.execute(
            select(func.count()).select_from(Report).join(Unit, Unit.id == Report.unit_id)
            .where(Unit.name == "Bản Khe Ló"))).scalar_one()
    assert count == 7  # six demo months and this one

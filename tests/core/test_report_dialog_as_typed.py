"""Regressions of the report dialog as officials really type: "đúng" is yes and "dừng" is stop,
corrections never checked against figures not re-answered, fixes in one message, the month picker,
questions inside the dialog, and the report shown once at saving."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.core.chat import Clock, texts
from tests.core.test_report_dialog import ANSWERS, khe_lo_report, registered

# 09:00 on 2 December 2026 (Vietnam): the month picker is offered; November is overdue.
EARLY_DECEMBER = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)


async def _to_summary(user, answers=ANSWERS):  # type: ignore[no-untyped-def]
    await user.say("báo cáo")
    for answer in answers:
        await user.say(answer)
    return texts(await user.say("không"))


async def test_dung_with_diacritics_at_the_summary_saves_the_report(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    summary = await _to_summary(user)
    assert "Gõ “đúng” để gửi" in summary
    saved = texts(await user.say("đúng"))
    assert "Đã lưu báo cáo tháng 11/2026" in saved
    # The report is shown once (in the summary), not again at saving.
    assert "Người nghiện" not in saved
    report = await khe_lo_report(engine)
    assert report is not None and report.period_code == "2026-11"


async def test_bare_dung_where_a_yes_is_expected_is_a_yes(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("báo cáo")
    assert "Đồng chí giữ 50 người?" in texts(await user.say("50"))
    assert "(2/13)" in texts(await user.say("dung"))
    for answer in ANSWERS[1:]:
        await user.say(answer)
    await user.say("không")
    assert "Đã lưu" in texts(await user.say("dung"))


async def test_dung_while_answering_asks_once_more_and_one_word_goes_on(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("báo cáo")
    await user.say("3")
    assert "không lưu?" in texts(await user.say("dung"))
    back = texts(await user.say("tiếp"))
    assert "(2/13)" in back
    # A figure right after the question is the answer it was meant to be ("1"/"2" are its buttons).
    assert "không lưu?" in texts(await user.say("dừng"))
    assert "(3/13)" in texts(await user.say("5"))


async def test_stop_at_the_summary_is_asked_once_more_then_the_summary_is_back(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await _to_summary(user)
    assert "không lưu?" in texts(await user.say("dừng"))
    assert "Vui lòng kiểm tra" in texts(await user.say("không"))
    assert "Đã hủy" in texts(await user.say("hủy") + await user.say("có"))
    assert (await khe_lo_report(engine)).period_code == "2026-10"  # type: ignore[union-attr]


async def test_correction_is_not_checked_against_an_old_figure_not_yet_re_answered(engine: AsyncEngine) -> None:
    """Re-filing a month whose report had 0 sessions and 0 listeners: "4" sessions must be taken
    (the old 0 listeners is asked next, not held against it)."""
    user, _core = await registered(engine)
    zero_sessions = ["3", "2", "3", "1", "2", "1", "0", "0", "0", "1", "0", "0"]
    await _to_summary(user, zero_sessions)
    await user.say("đúng")
    await user.say("báo cáo")
    for answer in zero_sessions[:7]:
        await user.say(answer)
    assert "(9/13)" in texts(await user.say("4"))
    assert "không được ít hơn" in texts(await user.say("2"))
    assert "(10/13)" in texts(await user.say("120"))


async def test_fix_an_item_in_one_message_or_by_its_name(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await _to_summary(user)
    fixed = texts(await user.say("mục 9 sai, phải là 120"))
    assert "9. Lượt người nghe: 120 lượt" in fixed and "Vui lòng kiểm tra" in fixed
    assert "(8/13)" in texts(await user.say("sửa tuyên truyền"))
    assert "8. Buổi tuyên truyền: 4 buổi" in texts(await user.say("4 buổi"))
    # A fix that breaks a rule is explained and the item asked again.
    assert "không được ít hơn" in texts(await user.say("sửa mục 9 thành 2"))
    await user.say("120")
    await user.say("ok")
    report = await khe_lo_report(engine)
    assert report is not None and report.values["luot_nghe"] == 120 and report.values["tuyen_truyen"] == 4


async def test_a_breakdown_and_hectares(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("báo cáo")
    for answer in ANSWERS[:4]:
        await user.say(answer)
    assert "3 người, đúng không?" in texts(await user.say("2 nam 1 nữ"))
    assert "(6/13)" in texts(await user.say("đúng"))
    for answer in ANSWERS[5:11]:
        await user.say(answer)
    assert "0,5 ha = 5.000 m²." in texts(await user.say("0,5 ha"))


async def test_questions_inside_the_dialog_are_answered_and_it_goes_on(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    await user.say("báo cáo")
    await user.say("3")
    deadline = texts(await user.say("hạn nộp là ngày nào?"))
    assert "25/11/2026" in deadline and "(2/13)" in deadline
    previous = texts(await user.say("tháng trước báo bao nhiêu?"))
    assert "Báo cáo trước (tháng 10/2026)" in previous and "(2/13)" in previous
    assert "(2/13)" in texts(await user.say("giúp"))
    assert "Chào đồng chí" in texts(await user.say("chào"))
    assert "(3/13)" in texts(await user.say("có 2 người thôi"))
    restart = texts(await user.say("làm lại từ đầu"))
    assert "(1/13)" in restart and "Giá trị hiện tại" not in restart


async def test_greetings_and_thanks_from_idle_get_a_friendly_answer(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    assert "Chào đồng chí" in texts(await user.say("chào"))
    assert "Không có gì" in texts(await user.say("cam on"))


async def test_month_picker_says_what_is_filed_and_due_and_takes_month_words(engine: AsyncEngine) -> None:
    user, _core = await registered(engine, clock=Clock(EARLY_DECEMBER))
    offer = texts(await user.say("báo cáo"))
    assert "Tháng 11/2026: chưa nộp, hạn 25/11/2026 (đã quá hạn)" in offer
    assert "Tháng 12/2026: hạn nộp 25/12/2026" in offer
    assert "Báo cáo tháng 12/2026" in texts(await user.say("tháng 12"))
    await user.say("/huy")
    await user.say("báo cáo")
    assert "Báo cáo tháng 11/2026" in texts(await user.say("11"))
    for answer in ANSWERS:
        await user.say(answer)
    await user.say("không")
    await user.say("đúng")
    again = texts(await user.say("báo cáo"))
    assert "Tháng 11/2026: đã nộp lúc 09:00 02/12/2026" in again


async def test_report_month_named_from_idle_skips_the_picker(engine: AsyncEngine) -> None:
    user, _core = await registered(engine, clock=Clock(EARLY_DECEMBER))
    started = texts(await user.say("báo cáo tháng 11"))
    assert "Báo cáo tháng 11/2026" in started and "(1/13)" in started
    await user.say("/huy")
    assert "Báo cáo tháng 12/2026" in texts(await user.say("nop bao cao thang 12"))


async def test_after_the_fifth_there_is_no_month_question(engine: AsyncEngine) -> None:
    clock = Clock(dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC))
    user, _core = await registered(engine, clock=clock)
    started = texts(await user.say("báo cáo"))
    assert "Báo cáo tháng 12/2026" in started and "(1/13)" in started


async def test_bao_cao_again_in_the_middle_shows_where_they_were(engine: AsyncEngine) -> None:
    user, _core = await registered(engine)
    summary = await _to_summary(user)
    assert "Vui lòng kiểm tra" in summary
    again = texts(await user.say("báo cáo"))
    assert "đang báo cáo dở tháng 11/2026" in again and "Vui lòng kiểm tra" in again
    unclear = texts(await user.say("hôm nay trời mưa"))
    assert "Chưa rõ ý" in unclear and "1. Người nghiện: 3 người" in unclear  # the summary, again


async def test_month_picker_across_the_new_year(engine: AsyncEngine) -> None:
    """On 3 January 2027 the picker offers December 2026 and January 2027."""
    user, _core = await registered(engine, clock=Clock(dt.datetime(2027, 1, 3, 2, 0, tzinfo=dt.UTC)))
    offer = texts(await user.say("báo cáo"))
    assert "Tháng 12/2026: chưa nộp, hạn 25/12/2026 (đã quá hạn)" in offer and "Tháng 1/2027" in offer
    assert "Báo cáo tháng 12/2026" in texts(await user.say("tháng 12"))
    await user.say("/huy")
    await user.say("báo cáo")
    assert "Báo cáo tháng 1/2027" in texts(await user.say("tháng 1/2027"))


async def test_the_picker_follows_the_vietnam_date_not_utc(engine: AsyncEngine) -> None:
    """00:01 on 1 December in Vietnam is still 30 November in UTC: the picker is offered; at 00:01 on
    the 6th (23:01 on the 5th in UTC) it is not."""
    clock = Clock(dt.datetime(2026, 11, 30, 17, 1, tzinfo=dt.UTC))
    user, _core = await registered(engine, clock=clock)
    offer = texts(await user.say("báo cáo"))
    assert "Đồng chí báo cáo tháng nào" in offer and "Tháng 12/2026: hạn nộp 25/12/2026" in offer
    await user.say("/huy")
    clock.now = dt.datetime(2026, 12, 5, 17, 1, tzinfo=dt.UTC)
    started = texts(await user.say("báo cáo"))
    assert "Báo cáo tháng 12/2026" in started and "(1/13)" in started


async def test_another_month_picked_after_going_back_from_a_correction_is_not_a_correction(
        engine: AsyncEngine) -> None:
    """November filed, its correction begun, "quay lại" to the picker, then December: December is a new
    report (before: the summary compared it with November's figures and saved it as a correction)."""
    user, _core = await registered(engine, clock=Clock(EARLY_DECEMBER))
    await user.say("báo cáo")
    await user.say("tháng 11")
    for answer in ANSWERS:
        await user.say(answer)
    await user.say("không")
    await user.say("đúng")
    await user.say("báo cáo")
    assert "đã báo cáo" in texts(await user.say("tháng 11"))
    assert "Đồng chí báo cáo tháng nào" in texts(await user.say("quay lại"))
    assert "Báo cáo tháng 12/2026" in texts(await user.say("tháng 12"))
    for answer in ANSWERS:
        await user.say(answer)
    summary = texts(await user.say("không"))
    assert "Vui lòng kiểm tra báo cáo tháng 12/2026" in summary and "→" not in summary
    assert "Đã lưu báo cáo tháng 12/2026" in texts(await user.say("đúng"))

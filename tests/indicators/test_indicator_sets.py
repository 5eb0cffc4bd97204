"""Versioned indicator sets on SQLite and PostgreSQL: export → edit → import in chat, a new version beside the
old one, old reports read with their own definition, inheritance from the province, and every bad sheet
refused with nothing saved."""

from __future__ import annotations

import itertools
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.indicator_import import SAVE, IndicatorImportDialog, is_indicator_file
from handlers.dispatch import Core
from handlers.indicator_sets import export_set
from handlers.report_view import unit_report
from locales.messages import Incoming, IncomingFile, Reply
from storage.indicator_sets import VersionUse, change_note, rows_of, save_version, spans_a_change, versions_used
from storage.indicator_sheet import read_sheet
from storage.models import Indicator, IndicatorSet, Report, Unit
from storage.models.audit import AuditEntry
from storage.periods import period_of
from storage.reporting_scope import hamlet_set
from storage.reports import indicator_set_for
from tests.core.chat import Clock, User, code_of, demo, texts
from tests.indicators.edit import NEW_LABEL, NEW_QUESTION, OLD_LABEL, edited, row_of, the_usual_edit, workbook

_ids = itertools.count(900_000)
ZONE_INFO = ZoneInfo("Asia/Ho_Chi_Minh")


async def _sets(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, str, int]]:
    async with sessions() as session:
        rows = await session.execute(select(IndicatorSet.owner_id, IndicatorSet.code, IndicatorSet.version)
                                     .order_by(IndicatorSet.id))
        return [tuple(r) for r in rows.all()]


async def _commune(sessions: async_sessionmaker[AsyncSession]) -> Unit:
    async with sessions() as session:
        return (await session.execute(select(Unit).where(Unit.kind == "commune"))).scalar_one()


async def _exported(sessions: async_sessionmaker[AsyncSession], area: Unit) -> bytes:
    async with sessions() as session:
        found = await export_set(session, area)
    assert found is not None
    return found[1]


async def _send(user: User, name: str, content: bytes) -> list[Reply]:
    return await user.send(Incoming(user.transport, str(next(_ids)), user.user_id, user.user_id,
                                    file=IncomingFile(name, content)))


async def _people(engine: AsyncEngine) -> tuple[async_sessionmaker[AsyncSession], User, User, Clock]:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    admin, reporter = User(core, "adm-1"), User(core, "rep-1")
    assert "Công an" in texts(await admin.say(f"/start {summary.admin_code}"))
    assert "Bản Khe Ló" in texts(await reporter.say(f"/start {code_of(summary, 'Bản Khe Ló')}"))
    return sessions, admin, reporter, clock


async def _questions(reporter: User) -> str:
    """File this month's report answering 0 to every figure; everything the bot asked, joined."""
    asked = [texts(await reporter.say("báo cáo"))]
    for _step in range(25):
        reply = texts(await reporter.say("0"))
        asked.append(reply)
        if "Vui lòng kiểm tra" in reply:
            break
    asked.append(texts(await reporter.press("confirm")))
    return "\n".join(asked)


async def test_export_reads_back_as_the_same_set_and_an_unchanged_sheet_saves_nothing(engine: AsyncEngine) -> None:
    sessions, admin, _reporter, _clock = await _people(engine)
    commune = await _commune(sessions)
    content = await _exported(sessions, commune)
    assert is_indicator_file("anything.xlsx", content) and not is_indicator_file("ke-hoach.docx", b"PK\x03\x04")
    assert is_indicator_file("chi-tieu.csv", b"code") and not is_indicator_file("Kế hoạch chỉ tiêu 2026.docx", b"PK")
    parsed = read_sheet(content)
    assert parsed.problems == [] and parsed.info["code"] == "thon_thang" and parsed.info["version"] == "1"
    async with sessions() as session:
        current = await hamlet_set(session, commune)
        assert current is not None and parsed.rows == await rows_of(session, current.id)
    before = await _sets(sessions)
    replies = await _send(admin, "chi-tieu.xlsx", content)
    assert "giống hệt bộ chỉ tiêu đang dùng (phiên bản 1)" in texts(replies)
    assert await _sets(sessions) == before


async def test_the_edited_sheet_makes_version_2_and_old_reports_keep_their_definition(engine: AsyncEngine) -> None:
    sessions, admin, reporter, _clock = await _people(engine)
    commune = await _commune(sessions)
    sheet = edited(await _exported(sessions, commune), the_usual_edit)
    preview = await _send(admin, "chi-tieu-na-khuong.xlsx", sheet)
    text = texts(preview)
    assert "phiên bản 1 → 2" in text and "Thêm: xet_nghiem" in text and "Sửa: tu_van (tên ngắn, câu hỏi)" in text
    assert "Thôi dùng (vẫn giữ trong phiên bản cũ cùng các báo cáo): diem_nghi_van" in text
    assert [b.data for r in preview for row in r.buttons for b in row] == [SAVE, "indicators_cancel"]
    assert len(text) < 700
    # "có" and a bare "dung" (đúng or dừng?) never save: only “lưu”.
    assert "Gõ “lưu”" in texts(await admin.say("có"))
    assert "Gõ “lưu”" in texts(await admin.say("dung"))
    assert [v for _o, c, v in await _sets(sessions) if c == "thon_thang"] == [1]
    assert "Đã lưu" in texts(await admin.say("lưu"))
    assert [v for _o, c, v in await _sets(sessions) if c == "thon_thang"] == [1, 2]
    async with sessions() as session:
        audit = (await session.execute(select(AuditEntry).where(AuditEntry.action == "indicators.import"))).scalar_one()
        assert audit.after is not None and audit.after["retired"] == ["diem_nghi_van"]
        old_count = await session.scalar(select(func.count()).select_from(Indicator).join(
            IndicatorSet, IndicatorSet.id == Indicator.set_id).where(IndicatorSet.version == 1,
                                                                      IndicatorSet.code == "thon_thang"))
        assert old_count == 13  # the old version is untouched: nothing deleted
    asked = await _questions(reporter)
    assert NEW_QUESTION in asked and "xét nghiệm ma túy" in asked
    assert "tụ điểm nghi vấn" not in asked  # retired: not asked any more
    async with sessions() as session:
        hamlet = (await session.execute(select(Unit).where(Unit.name == "Bản Khe Ló"))).scalar_one()
        found = await indicator_set_for(session, hamlet)
        assert found is not None and found[0].version == 2
        november = (await unit_report(session, hamlet, period_of("month", Clock().now.date()), ZONE_INFO))[0].text
        october = (await unit_report(session, hamlet, period_of("month", Clock().now.date().replace(month=10)),
                                     ZONE_INFO))[0].text
    assert NEW_LABEL in november and "Xét nghiệm" in november and "Điểm nghi vấn" not in november
    assert OLD_LABEL in october and "Điểm nghi vấn" in october and "Xét nghiệm" not in october
    # The reporter's own /xem of October: the old definition too.
    assert "Điểm nghi vấn" in texts(await reporter.say("/xem tháng 10"))


async def test_a_correction_after_the_change_is_refiled_with_the_new_version_and_keeps_one_report(
    engine: AsyncEngine
) -> None:
    sessions, admin, reporter, _clock = await _people(engine)
    commune = await _commune(sessions)
    await _questions(reporter)  # November filed with version 1
    await _send(admin, "chi-tieu.xlsx", edited(await _exported(sessions, commune), the_usual_edit))
    await admin.say("lưu")
    asked = await _questions(reporter)  # the correction
    assert NEW_QUESTION in asked
    async with sessions() as session:
        hamlet = (await session.execute(select(Unit).where(Unit.name == "Bản Khe Ló"))).scalar_one()
        reports = (await session.execute(select(Report.set_id).join(IndicatorSet, IndicatorSet.id == Report.set_id)
                                         .where(Report.unit_id == hamlet.id, Report.revision == 2))).all()
        assert len(reports) == 1
        uses = await versions_used(session, commune.id, ["2026-10", "2026-11"], "thon_thang")
        note = await change_note(session, uses)
        assert await change_note(session, [u for u in uses if u.period_code == "2026-10"]) is None
    # October (12 hamlets less the two late ones) on version 1; November's one report moved to version 2.
    assert [(u.period_code, u.version, u.reports) for u in uses] == [("2026-10", 1, 10), ("2026-11", 2, 1)]
    assert spans_a_change(uses) and not spans_a_change([u for u in uses if u.period_code == "2026-10"])
    assert note is not None and "phiên bản 1: 10 báo cáo, phiên bản 2: 1 báo cáo" in note, note
    assert "thêm từ đó: xet_nghiem." in note and "thôi dùng từ đó: diem_nghi_van." in note, note
    # Two communes of a province, each on its own set's first version: not a change.
    apart = [VersionUse("2026-11", "thon_thang", 1, 10, 1, 5), VersionUse("2026-11", "thon_thang", 2, 11, 1, 7)]
    assert not spans_a_change(apart)


async def test_a_commune_without_its_own_set_reports_the_provinces_latest_version(engine: AsyncEngine) -> None:
    sessions, _admin, reporter, _clock = await _people(engine)
    commune = await _commune(sessions)
    async with sessions() as session, session.begin():
        province = await session.get(Unit, commune.parent_id)
        assert province is not None
        own = await hamlet_set(session, commune)
        assert own is not None
        rows = await rows_of(session, own.id)
        # The province adopts the set, then edits it; the commune's own set is then dropped (the province's
        # inherits): a test shortcut for a commune set up after the province shaped its set.
        first = await save_version(session, province, own, rows)
        await save_version(session, province, first, [r for r in rows if r.code != "to_giac"])
        await session.execute(delete(Report))
        await session.execute(delete(IndicatorSet).where(IndicatorSet.owner_id == commune.id,
                                                         IndicatorSet.code == "thon_thang"))
    async with sessions() as session:
        hamlet = (await session.execute(select(Unit).where(Unit.name == "Bản Khe Ló"))).scalar_one()
        found = await indicator_set_for(session, hamlet)
        assert found is not None and found[0].owner_id == province.id and found[0].version == 2
        assert "to_giac" not in [i.code for i in found[1]]
        inherited = await hamlet_set(session, commune)
        assert inherited is not None and inherited.id == found[0].id
    assert "tố giác" not in await _questions(reporter)


@pytest.mark.parametrize(("case", "expected"), [
    ("duplicate", "mã “nghien” đã dùng ở dòng 2"),
    ("no_question", "chỉ tiêu “su_dung” thiếu câu hỏi"),
    ("unknown_rule_code", "quy tắc của “tu_van” nhắc đến mã “nguoi_nghien”"),
    ("unknown_kind", "loại “số lẻ” không hợp lệ"),
    ("empty", "Bảng không có chỉ tiêu nào"),
    ("not_xlsx", "không phải bảng tính Excel (.xlsx)"),
    ("no_code_column", "Bảng không có cột mã"),
])
async def test_a_bad_sheet_says_what_is_wrong_and_saves_nothing(engine: AsyncEngine, case: str, expected: str) -> None:
    sessions, admin, _reporter, _clock = await _people(engine)
    content = await _exported(sessions, await _commune(sessions))

    def duplicate(sheet: object) -> None:
        sheet.cell(row_of(sheet, "su_dung"), 1).value = "nghien"  # type: ignore[attr-defined]

    def no_question(sheet: object) -> None:
        sheet.cell(row_of(sheet, "su_dung"), 3).value = None  # type: ignore[attr-defined]

    def unknown_rule_code(sheet: object) -> None:
        sheet.cell(row_of(sheet, "tu_van"), 7).value = "≤ tổng: nguoi_nghien, su_dung"  # type: ignore[attr-defined]

    def unknown_kind(sheet: object) -> None:
        sheet.cell(row_of(sheet, "nghien"), 5).value = "số lẻ"  # type: ignore[attr-defined]

    def empty(sheet: object) -> None:
        sheet.delete_rows(2, 20)  # type: ignore[attr-defined]

    def no_code_column(sheet: object) -> None:
        sheet.delete_cols(1)  # type: ignore[attr-defined]

    changes = {"duplicate": duplicate, "no_question": no_question, "unknown_rule_code": unknown_rule_code,
               "unknown_kind": unknown_kind, "empty": empty, "no_code_column": no_code_column}
    if case == "not_xlsx":
        name, sent = "chi-tieu.csv", b"code,label,question\nnghien,Nghien,So nguoi nghien\n"
    else:
        name, sent = "chi-tieu.xlsx", edited(content, changes[case])
    before = await _sets(sessions)
    replies = await _send(admin, name, sent)
    text = texts(replies)
    assert expected in text and "Chưa lưu gì" in text
    assert [b for r in replies for row in r.buttons for b in row] == []
    assert "Traceback" not in text
    await admin.say("lưu")
    assert await _sets(sessions) == before


async def test_a_sheet_without_headers_we_wrote_is_read_by_its_words(engine: AsyncEngine) -> None:
    """An officer's own sheet, headed in plain Vietnamese words, is recognised and read."""
    content = workbook([["Mã", "Câu hỏi", "Đơn vị tính", "Loại", "Bắt buộc", "Quy tắc"],
                        ["nghien", "Số người nghiện", "người", "số", "có", ""],
                        ["tu_van", "Số người được tư vấn", "người", "", "", "≤ tổng: nghien"],
                        ["ghi_chu", "Khó khăn, đề xuất", "", "ghi chú", "không", ""]])
    assert is_indicator_file("bang.xlsx", content)
    parsed = read_sheet(content)
    assert parsed.problems == []
    assert [(r.code, r.kind, r.required, r.rules) for r in parsed.rows] == [
        ("nghien", "count", True, {}), ("tu_van", "count", True, {"max_sum_of": ["nghien"]}),
        ("ghi_chu", "text", False, {})]


async def test_only_an_admin_may_import_and_export(engine: AsyncEngine) -> None:
    sessions, _admin, reporter, _clock = await _people(engine)
    content = edited(await _exported(sessions, await _commune(sessions)), the_usual_edit)
    before = await _sets(sessions)
    assert "Chỉ quản trị viên" in texts(await _send(reporter, "chi-tieu.xlsx", content))
    assert await _sets(sessions) == before
    refused = await reporter.say("/chitieu")
    assert all(r.attachment is None for r in refused)
    assert IndicatorImportDialog.name == "indicator_import"


async def test_chitieu_sends_the_current_version_as_a_workbook(engine: AsyncEngine) -> None:
    _sessions, admin, _reporter, _clock = await _people(engine)
    [reply] = await admin.say("/chitieu")
    assert reply.attachment is not None and reply.attachment.name.endswith("-thon_thang-v1.xlsx")
    assert "phiên bản 1" in reply.text
    assert read_sheet(reply.attachment.content).problems == []


async def test_a_version_saved_between_the_preview_and_lưu_is_not_overwritten(engine: AsyncEngine) -> None:
    sessions, admin, _reporter, _clock = await _people(engine)
    commune = await _commune(sessions)
    await _send(admin, "chi-tieu.xlsx", edited(await _exported(sessions, commune), the_usual_edit))
    async with sessions() as session, session.begin():
        current = await hamlet_set(session, commune)
        assert current is not None
        rows = await rows_of(session, current.id)
        await save_version(session, commune, current, rows[:-1])  # someone else's import, meanwhile
    refused = texts(await admin.say("lưu"))
    assert "người khác thay đổi" in refused and "chưa lưu gì" in refused
    assert [v for _o, c, v in await _sets(sessions) if c == "thon_thang"] == [1, 2]

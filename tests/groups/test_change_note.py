"""A summary built across a change of its indicator set says so, on SQLite and PostgreSQL: a month filed with
version 1 by some hamlets and version 2 by others puts the note in the commune's and the province's text,
short answer and workbook; the province summary of communes does the same when a commune police's set changed
within the period; a period filed with one version has no note."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from handlers.province_excel import province_xlsx
from handlers.province_render import province_details, province_text
from handlers.province_summary import build_province_summary
from handlers.summaries import build_summary
from handlers.summary_brief import BRIEF_CHARS, brief_summary, with_change_note
from handlers.summary_excel import summary_xlsx
from handlers.summary_render import summary_text
from storage.calendar import TZ
from storage.db import session_factory
from storage.indicator_sets import rows_of, save_version
from storage.indicator_sheet import IndicatorRow
from storage.models import Indicator, IndicatorSet, Unit
from storage.periods import parse_period
from storage.reports import save_report
from tests.groups.commune import build_commune, random_values
from tests.groups.province import A_VALUES, build_province, file_commune_report

pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
NOTE = "Các báo cáo của kỳ này được nộp theo các phiên bản khác nhau của bộ chỉ tiêu"
NEW_ROW = IndicatorRow(code="xet_nghiem", label="Xét nghiệm", question="Bao nhiêu người được xét nghiệm?",
                       measure="người")


async def _next_version(session: AsyncSession, owner: Unit, base: IndicatorSet) -> IndicatorSet:
    """Version 2 of ``base``: its indicators and one more."""
    rows = await rows_of(session, base.id)
    return await save_version(session, owner, base, [*rows, NEW_ROW])


def _workbook_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


async def test_a_month_filed_with_two_versions_of_the_hamlets_set_says_so(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    november = parse_period("2026-11")
    async with sessions() as session, session.begin():
        built = await build_commune(session, hamlets=4, groups=False, reporters=False)
        filed_at = dt.datetime(2026, 11, 20, 9, tzinfo=TZ)
        for hamlet in built.hamlets[:2]:
            await save_report(session, unit_id=hamlet.id, set_id=built.set_row.id, period=parse_period("2026-10"),
                              values={"nghien": 3}, note=None, person_id=None, now=filed_at - dt.timedelta(days=30))
            await save_report(session, unit_id=hamlet.id, set_id=built.set_row.id, period=november,
                              values={"nghien": 3}, note=None, person_id=None, now=filed_at)
        second = await _next_version(session, built.commune, built.set_row)
        for hamlet in built.hamlets[2:]:
            await save_report(session, unit_id=hamlet.id, set_id=second.id, period=november,
                              values={**random_values(random.Random(1)), "xet_nghiem": 2},
                              note=None, person_id=None, now=filed_at)
        commune_id, province_id = built.commune.id, built.province.id
    async with sessions() as session:
        commune = await session.get(Unit, commune_id)
        province = await session.get(Unit, province_id)
        assert commune is not None and province is not None
        month = await build_summary(session, commune, november, NOW)
        october = await build_summary(session, commune, parse_period("2026-10"), NOW)
        whole = await build_summary(session, province, november, NOW, per_hamlet_values=False)
    assert month.change_note is not None and NOTE in month.change_note
    assert "phiên bản 1: 2 báo cáo, phiên bản 2: 2 báo cáo" in month.change_note, month.change_note
    assert "xet_nghiem" in month.change_note, month.change_note
    assert month.change_note in summary_text(month)
    assert month.change_note in _workbook_text(summary_xlsx(month))
    brief = brief_summary(month)
    assert len(brief) <= 600 and ("phiên bản" in brief), brief
    # October was filed with version 1 only: nothing to say.
    assert october.change_note is None and "phiên bản" not in summary_text(october)
    assert "phiên bản" not in _workbook_text(summary_xlsx(october))
    # The province's summary of hamlets sees the same change below it.
    assert whole.change_note == month.change_note


async def test_the_province_summary_of_communes_says_when_a_communes_set_changed_in_the_period(
    engine: AsyncEngine
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        built = await build_province(session)
        await file_commune_report(session, built, "A", "2026-10", A_VALUES, dt.datetime(2026, 10, 20, 9, tzinfo=TZ))
        commune_a = built.communes["A"].commune
        second = await _next_version(session, commune_a, built.police_set["A"])
        built.police_set["A"] = second
        rows = await session.execute(select(Indicator.code, Indicator.id).where(Indicator.set_id == second.id))
        built.indicator_ids["A"] = {code: ind for code, ind in rows.all()}
        await file_commune_report(session, built, "A", "2026-12", {**A_VALUES, "xet_nghiem": 4},
                                  dt.datetime(2026, 12, 2, 8, tzinfo=TZ))
        province_id = built.province.id
    async with sessions() as session:
        province = await session.get(Unit, province_id)
        assert province is not None
        quarter = await build_province_summary(session, province, parse_period("2026-Q4"), NOW)
        month = await build_province_summary(session, province, parse_period("2026-11"), NOW)
    assert quarter.change_note is not None and NOTE in quarter.change_note, quarter.change_note
    assert "phiên bản 1: 2 báo cáo, phiên bản 2: 1 báo cáo" in quarter.change_note, quarter.change_note
    assert quarter.change_note in province_details(quarter)
    assert quarter.change_note in _workbook_text(province_xlsx(quarter))
    # The short answer takes the note (or a pointer to the details) only if it stays within 600 characters.
    short = province_text(quarter)
    pointer = "Báo cáo kỳ này dùng các phiên bản bộ chỉ tiêu khác nhau (xem chi tiết)."
    if "phiên bản" in short:
        assert len(short) <= 600, short
    else:
        assert len(short) + len(pointer) + 1 > 600, short
    assert month.change_note is None and "phiên bản" not in province_details(month)
    assert "phiên bản" not in province_text(month) and "phiên bản" not in _workbook_text(province_xlsx(month))


def test_the_short_answer_takes_the_whole_note_the_pointer_or_nothing_as_fits() -> None:
    lines = ["Tổng hợp tháng 11/2026 — Xã A", "Chi tiết: /tonghop chi tiết"]
    note = "N" * 100
    assert with_change_note(lines, None) == lines
    assert with_change_note(lines, note) == [lines[0], note, lines[1]]
    pointer = with_change_note(lines, "N" * (BRIEF_CHARS - 20))
    assert len(pointer) == 3 and "phiên bản" in pointer[1] and sum(len(x) + 1 for x in pointer) <= BRIEF_CHARS
    full = ["x" * (BRIEF_CHARS - 10), "Chi tiết"]
    assert with_change_note(full, note) == full

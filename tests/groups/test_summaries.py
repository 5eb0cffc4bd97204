"""Summaries on both databases: totals equal the stored reports, the workbook equals them, the PNG opens."""

from __future__ import annotations

import datetime as dt
import io
import random

import matplotlib.image
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.summaries import Summary, build_summary
from handlers.summary_chart import summary_png
from handlers.summary_excel import HEADER_ROW, summary_xlsx
from handlers.summary_render import summary_text
from locales.i18n import set_language
from storage.calendar import TZ
from storage.db import session_factory
from storage.periods import months_in, parse_period
from tests.groups.commune import BuiltCommune, build_commune, file_report, random_values

# Calendar-dependent: CI runs it again with the clock pinned at each moment (make test-dates).
pytestmark = pytest.mark.calendar

STOCK = {"nghien", "su_dung", "sau_cai", "cai_nghien", "loan_than"}
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


async def _seed(engine: AsyncEngine) -> tuple[BuiltCommune, dict[tuple[int, str], dict[str, int]]]:
    """12 hamlets, 14 months (10/2025 … 11/2026); in 11/2026 Xóm 3 and Xóm 7 are missing, Xóm 5 late."""
    rng = random.Random(7)
    stored: dict[tuple[int, str], dict[str, int]] = {}
    async with session_factory(engine)() as session, session.begin():
        built = await build_commune(session, hamlets=12)
        months = months_in(parse_period("2025-10")) + months_in(parse_period("2025-Q4"))[1:]
        months += months_in(parse_period("2026"))[:11]
        for month in months:
            for hamlet in built.hamlets:
                if month.code == "2026-11" and hamlet.name in ("Xóm 3", "Xóm 7"):
                    continue
                values = random_values(rng)
                day = 27 if (month.code == "2026-11" and hamlet.name == "Xóm 5") else 20
                at = dt.datetime(month.year, month.number, day, 10, tzinfo=TZ)
                note = None
                if month.code == "2026-11" and hamlet.name in ("Xóm 1", "Xóm 2"):
                    note = "Thiếu kinh phí tuyên truyền" if hamlet.name == "Xóm 1" else "Cần thêm loa truyền thanh"
                await file_report(session, built, hamlet, month.code, values, at, note)
                stored[(hamlet.id, month.code)] = values
    return built, stored


def _expected(stored: dict[tuple[int, str], dict[str, int]], hamlets: list[int], months: list[str]) -> dict[str, int]:
    """Totals computed independently in Python from what the test stored."""
    out: dict[str, int] = {}
    for hamlet in hamlets:
        filed = [m for m in months if (hamlet, m) in stored]
        for code in stored[next(iter(stored))]:
            if code in STOCK:
                part = stored[(hamlet, filed[-1])][code] if filed else 0
            else:
                part = sum(stored[(hamlet, m)][code] for m in filed)
            out[code] = out.get(code, 0) + part
    return out


async def _summary(engine: AsyncEngine, built: BuiltCommune, code: str, with_notes: bool = False) -> Summary:
    async with session_factory(engine)() as session:
        return await build_summary(session, built.commune, parse_period(code), NOW.astimezone(dt.UTC),
                                   with_notes=with_notes)


async def test_month_summary_totals_statuses_changes_targets(engine: AsyncEngine) -> None:
    built, stored = await _seed(engine)
    ids = [h.id for h in built.hamlets]
    summary = await _summary(engine, built, "2026-11", with_notes=True)
    assert summary.totals == _expected(stored, ids, ["2026-11"])
    assert summary.previous_totals == _expected(stored, ids, ["2026-10"])
    assert summary.last_year_totals == _expected(stored, ids, ["2025-11"])
    assert [h.name for h in summary.with_status("missing")] == ["Xóm 3", "Xóm 7"]
    assert [h.name for h in summary.with_status("late")] == ["Xóm 5"]
    assert summary.reported == 10 and summary.expected == 12
    ratio = next(d for d in summary.derived if d.code == "tu_van_ratio")
    t = _expected(stored, ids, ["2026-11"])
    assert ratio.value == pytest.approx(t["tu_van"] / (t["nghien"] + t["su_dung"]))
    change = next(d for d in summary.derived if d.code == "users_change")
    ly = _expected(stored, ids, ["2025-11"])
    base = ly["nghien"] + ly["su_dung"]
    assert change.value == pytest.approx((t["nghien"] + t["su_dung"] - base) / base)
    assert change.met == ((t["nghien"] + t["su_dung"] - base) / base <= -0.07)
    assert summary.notes == ["Cần thêm loa truyền thanh", "Thiếu kinh phí tuyên truyền"]

    set_language("vi")
    text = summary_text(summary)
    assert "Chưa báo cáo (2): Xóm 3, Xóm 7" in text
    assert "Báo cáo trễ (1): Xóm 5" in text
    assert "Thiếu kinh phí tuyên truyền" in text
    # a note is never tied to the hamlet that wrote it
    assert not any("Xóm 1" in line and "kinh phí" in line for line in text.splitlines())
    assert "10/12" in text or "10 / 12" in text
    # built for a group (the default), the summary holds no note at all
    assert (await _summary(engine, built, "2026-11")).notes == []


async def test_quarter_sums_flows_and_takes_latest_stock(engine: AsyncEngine) -> None:
    built, stored = await _seed(engine)
    ids = [h.id for h in built.hamlets]
    summary = await _summary(engine, built, "2026-Q4")
    assert summary.totals == _expected(stored, ids, ["2026-10", "2026-11", "2026-12"])
    assert summary.previous_totals == _expected(stored, ids, ["2026-07", "2026-08", "2026-09"])
    assert summary.last_year_totals == _expected(stored, ids, ["2025-10", "2025-11", "2025-12"])
    year = await _summary(engine, built, "2026")
    assert year.totals == _expected(stored, ids, [f"2026-{m:02d}" for m in range(1, 13)])


async def test_workbook_cells_equal_the_stored_reports(engine: AsyncEngine) -> None:
    built, stored = await _seed(engine)
    summary = await _summary(engine, built, "2026-11")
    set_language("vi")
    book = load_workbook(io.BytesIO(summary_xlsx(summary)))
    sheet = book.active
    assert sheet is not None
    assert built.commune.name in str(sheet["A2"].value)
    assert "11/2026" in str(sheet["A1"].value) and "25/11/2026" in str(sheet["A3"].value)
    headers = [c.value for c in sheet[HEADER_ROW]]
    codes = [i.code for i in summary.indicators]
    first = 5
    for offset, hamlet in enumerate(built.hamlets):
        row = [c.value for c in sheet[HEADER_ROW + 1 + offset]]
        assert row[1] == hamlet.name
        filed = stored.get((hamlet.id, "2026-11"))
        for index, code in enumerate(codes):
            assert row[first - 1 + index] == (filed[code] if filed else None), (hamlet.name, code)
    total_row = [c.value for c in sheet[HEADER_ROW + 1 + len(built.hamlets)]]
    expected = _expected(stored, [h.id for h in built.hamlets], ["2026-11"])
    for index, code in enumerate(codes):
        assert total_row[first - 1 + index] == expected[code]
        column = [sheet.cell(row=HEADER_ROW + 1 + i, column=first + index).value or 0 for i in range(12)]
        assert sum(column) == expected[code]
    assert len(headers) == 4 + len(codes)
    assert sheet.page_setup.orientation == "landscape"


async def test_png_opens_and_is_phone_sized(engine: AsyncEngine, tmp_path: object) -> None:
    built, _stored = await _seed(engine)
    summary = await _summary(engine, built, "2026-11")
    set_language("vi")
    png = summary_png(summary)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    height, width = image.shape[:2]
    assert width >= 1000 and height > width

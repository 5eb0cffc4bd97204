"""The summary workbook written as text (handlers.xlsx_stream) reads back in openpyxl cell for cell, with
its styles, layout and print settings, including names that XML must escape or cannot hold."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import load_workbook

from handlers.summaries import Derived, HamletStatus, IndicatorInfo, Summary
from handlers.summary_excel import HEADER_ROW, summary_xlsx
from locales.i18n import set_language
from storage.periods import parse_period

MADE = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
NAMES = ["Xóm <1> & \"Đồi\"", "Bản\x07 Khe Ló", "  Thôn 3  "]


def _summary() -> Summary:
    indicators = [IndicatorInfo("nghien", "Người nghiện", "người", True), IndicatorInfo("tu_van", "Tư vấn", "", False)]
    hamlets = [
        HamletStatus(1, NAMES[0], "on_time", 1, 1, MADE, {"nghien": 4, "tu_van": 0}),
        HamletStatus(2, NAMES[1], "late", 1, 1, MADE, {"nghien": None, "tu_van": 7}),
        HamletStatus(3, NAMES[2], "missing", 0, 1, None, {}),
    ]
    return Summary(1, "Tỉnh A & B", "province", parse_period("2026-11"), dt.date(2026, 11, 25), MADE, indicators,
                   hamlets, {"nghien": 4, "tu_van": 7}, {}, {}, [Derived("tu_van_ratio", 1.75, 0.45, True, "2026-11")],
                   [], [])


def test_the_streamed_workbook_reads_back_in_openpyxl() -> None:
    set_language("vi")
    content = summary_xlsx(_summary())
    assert zipfile.ZipFile(io.BytesIO(content)).testzip() is None
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None and sheet.title == "2026-11"
    assert "Tỉnh A & B" in str(sheet["A2"].value) and sheet["A1"].font.b and sheet["A1"].font.sz == 14
    assert [c.value for c in sheet[HEADER_ROW]] == ["STT", "Thôn, xóm", "Tình trạng", "Ngày nộp",
                                                    "Người nghiện (người)", "Tư vấn"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + 4)]
    assert rows[0] == [1, NAMES[0], "Đúng hạn", "02/12/2026", 4, 0]
    assert rows[1] == [2, "Bản Khe Ló", "Trễ hạn", "02/12/2026", None, 7]  # the control character dropped
    assert rows[2] == [3, NAMES[2], "Chưa báo cáo", None, None, None]
    assert rows[3][1] == "Tổng cộng" and rows[3][4:] == [4, 7]
    status = sheet[f"C{HEADER_ROW + 2}"]
    assert status.fill.fgColor.rgb.endswith("FFE0B2") and status.border.left.style == "thin"
    assert sheet[f"B{HEADER_ROW + 4}"].font.b and sheet[f"E{HEADER_ROW}"].alignment.wrap_text
    assert sheet.freeze_panes == f"C{HEADER_ROW + 1}" and sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_options.gridLines
    assert {str(r) for r in sheet.merged_cells.ranges} == {f"A{r}:F{r}" for r in (1, 2, 3, 4)}
    assert sheet.column_dimensions["B"].width == 22 and sheet.row_dimensions[HEADER_ROW].height == 60

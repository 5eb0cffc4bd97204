"""Editing an exported indicator workbook as an officer would in Excel (a test helper)."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

NEW_QUESTION = "Số người được tư vấn, hỗ trợ cai nghiện tại cộng đồng trong tháng"
NEW_LABEL = "Tư vấn tại cộng đồng"
OLD_LABEL = "Được tư vấn cai"
ADDED = ["xet_nghiem", "Xét nghiệm", "Số người được xét nghiệm ma túy trong tháng", "người", "count", "có",
         "≤ tổng: nghien, su_dung", "Tested", "People tested for drugs this month"]


def edited(content: bytes, change: Callable[[Worksheet], None]) -> bytes:
    """``content`` with ``change`` applied to its indicator sheet (the first sheet)."""
    book = load_workbook(io.BytesIO(content))
    change(book.worksheets[0])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(sheet: Worksheet, code: str) -> int:
    """The Excel row number of ``code``."""
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == code)


def the_usual_edit(sheet: Worksheet) -> None:
    """Rename and reword tu_van, retire diem_nghi_van, add xet_nghiem before the note."""
    sheet.cell(row_of(sheet, "tu_van"), 2).value = NEW_LABEL
    sheet.cell(row_of(sheet, "tu_van"), 3).value = NEW_QUESTION
    sheet.delete_rows(row_of(sheet, "diem_nghi_van"))
    note = row_of(sheet, "ghi_chu")
    sheet.insert_rows(note)
    for column, value in enumerate(ADDED, start=1):
        sheet.cell(note, column).value = value


def workbook(rows: list[list[object]]) -> bytes:
    """A fresh workbook of ``rows`` (first row the header)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

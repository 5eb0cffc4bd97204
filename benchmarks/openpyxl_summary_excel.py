"""The summary workbook as it was written before ``handlers.xlsx_stream`` (openpyxl, a style on every cell).

Kept only so that ``benchmarks.groups_bench`` times the old and the new writer in one run.
"""

from __future__ import annotations

import io
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from handlers.summaries import Summary
from handlers.summary_render import derived_line
from locales.i18n import _, fmt_date, fmt_datetime
from storage.calendar import local
from storage.periods import period_label

HEADER_ROW = 6
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FILLS = {
    "on_time": PatternFill("solid", fgColor="DCEDC8"),
    "late": PatternFill("solid", fgColor="FFE0B2"),
    "missing": PatternFill("solid", fgColor="FFCDD2"),
}


def _status_text(status: str) -> str:
    return {"on_time": _("On time"), "late": _("Late"), "missing": _("Not reported")}[status]


def summary_xlsx(summary: Summary) -> bytes:
    """Build the workbook and return its bytes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = summary.period.code
    codes = [i.code for i in summary.indicators]
    fixed = [_("No."), _("Hamlet"), _("Status"), _("Submitted")]
    headers = fixed + [f"{i.label} ({i.measure})" if i.measure else i.label for i in summary.indicators]
    last_col = get_column_letter(len(headers))

    sheet["A1"] = _("Summary of hamlet reports — {period}").format(period=period_label(summary.period))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(f"A1:{last_col}1")
    sheet["A2"] = _("Area: {area}").format(area=summary.area_name)
    sheet["A3"] = _("Period: {period} ({start} – {end}); deadline {deadline}").format(
        period=period_label(summary.period), start=fmt_date(summary.period.starts_on),
        end=fmt_date(summary.period.ends_on), deadline=fmt_date(summary.deadline),
    )
    sheet["A4"] = _("Reported: {done} of {total} hamlets. Made at {time}.").format(
        done=summary.reported, total=summary.expected, time=fmt_datetime(local(summary.made_at))
    )
    for row in (2, 3, 4):
        sheet.merge_cells(f"A{row}:{last_col}{row}")

    for col, title in enumerate(headers, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=col, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = _BORDER
    sheet.row_dimensions[HEADER_ROW].height = 60

    # A style is looked up by hashing it each time it is set (a province has 300,000 cells): each one
    # is set on its first cell only, and the cells after it copy that cell's style ids.
    styles: dict[str, Any] = {}
    row = HEADER_ROW
    for number, hamlet in enumerate(summary.hamlets, start=1):
        row += 1
        submitted = fmt_date(local(hamlet.last_submitted).date()) if hamlet.last_submitted else ""
        values: list[object] = [number, hamlet.name, _status_text(hamlet.status), submitted]
        values += [hamlet.values.get(code) for code in codes]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=col, value=value)
            key = hamlet.status if col == 3 else ""
            if key in styles:
                cell._style = copy(styles[key])
            else:
                cell.border = _BORDER
                if col == 3:
                    cell.fill = _FILLS[hamlet.status]
                styles[key] = copy(cell._style)

    row += 1
    sheet.cell(row=row, column=2, value=_("Total")).font = Font(bold=True)
    for col, code in enumerate(codes, start=len(fixed) + 1):
        cell = sheet.cell(row=row, column=col, value=summary.totals.get(code))
        cell.font = Font(bold=True)
    for col in range(1, len(headers) + 1):
        sheet.cell(row=row, column=col).border = _BORDER

    if summary.derived:
        row += 2
        sheet.cell(row=row, column=2, value=_("Targets:")).font = Font(bold=True)
        for item in summary.derived:
            row += 1
            sheet.cell(row=row, column=2, value=derived_line(item).lstrip("• "))

    sheet.column_dimensions["A"].width = 5
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 14
    sheet.column_dimensions["D"].width = 12
    for col in range(len(fixed) + 1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 11
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=3)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

"""The province summary as an .xlsx: one row per commune (status, whom to call, figures, rates), then totals.

Values are written as numbers (the same SQL figures the text shows), so the file reads the same in any
viewer and in a test. Only communes and officers are named, never a person under management.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from handlers.province_summary import OFFENDERS_CODE, USERS_CODES, ProvinceSummary
from handlers.summary_render import derived_line
from locales.i18n import _, fmt_date, fmt_datetime
from storage.calendar import local
from storage.periods import period_label

HEADER_ROW = 4
_FILLS = {
    "on_time": PatternFill("solid", fgColor="DCEDC8"),
    "late": PatternFill("solid", fgColor="FFE0B2"),
    "missing": PatternFill("solid", fgColor="FFCDD2"),
}


def _status_text(status: str) -> str:
    return {"on_time": _("On time"), "late": _("Late"), "missing": _("Not reported")}[status]


def province_xlsx(summary: ProvinceSummary) -> bytes:
    """Build the workbook and return its bytes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Communes")[:31]
    sheet["A1"] = _("Communes' reports of {period} — {area}").format(
        period=period_label(summary.period), area=summary.area_name)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _("Deadline: {deadline}. Made at {time}.").format(
        deadline=fmt_date(summary.deadline), time=fmt_datetime(local(summary.made_at)))
    bold = Font(bold=True)
    if summary.change_note:
        sheet["A3"] = summary.change_note
        sheet["A3"].font = bold
    headers = [_("Commune"), _("Status"), _("Filed at"), _("Officer to call"), _("Phone"), _("Contact"),
               _("Population")]
    headers += [f"{info.label} ({info.measure})" if info.measure else info.label for info in summary.indicators]
    headers += [_("Addicted + users per 1,000"), _("People detected per 1,000"), _("Counselled ratio")]
    for column, title in enumerate(headers, start=1):
        sheet.cell(HEADER_ROW, column, title).font = bold
    for offset, line in enumerate(summary.communes, start=1):
        row = HEADER_ROW + offset
        officer = line.officers[0] if line.officers else None
        filed = fmt_datetime(local(line.submitted_at)) if line.submitted_at is not None else None
        ratio = next((d.value for d in line.derived if d.code == "tu_van_ratio"), None)
        users, offenders = line.per_1000(USERS_CODES), line.per_1000((OFFENDERS_CODE,))
        cells: list[object] = [line.name, _status_text(line.status), filed,
                               officer.name if officer else None, officer.phone if officer else None,
                               officer.contact if officer else None, line.population]
        cells += [line.values.get(info.code) for info in summary.indicators]
        cells += [None if users is None else round(users, 2), None if offenders is None else round(offenders, 2),
                  None if ratio is None else round(ratio, 4)]
        for column, value in enumerate(cells, start=1):
            sheet.cell(row, column, value)
        sheet.cell(row, 2).fill = _FILLS[line.status]
    total_row = HEADER_ROW + len(summary.communes) + 1
    sheet.cell(total_row, 1, _("Total")).font = bold
    population_column = headers.index(_("Population")) + 1
    sheet.cell(total_row, population_column, summary.population or None)
    for column, info in enumerate(summary.indicators, start=population_column + 1):
        sheet.cell(total_row, column, summary.totals.get(info.code)).font = bold
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["D"].width = 22
    sheet.column_dimensions["E"].width = 13  # a phone written whole, never as 9.12E+08: it is a text
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2)

    targets = book.create_sheet(_("Targets")[:31])
    targets["A1"] = _("Targets:")
    targets["A1"].font = bold
    for row, item in enumerate(summary.derived, start=2):
        targets.cell(row, 1, derived_line(item).lstrip("• "))
        targets.cell(row, 2, None if item.value is None else round(item.value, 4))
        targets.cell(row, 3, item.target)
    targets.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

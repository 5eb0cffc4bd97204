"""The summary as an .xlsx ready to print and forward upward: one row per hamlet, totals, a header.

Totals are written as values (the same SQL totals the text shows), so the file reads the same in any
viewer and in a test; hamlets' notes are left out (a group never sees which hamlet wrote what). A
province has 20,000 hamlet rows: the sheet is written as text (``handlers.xlsx_stream``), only the
header, status and total cells carry a style, and the grid is printed as gridlines.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from handlers.summaries import Summary
from handlers.summary_render import derived_line
from handlers.xlsx_stream import Cell, Sheet, Style, column_letter, workbook_bytes
from locales.i18n import _, fmt_date, fmt_datetime
from storage.calendar import local
from storage.periods import period_label

HEADER_ROW = 6
_FILLS = {"on_time": "DCEDC8", "late": "FFE0B2", "missing": "FFCDD2"}
_TITLE = Style(bold=True, size=14)
_HEADER = Style(bold=True, border=True, centred=True)
_TOTAL = Style(bold=True, border=True)
_BOLD = Style(bold=True)


def _status_text(status: str) -> str:
    return {"on_time": _("On time"), "late": _("Late"), "missing": _("Not reported")}[status]


def summary_xlsx(summary: Summary) -> bytes:
    """Build the workbook and return its bytes."""
    codes = [i.code for i in summary.indicators]
    fixed = [_("No."), _("Hamlet"), _("Status"), _("Submitted")]
    headers = fixed + [f"{i.label} ({i.measure})" if i.measure else i.label for i in summary.indicators]
    last_col = column_letter(len(headers))
    widths: dict[int, float] = {1: 5, 2: 22, 3: 14, 4: 12}
    widths.update((col, 11) for col in range(len(fixed) + 1, len(headers) + 1))
    sheet = Sheet(
        title=summary.period.code,
        widths=widths,
        heights={HEADER_ROW: 60},
        merged=[f"A{row}:{last_col}{row}" for row in (1, 2, 3, 4)],
        freeze=f"C{HEADER_ROW + 1}",
        print_title_row=HEADER_ROW,
    )
    rows = sheet.rows
    rows.append([Cell(_("Summary of hamlet reports — {period}").format(period=period_label(summary.period)),
                      _TITLE)])
    rows.append([_("Area: {area}").format(area=summary.area_name)])
    rows.append([_("Period: {period} ({start} – {end}); deadline {deadline}").format(
        period=period_label(summary.period), start=fmt_date(summary.period.starts_on),
        end=fmt_date(summary.period.ends_on), deadline=fmt_date(summary.deadline),
    )])
    rows.append([_("Reported: {done} of {total} hamlets. Made at {time}.").format(
        done=summary.reported, total=summary.expected, time=fmt_datetime(local(summary.made_at))
    )])
    rows.append([])
    rows.append([Cell(title, _HEADER) for title in headers])

    statuses = {status: Cell(_status_text(status), Style(fill=fill, border=True)) for status, fill in _FILLS.items()}
    # Thousands of hamlets filed on the same few days: each day is formatted once.
    day_text = lru_cache(maxsize=None)(fmt_date)
    for number, hamlet in enumerate(summary.hamlets, start=1):
        submitted = day_text(_day(hamlet.last_submitted)) if hamlet.last_submitted else ""
        values: list[object] = [number, hamlet.name, statuses[hamlet.status], submitted]
        values += [hamlet.values.get(code) for code in codes]
        rows.append(values)

    total: list[object] = [Cell(None, _TOTAL), Cell(_("Total"), _TOTAL), Cell(None, _TOTAL), Cell(None, _TOTAL)]
    total += [Cell(summary.totals.get(code), _TOTAL) for code in codes]
    rows.append(total)
    if summary.change_note:
        rows.append([])
        rows.append([None, Cell(summary.change_note, _BOLD)])
    if summary.derived:
        rows.append([])
        rows.append([None, Cell(_("Targets:"), _BOLD)])
        rows += [[None, derived_line(item).lstrip("• ")] for item in summary.derived]
    return workbook_bytes(sheet)


def _day(moment: dt.datetime) -> dt.date:
    return local(moment).date()

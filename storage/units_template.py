"""The sample hamlet sheet: ``units_sample.csv`` ships with the project; the .xlsx adds a notes line above it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from locales.i18n import _

SAMPLE_CSV = Path(__file__).with_name("units_sample.csv")


def sample_rows() -> list[list[str]]:
    """The header and the example rows of the sample sheet."""
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle) if row]


def template_xlsx() -> bytes:
    """The sample sheet as an Excel workbook: a notes line, the header, the example rows."""
    from openpyxl import Workbook  # slow to import: only when a workbook is written
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Hamlets")
    sheet.append([_("One row per hamlet. Province and commune as named since 01/07/2025; kind: thôn, xóm, "
                    "bản, ấp, tổ dân phố, khu phố (may be left empty when the name starts with it); population "
                    "may be left empty. Replace the example rows, no merged cells, no formulas.")])
    rows = sample_rows()
    for row in rows:
        sheet.append(row)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (18, 24, 30, 14, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(path: Path) -> None:
    """Write the sample sheet to ``path``: .xlsx as a workbook, anything else as the CSV (UTF-8 with BOM,
    which Excel opens with the diacritics intact)."""
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(template_xlsx())
    else:
        path.write_bytes(b"\xef\xbb\xbf" + SAMPLE_CSV.read_bytes())

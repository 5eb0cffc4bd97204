"""A one-sheet .xlsx written as text: rows of values with a handful of cell styles, for big summaries.

openpyxl spends some 8 µs on each cell it writes, so a province's 20,000 hamlets × 16 columns took
seconds; the sheet's XML written here as strings takes a tenth of that. It writes what the summary
workbook uses and nothing more: inline strings, numbers, a few fonts/fills/borders, merged cells,
frozen panes, column widths, a row height, print titles, landscape A4 fitted to the page width and
printed gridlines. The package layout is the minimal one of ECMA-376 that Excel, LibreOffice and
openpyxl open (``tests/groups/test_summaries.py`` reads it back with openpyxl).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

# Characters XML 1.0 forbids (a name pasted with a control character must not break the file).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Style:
    """A cell style: bold (and size), a solid fill colour (RRGGBB), a thin grey border, wrapped and centred."""

    bold: bool = False
    size: int | None = None
    fill: str | None = None
    border: bool = False
    centred: bool = False


@dataclass
class Cell:
    """A value with a style (a bare value in a row is unstyled)."""

    value: object
    style: Style


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Sheet:
    """One worksheet: layout first, then ``rows`` (each a list of values or ``Cell``; None leaves a gap)."""

    title: str
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)
    freeze: str | None = None  # the first scrolling cell, e.g. "C7"
    print_title_row: int | None = None
    rows: list[list[object]] = field(default_factory=list)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/></Relationships>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


class _Styles:
    """The styles in use, numbered in the order they are first met (0 is the default)."""

    def __init__(self) -> None:
        self.ids: dict[Style, int] = {Style(): 0}

    def id(self, style: Style) -> int:
        return self.ids.setdefault(style, len(self.ids))

    def xml(self) -> str:
        fonts: dict[tuple[bool, int | None], int] = {(False, None): 0}
        fills: dict[str | None, int] = {None: 0}  # 1 is the gray125 pattern every file carries
        xfs = []
        for style in self.ids:
            font = fonts.setdefault((style.bold, style.size), len(fonts))
            fill = fills.setdefault(style.fill, len(fills) + 1) if style.fill else 0
            align = ('<alignment horizontal="center" vertical="center" wrapText="1"/>' if style.centred else "")
            applied = "".join(f' apply{name}="1"' for name, used in
                              (("Font", font), ("Fill", fill), ("Border", style.border), ("Alignment", align)) if used)
            xfs.append(f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{1 if style.border else 0}" '
                       f'xfId="0"{applied}>{align}</xf>')
        font_xml = "".join(
            f'<font>{"<b/>" if bold else ""}<sz val="{size or 11}"/><name val="Calibri"/><family val="2"/></font>'
            for bold, size in fonts
        )
        fill_xml = '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
        fill_xml += "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{colour}"/><bgColor indexed="64"/>'
            f"</patternFill></fill>"
            for colour in fills if colour
        )
        side = '<{0} style="thin"><color rgb="FF808080"/></{0}>'
        border_xml = ("<border><left/><right/><top/><bottom/><diagonal/></border><border>"
                      + "".join(side.format(s) for s in ("left", "right", "top", "bottom")) + "<diagonal/></border>")
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
            f'<fonts count="{len(fonts)}">{font_xml}</fonts>'
            f'<fills count="{len(fills) + 1}">{fill_xml}</fills>'
            f'<borders count="2">{border_xml}</borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def _rows_xml(rows: Iterable[list[object]], heights: dict[int, float], styles: _Styles) -> Iterable[str]:
    letters = [column_letter(i) for i in range(1, 200)]
    for number, row in enumerate(rows, start=1):
        height = heights.get(number)
        parts = [f'<row r="{number}" ht="{height}" customHeight="1">' if height else f'<row r="{number}">']
        for col, item in enumerate(row):
            style = 0
            if isinstance(item, Cell):
                style, item = styles.id(item.style), item.value
            ref = f"{letters[col]}{number}"
            s = f' s="{style}"' if style else ""
            if item is None or item == "":
                if style:
                    parts.append(f'<c r="{ref}"{s}/>')
            elif isinstance(item, bool):
                parts.append(f'<c r="{ref}"{s} t="b"><v>{int(item)}</v></c>')
            elif isinstance(item, int | float):
                parts.append(f'<c r="{ref}"{s}><v>{item}</v></c>')
            else:
                parts.append(f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(str(item))}'
                             f"</t></is></c>")
        parts.append("</row>")
        yield "".join(parts)


def _sheet_xml(sheet: Sheet, styles: _Styles) -> str:
    width = max((len(row) for row in sheet.rows), default=1)
    views = '<sheetViews><sheetView workbookViewId="0">'
    if sheet.freeze:
        match = re.fullmatch(r"([A-Z]+)(\d+)", sheet.freeze)
        assert match is not None
        col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(match.group(1)))) - 1
        row = int(match.group(2)) - 1
        views += (f'<pane xSplit="{col}" ySplit="{row}" topLeftCell="{sheet.freeze}" activePane="bottomRight" '
                  f'state="frozen"/><selection pane="bottomRight" activeCell="{sheet.freeze}" '
                  f'sqref="{sheet.freeze}"/>')
    views += "</sheetView></sheetViews>"
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(sheet.widths.items()))
    merged = "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merged)
    return "".join([
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
        '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr fitToPage="1"/></sheetPr>',
        f'<dimension ref="A1:{column_letter(width)}{max(len(sheet.rows), 1)}"/>',
        views,
        '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>',
        f"<cols>{cols}</cols>" if cols else "",
        "<sheetData>", *_rows_xml(sheet.rows, sheet.heights, styles), "</sheetData>",
        f'<mergeCells count="{len(sheet.merged)}">{merged}</mergeCells>' if merged else "",
        '<printOptions gridLines="1"/>',
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>',
        '<pageSetup orientation="landscape" paperSize="9" fitToHeight="0" fitToWidth="1"/>',
        "</worksheet>",
    ])


def workbook_bytes(sheet: Sheet) -> bytes:
    """The .xlsx file of ``sheet``."""
    styles = _Styles()
    sheet_xml = _sheet_xml(sheet, styles)  # first: it numbers the styles the rows use
    title = quoteattr(_ILLEGAL.sub("", sheet.title)[:31])
    names = ""
    if sheet.print_title_row is not None:
        quoted = _ILLEGAL.sub("", sheet.title)[:31].replace("'", "''")
        repr_title = "'" + quoted + "'"
        names = (f'<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
                 f"{escape(repr_title)}!${sheet.print_title_row}:${sheet.print_title_row}"
                 f"</definedName></definedNames>")
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<bookViews><workbookView/></bookViews><sheets><sheet name={title} sheetId="1" r:id="rId1"/></sheets>'
        f"{names}</workbook>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", workbook)
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        package.writestr("xl/styles.xml", styles.xml())
        package.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()

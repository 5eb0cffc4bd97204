"""Reading the hamlet sheet (.xlsx or .csv) into checked rows: the header found in the first rows, each cell
read as plain text (a formula is refused, never evaluated), every problem named by row and column."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from locales.i18n import _
from locales.vietnamese import fold, nfc
from storage.official_units import communes_of, provinces, vocabulary

HEADER_ROWS = 10  # the header is looked for in this many rows (a title or notes may come first)
NAME_MAX = 100  # characters in a province, commune or hamlet name
MAX_ROWS = 50_000  # a province has about 10,000 hamlets: more is not a hamlet sheet
MAX_POPULATION = 10_000_000
SUFFIXES = (".xlsx", ".csv")
COLUMNS = ("province", "commune", "hamlet", "kind", "population")
REQUIRED = ("province", "commune", "hamlet")
# Cells starting with these are formulas to Excel: refused, so nothing stored can run as one later.
_FORMULA_START = ("=", "+", "@")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_GROUPED_NUMBER = re.compile(r"\d{1,3}([.,\s]\d{3})+")
_CONTROL = re.compile(r"[\t\n\r\u2028\u2029]")


@dataclass(frozen=True)
class SheetError:
    """One problem of the sheet: its row (1-based, as Excel shows it; None for the whole sheet), its column
    (the header as written) and what to do."""

    row: int | None
    column: str | None
    message: str

    def as_json(self) -> dict[str, Any]:
        """The error as ``--json`` prints it."""
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class HamletRow:
    """One checked row of the sheet: names as typed (NFC, spaces collapsed), the hamlet's full name and kind."""

    row: int
    province: str
    commune: str
    hamlet: str  # "Xóm 5" even when the sheet says "5" with kind "xóm"
    kind: str  # "thôn", "xóm", "bản", "tổ dân phố"…
    population: int | None


@dataclass(frozen=True)
class Sheet:
    """The rows read from a sheet, the header labels (for messages) and every problem found."""

    rows: list[HamletRow]
    headers: dict[str, str]
    errors: list[SheetError]


class _Cell:
    """A cell's text and whether Excel held it as a formula."""

    __slots__ = ("formula", "text")

    def __init__(self, text: str, formula: bool = False) -> None:
        self.text = text
        self.formula = formula


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = getattr(value, "text", None)  # openpyxl's ArrayFormula keeps its formula in .text
    return str(text if isinstance(text, str) else value)


def _read_xlsx(path: Path) -> tuple[list[list[_Cell]], list[tuple[int, int, int, str]]]:
    """The cells of the first non-empty worksheet and its merged ranges (first row, last row, first column, ref)."""
    from openpyxl import load_workbook  # openpyxl is slow to import: only when a workbook is read

    # data_only=False: a formula comes back as its text ("=HYPERLINK(…)"), never as a computed value.
    book = load_workbook(path, data_only=False, read_only=False)
    sheet = next((ws for ws in book.worksheets if ws.max_row > 1 or ws.cell(1, 1).value is not None),
                 book.worksheets[0])
    rows = [[_Cell(_cell_text(c.value), c.data_type == "f") for c in row] for row in sheet.iter_rows()]
    merged = [(r.min_row, r.max_row, r.min_col, r.coord) for r in sheet.merged_cells.ranges]
    return rows, merged


@cache
def _known_words() -> frozenset[str]:
    """Words (with diacritics) of official names and hamlet kinds: which decoding reads as Vietnamese."""
    words: set[str] = set()
    for province in provinces().values():
        words.update(province.name.lower().split())
        for commune in communes_of(province):
            words.update(commune.name.lower().split())
    for kind in vocabulary()["hamlet_kinds"]:
        words.update(kind.split())
    return frozenset(words)


def decode_csv(data: bytes) -> str:
    """Text of a CSV as Excel saves it: UTF-8 (with or without BOM), UTF-16, or the Windows code page
    (1258 on Vietnamese Windows, 1252 elsewhere: the one that reads as more Vietnamese words wins)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    known = _known_words()
    best, best_score = "", -1
    for encoding in ("cp1258", "cp1252"):
        text = unicodedata.normalize("NFC", data.decode(encoding, errors="replace"))
        score = sum(1 for word in re.findall(r"\w+", text.lower()) if word in known)
        if score > best_score:
            best, best_score = text, score
    return best


def _read_csv(path: Path) -> list[list[_Cell]]:
    text = decode_csv(path.read_bytes())
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[_Cell(value) for value in row] for row in csv.reader(io.StringIO(text), dialect)]


def _encoding_lost() -> str:
    return _("“{text}” has letters that could not be read (“?”): the file was saved in an encoding without "
             "Vietnamese letters. Save it again in Excel as “CSV UTF-8” or as .xlsx.")


def _header_kind(text: str) -> str | None:
    words = " " + _NOT_WORD.sub(" ", fold(text)).strip() + " "
    for column, aliases in vocabulary()["headers"].items():
        if any(f" {alias} " in words for alias in aliases):
            return str(column)
    return None


def _find_header(rows: list[list[_Cell]]) -> tuple[int, dict[str, int], dict[str, str]] | SheetError:
    """The header row (0-based), each column's index and its label; an error naming what is missing."""
    best: dict[str, int] = {}
    for index, row in enumerate(rows[:HEADER_ROWS]):
        found: dict[str, int] = {}
        for position, cell in enumerate(row):
            kind = _header_kind(cell.text) if cell.text.strip() else None
            if kind is not None and kind not in found:
                found[kind] = position
        if all(k in found for k in REQUIRED):
            labels = {k: _SPACES.sub(" ", row[i].text).strip() for k, i in found.items()}
            return index, found, labels
        if len(found) > len(best):
            best = found
    missing = [label for key, label in _default_labels().items() if key in REQUIRED and key not in best]
    return SheetError(None, None, _(
        "No header row in the first {n} rows: the sheet needs the columns {columns}. Missing: {missing}."
    ).format(n=HEADER_ROWS, columns=", ".join(_default_labels()[k] for k in REQUIRED), missing=", ".join(missing)))


def _default_labels() -> dict[str, str]:
    # "(column)" keeps these apart from the same words elsewhere in the catalogs.
    return {"province": _("Province (column)"), "commune": _("Commune/Ward (column)"),
            "hamlet": _("Hamlet (column)"), "kind": _("Kind (column)"), "population": _("Population (column)")}


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _text(cell: _Cell, row: int, label: str, errors: list[SheetError], limit: int = NAME_MAX) -> str:
    """The cell's text, checked: no formula, no control characters, not too long."""
    raw = cell.text.strip()
    if cell.formula or raw.startswith(_FORMULA_START):
        errors.append(SheetError(row, label, _(
            "The cell holds a formula ({formula}): type the name as plain text, without “=”."
        ).format(formula=raw[:40])))
        return ""
    if _CONTROL.search(raw) or nfc(raw) != unicodedata.normalize("NFC", raw):
        errors.append(SheetError(row, label, _(
            "The cell holds a line break or an invisible control character: retype the name on one line.")))
        return ""
    if "\ufffd" in raw or "?" in raw:
        errors.append(SheetError(row, label, _encoding_lost().format(text=raw[:40])))
        return ""
    text = _SPACES.sub(" ", nfc(raw))
    if len(text) > limit:
        errors.append(SheetError(row, label, _(
            "The name is {length} characters long; at most {limit}: type the short name only.").format(
            length=len(text), limit=limit)))
        return ""
    return text


def _kinds() -> list[str]:
    return sorted(vocabulary()["hamlet_kinds"], key=len, reverse=True)


def parse_kind(text: str) -> str | None:
    """The hamlet kind ``text`` names ("xom" → "xóm", "TDP" → "tổ dân phố"), None when it is not one."""
    folded = _NOT_WORD.sub(" ", fold(text)).strip()
    abbreviations: dict[str, str] = vocabulary()["hamlet_kind_abbreviations"]
    if folded in abbreviations:
        return abbreviations[folded]
    return next((kind for kind in _kinds() if fold(kind) == folded), None)


def _leading_kind(name: str) -> tuple[str | None, str]:
    """The kind the name starts with ("Xóm Đồng Tâm" → "xóm") and the rest of the name."""
    words = name.split(" ")
    for count in (3, 2, 1):
        if len(words) > count:
            kind = parse_kind(" ".join(words[:count]))
            if kind is not None:
                return kind, " ".join(words[count:])
    return None, name


def _population(cell: _Cell, row: int, label: str, errors: list[SheetError]) -> int | None:
    raw = cell.text.strip()
    if not raw:
        return None
    digits = raw
    if _GROUPED_NUMBER.fullmatch(raw):
        digits = re.sub(r"[.,\s]", "", raw)
    if not digits.isdigit() or int(digits) > MAX_POPULATION or cell.formula:
        errors.append(SheetError(row, label, _(
            "“{value}” is not a number of residents: type a whole number such as 1250, or leave it empty."
        ).format(value=raw[:40])))
        return None
    return int(digits)


def _hamlet(name: str, kind_text: str, row: int, labels: dict[str, str],
            errors: list[SheetError]) -> tuple[str, str] | None:
    """The hamlet's full name and kind from its name and the optional kind column."""
    given = parse_kind(kind_text) if kind_text else None
    if kind_text and given is None:
        errors.append(SheetError(row, labels.get("kind"), _(
            "“{kind}” is not a kind of hamlet: type thôn, xóm, bản, ấp, tổ dân phố or khu phố.").format(
            kind=kind_text)))
        return None
    leading, rest = _leading_kind(name)
    if leading is not None and given is not None and leading != given:
        errors.append(SheetError(row, labels.get("kind"), _(
            "The kind “{kind}” does not match the name “{name}”: correct one of them.").format(
            kind=given, name=name)))
        return None
    kind = leading or given
    if kind is None:
        errors.append(SheetError(row, labels["hamlet"], _(
            "“{name}”: say what it is — write “Thôn {name}”, “Xóm {name}”, “Tổ dân phố {name}”… or fill in "
            "the kind column.").format(name=name)))
        return None
    full = f"{kind[:1].upper()}{kind[1:]} {rest if leading else name}"
    return full, kind


def read_sheet(path: Path) -> Sheet:
    """Read and check the hamlet sheet at ``path`` (.xlsx or .csv); problems are returned, never raised."""
    if path.suffix.lower() not in SUFFIXES:
        return Sheet([], {}, [SheetError(None, None, _(
            "The file “{name}” is not a hamlet sheet: save it from Excel as .xlsx (Excel Workbook) or "
            "as CSV UTF-8 (.csv).").format(name=path.name))])
    try:
        if path.suffix.lower() == ".xlsx":
            cells, merged = _read_xlsx(path)
        else:
            cells, merged = _read_csv(path), []
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        return Sheet([], {}, [SheetError(None, None, _(
            "The file “{name}” cannot be read ({reason}): open it in Excel and save it again as .xlsx or "
            "CSV UTF-8.").format(name=path.name, reason=type(error).__name__))])
    return check_cells(cells, merged)


def check_cells(cells: list[list[_Cell]], merged: list[tuple[int, int, int, str]]) -> Sheet:
    """Find the header, then check every row below it."""
    while cells and not any(c.text.strip() for c in cells[-1]):
        cells.pop()
    if not cells:
        return Sheet([], {}, [SheetError(None, None, _(
            "The sheet is empty: fill in one row per hamlet (start from “baocao units template”)."))])
    header = _find_header(cells)
    if isinstance(header, SheetError):
        unreadable = next((c.text for r in cells[:HEADER_ROWS] for c in r if "?" in c.text or "\ufffd" in c.text),
                          None)
        if unreadable is not None:  # "T?nh": the header is there, in an encoding that lost its letters
            header = SheetError(None, None, _encoding_lost().format(text=unreadable[:40]))
        return Sheet([], {}, [header])
    header_index, positions, labels = header
    errors: list[SheetError] = []
    by_position = {i: labels[k] for k, i in positions.items()}
    for first, last, column, ref in merged:
        if last > header_index:  # a merged title above the header is fine
            errors.append(SheetError(first, by_position.get(column - 1, _column_letter(column - 1)), _(
                "Cells {ref} are merged: unmerge them and write the value on every row ({first} to {last})."
            ).format(ref=ref, first=first, last=last)))
    if len(cells) - header_index - 1 > MAX_ROWS:
        errors.append(SheetError(None, None, _("The sheet has more than {n} rows: split it by commune.").format(
            n=MAX_ROWS)))
        return Sheet([], labels, errors)
    rows: list[HamletRow] = []
    for index in range(header_index + 1, len(cells)):
        line = cells[index]
        if not any(c.text.strip() for c in line):
            continue
        number = index + 1
        got = {k: (line[i] if i < len(line) else _Cell("")) for k, i in positions.items()}
        texts: dict[str, str] = {}
        for key in ("province", "commune", "hamlet"):
            texts[key] = _text(got[key], number, labels[key], errors)
            if not texts[key] and got[key].text.strip() == "":
                errors.append(SheetError(number, labels[key], _(
                    "This cell is empty: fill in the column {what}.").format(what=labels[key])))
        kind_text = _text(got["kind"], number, labels["kind"], errors) if "kind" in got else ""
        population = _population(got["population"], number, labels["population"], errors) \
            if "population" in got else None
        if not all(texts.values()):
            continue
        hamlet = _hamlet(texts["hamlet"], kind_text, number, labels, errors)
        if hamlet is None:
            continue
        rows.append(HamletRow(number, texts["province"], texts["commune"], hamlet[0], hamlet[1], population))
    if not rows and not errors:
        errors.append(SheetError(header_index + 1, None, _(
            "The sheet has a header but no hamlet below it: fill in one row per hamlet.")))
    return Sheet(rows, labels, errors)

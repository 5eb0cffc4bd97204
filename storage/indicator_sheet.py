"""The indicator sheet (.xlsx): one row per indicator, written for a province or commune to edit and read back.

Columns: code, label, question, measure, kind (count/area/text), required, rules, English label and
question. Rules are written readably ("≤ tổng: nghien, su_dung") and read back from that or from JSON.
A second sheet holds the set itself (code, name, version, who reports it, how often). Reading checks
everything a set must be (``problems``): any problem and nothing may be saved.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from locales.i18n import _
from locales.vietnamese import fold, visible
from storage.models.indicators import KINDS

SHEET_TITLE = "Chi tieu"
INFO_TITLE = "Bo chi tieu"
COLUMNS = ("code", "label", "question", "measure", "kind", "required", "rules", "label_en", "question_en")
INFO_KEYS = ("code", "name", "version", "unit_kind", "period_kind")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LIMITS = {"label": 80, "label_en": 80, "question": 300, "question_en": 300, "measure": 20}
MAX_ROWS = 200  # a set a reporter answers on a phone: a few dozen at most
# Header words a person may type instead of the written "(code)" keys, folded.
_ALIASES = {
    "ma": "code", "ma chi tieu": "code", "code": "code",
    "ten": "label", "ten ngan": "label", "nhan": "label", "label": "label",
    "cau hoi": "question", "question": "question", "noi dung": "question",
    "don vi tinh": "measure", "don vi": "measure", "dvt": "measure", "measure": "measure",
    "loai": "kind", "kieu": "kind", "kind": "kind",
    "bat buoc": "required", "required": "required",
    "quy tac": "rules", "rang buoc": "rules", "rules": "rules",
    "ten tieng anh": "label_en", "label_en": "label_en", "english label": "label_en",
    "cau hoi tieng anh": "question_en", "question_en": "question_en", "english question": "question_en",
}
_KIND_WORDS = {"count": "count", "so": "count", "so luong": "count", "dem": "count",
               "area": "area", "dien tich": "area", "text": "text", "chu": "text", "ghi chu": "text",
               "van ban": "text"}
_YES = frozenset({"co", "x", "yes", "1", "true", "bat buoc", "c"})
_NO = frozenset({"khong", "no", "0", "false", "k", "tuy chon", "khong bat buoc"})


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator as the sheet defines it (what a new version is made of)."""

    code: str
    label: str
    question: str
    measure: str = ""
    kind: str = "count"
    required: bool = True
    rules: dict[str, Any] = field(default_factory=dict)
    label_en: str | None = None
    question_en: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The row as plain data (a dialog's payload, the CLI's --json)."""
        return {"code": self.code, "label": self.label, "question": self.question, "measure": self.measure,
                "kind": self.kind, "required": self.required, "rules": self.rules, "label_en": self.label_en,
                "question_en": self.question_en}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IndicatorRow:
        """Read what ``as_json`` wrote."""
        return cls(code=str(data["code"]), label=str(data["label"]), question=str(data["question"]),
                   measure=str(data.get("measure") or ""), kind=str(data.get("kind") or "count"),
                   required=bool(data.get("required", True)), rules=dict(data.get("rules") or {}),
                   label_en=data.get("label_en"), question_en=data.get("question_en"))


@dataclass(frozen=True)
class SheetProblem:
    """Something wrong in the sheet: the row (as Excel numbers it; None for the whole file) and what to fix."""

    row: int | None
    message: str

    def text(self) -> str:
        """The problem as one line an officer reads."""
        if self.row is None:
            return self.message
        return _("Row {row}: {problem}").format(row=self.row, problem=self.message)


@dataclass
class ParsedSheet:
    """What a sheet says: its indicators, the set's own fields when the file has them, and its problems."""

    rows: list[IndicatorRow]
    problems: list[SheetProblem]
    info: dict[str, str] = field(default_factory=dict)


def rules_text(rules: Mapping[str, Any]) -> str:
    """The rules written for a person ("≤ tổng: nghien, su_dung; ≥ khi > 0: tuyen_truyen")."""
    parts: list[str] = []
    for key, value in rules.items():
        if key == "max_sum_of" and isinstance(value, list):
            parts.append("≤ tổng: " + ", ".join(str(v) for v in value))
        elif key == "at_least_if_positive":
            parts.append(f"≥ khi > 0: {value}")
        elif key == "sum_of":
            parts.append(f"= tổng các thôn: {value}")
        elif key == "jump" and isinstance(value, Mapping):
            parts.append(f"bất thường: ×{value.get('factor', 3)}, +{value.get('min_diff', 10)}")
        else:  # a rule this writer has no words for keeps its JSON, which reads back as is
            return json.dumps(dict(rules), ensure_ascii=False)
    return "; ".join(parts)


def _codes(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[,+\s]+", text) if c.strip()]


def parse_rules(text: str) -> dict[str, Any]:
    """Read the rules cell (the readable form or JSON); ``ValueError`` with a message to show."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(_("the rules are not valid JSON ({error})").format(error=error.msg)) from error
        if not isinstance(loaded, dict):
            raise ValueError(_("the rules must be a JSON object"))
        return loaded
    rules: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        head, _sep, tail = part.partition(":")
        folded = fold(head)
        if "≤" in head or "<=" in head or "max_sum_of" in folded:
            rules["max_sum_of"] = [fold(c) for c in _codes(tail)]
        elif "≥" in head or ">=" in head or "at_least" in folded:
            rules["at_least_if_positive"] = fold(tail.strip())
        elif "bat thuong" in folded or "jump" in folded:
            numbers = re.findall(r"\d+(?:[.,]\d+)?", tail)
            if len(numbers) != 2:
                raise ValueError(_("write the unusual-change rule as “bất thường: ×3, +10”"))
            factor = float(numbers[0].replace(",", "."))
            rules["jump"] = {"factor": int(factor) if factor.is_integer() else factor, "min_diff": int(numbers[1])}
        elif "tong cac thon" in folded or "sum_of" in folded or head.strip().startswith("="):
            rules["sum_of"] = fold(tail.strip())
        else:
            raise ValueError(_("I do not understand the rule “{rule}”; use “≤ tổng: a, b”, “≥ khi > 0: a”, "
                               "“bất thường: ×3, +10” or “= tổng các thôn: a”").format(rule=part))
    return rules


def rule_codes(rules: Mapping[str, Any]) -> list[str]:
    """The codes of this set a rule names (``sum_of`` names a hamlet indicator, not one of this set)."""
    named: list[str] = []
    limit = rules.get("max_sum_of")
    if isinstance(limit, list):
        named.extend(str(c) for c in limit)
    floor = rules.get("at_least_if_positive")
    if isinstance(floor, str):
        named.append(floor)
    return named


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return visible(str(value)).strip()


def column_key(header: str) -> str | None:
    """Which column a header names: its "(code)" key when written, else a known word."""
    found = re.search(r"\(([a-z_]+)\)\s*$", header.strip().lower())
    if found and found.group(1) in COLUMNS:
        return found.group(1)
    return _ALIASES.get(fold(header).strip(" :*"))


def is_xlsx(content: bytes) -> bool:
    """Whether ``content`` is an Excel workbook (.xlsx): a zip holding a workbook part."""
    if not content.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def looks_like_indicator_sheet(content: bytes) -> bool:
    """Whether a workbook is an indicator sheet (it has our sheet, or a header row naming questions and
    kinds): cheap, read from the zip's workbook and first sheet parts only."""
    if not is_xlsx(content):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            if f'name="{SHEET_TITLE}"' in book:
                return True
            # Header words sit in the shared strings, or inline in the first sheet (openpyxl writes them so).
            parts = [name for name in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml")
                     if name in archive.namelist()]
            strings = " ".join(archive.read(name)[:200_000].decode("utf-8", "replace") for name in parts)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return False
    words = fold(html.unescape(strings))
    return "(question)" in words or ("cau hoi" in words and ("loai" in words or "ma chi tieu" in words))


def read_sheet(content: bytes) -> ParsedSheet:
    """Read and check an indicator sheet; every problem is in ``problems`` (then ``rows`` is not to be saved)."""
    if not is_xlsx(content):
        return ParsedSheet([], [SheetProblem(None, _("This file is not an Excel workbook (.xlsx). Export the "
                                                     "set, edit it in Excel and send or import that file."))])
    from openpyxl import load_workbook  # slow to import: only when a sheet is read

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file; the officer needs one sentence
        return ParsedSheet([], [SheetProblem(None, _("The workbook cannot be opened; save it again in Excel "
                                                     "as .xlsx."))])
    try:
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        table = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        info: dict[str, str] = {}
        if INFO_TITLE in book.sheetnames:
            for row in book[INFO_TITLE].iter_rows(values_only=True):
                if len(row) >= 2 and row[0] is not None:
                    key = column_key(_cell(row[0])) or _info_key(_cell(row[0]))
                    if key:
                        info[key] = _cell(row[1])
    finally:
        book.close()
    parsed = check_table(table)
    parsed.info = info
    return parsed


def _info_key(header: str) -> str | None:
    found = re.search(r"\(([a-z_]+)\)\s*$", header.strip().lower())
    return found.group(1) if found and found.group(1) in INFO_KEYS else None


def check_table(table: Sequence[Sequence[str]], outside_codes: frozenset[str] = frozenset()) -> ParsedSheet:
    """Check the rows of a sheet (header first); ``outside_codes`` are codes a ``sum_of`` rule may name."""
    header_at = next((i for i, row in enumerate(table) if any(column_key(c) == "code" for c in row)), None)
    if header_at is None:
        return ParsedSheet([], [SheetProblem(None, _("The sheet has no code column (“Mã (code)”): keep the "
                                                     "header row of the exported file."))])
    keys = [column_key(c) for c in table[header_at]]
    missing = [k for k in ("label", "question") if k not in keys]
    if "question" in missing:
        return ParsedSheet([], [SheetProblem(header_at + 1, _("The sheet has no question column "
                                                              "(“Câu hỏi (question)”)."))])
    rows: list[IndicatorRow] = []
    problems: list[SheetProblem] = []
    first_row: dict[str, int] = {}
    for index, raw in enumerate(table[header_at + 1:], start=header_at + 2):
        cells = {k: (raw[i] if i < len(raw) else "") for i, k in enumerate(keys) if k}
        if not any(cells.values()):
            continue
        row, row_problems = _check_row(index, cells)
        problems.extend(row_problems)
        if row is None:
            continue
        if row.code in first_row:
            problems.append(SheetProblem(index, _("the code “{code}” is already used in row {first}; each "
                                                  "indicator needs its own code.").format(
                code=row.code, first=first_row[row.code])))
            continue
        first_row[row.code] = index
        rows.append(row)
    if not rows and not problems:
        problems.append(SheetProblem(None, _("The sheet lists no indicator: nothing to import.")))
    if len(rows) > MAX_ROWS:
        problems.append(SheetProblem(None, _("The sheet lists {n} indicators; a set may have at most {limit}.")
                                     .format(n=len(rows), limit=MAX_ROWS)))
    known = set(first_row)
    for row in rows:
        for named in rule_codes(row.rules):
            if named not in known:
                problems.append(SheetProblem(first_row[row.code], _("the rule of “{code}” names “{other}”, "
                                                                    "which is not in the sheet.").format(
                    code=row.code, other=named)))
        summed = row.rules.get("sum_of")
        if summed is not None and outside_codes and summed not in outside_codes:
            problems.append(SheetProblem(first_row[row.code], _("the rule of “{code}” sums “{other}”, which "
                                                                "the hamlets do not report.").format(
                code=row.code, other=summed)))
    problems.sort(key=lambda p: p.row or 0)
    return ParsedSheet(rows if not problems else [], problems)


def _check_row(index: int, cells: Mapping[str, str]) -> tuple[IndicatorRow | None, list[SheetProblem]]:
    problems: list[SheetProblem] = []
    code = fold(cells.get("code", "")).replace(" ", "_")
    if not code:
        return None, [SheetProblem(index, _("the code is missing."))]
    if not CODE.match(code):
        problems.append(SheetProblem(index, _("the code “{code}” may hold only letters a–z, digits and “_”, "
                                              "starting with a letter (at most 40).").format(code=code)))
    question = cells.get("question", "")
    if not question:
        problems.append(SheetProblem(index, _("the question of “{code}” is missing.").format(code=code)))
    kind_text = fold(cells.get("kind", "")) or "count"
    kind = _KIND_WORDS.get(kind_text)
    if kind is None or kind not in KINDS:
        problems.append(SheetProblem(index, _("the kind “{kind}” is unknown; write count (số), area (diện tích) "
                                              "or text (ghi chú).").format(kind=cells.get("kind", ""))))
    required_text = fold(cells.get("required", ""))
    if required_text in _YES:
        required = True
    elif required_text in _NO:
        required = False
    elif not required_text:
        required = kind != "text"
    else:
        required = True
        problems.append(SheetProblem(index, _("write “có” or “không” in the required column, not “{value}”.")
                                     .format(value=cells.get("required", ""))))
    try:
        rules = parse_rules(cells.get("rules", ""))
    except ValueError as error:
        rules = {}
        problems.append(SheetProblem(index, str(error)))
    label = cells.get("label", "") or question[:LIMITS["label"]]
    values = {"label": label, "question": question, "measure": cells.get("measure", ""),
              "label_en": cells.get("label_en", ""), "question_en": cells.get("question_en", "")}
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            problems.append(SheetProblem(index, _("the {column} of “{code}” is longer than {limit} characters.")
                                         .format(column=key, code=code, limit=limit)))
    if problems:
        return None, problems
    assert kind is not None
    return IndicatorRow(code=code, label=label, question=question, measure=values["measure"], kind=kind,
                        required=required, rules=rules, label_en=values["label_en"] or None,
                        question_en=values["question_en"] or None), []


def headers() -> list[str]:
    """The header row as written (Vietnamese words, the key each column is read by in parentheses)."""
    return [_("Code (code)"), _("Short label (label)"), _("Question (question)"), _("Unit of measure (measure)"),
            _("Kind: count, area, text (kind)"), _("Required (required)"), _("Rules (rules)"),
            _("English label (label_en)"), _("English question (question_en)")]


def write_sheet(rows: Sequence[IndicatorRow], info: Mapping[str, str]) -> bytes:
    """The set as an .xlsx workbook: the indicators, then the set's own fields on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    yes, no = _("yes"), _("no")
    for row in rows:
        sheet.append([row.code, row.label, row.question, row.measure, row.kind, yes if row.required else no,
                      rules_text(row.rules), row.label_en or "", row.question_en or ""])
    for letter, width in zip("ABCDEFGHI", (16, 24, 60, 12, 12, 10, 34, 24, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    about = book.create_sheet(INFO_TITLE)
    names = {"code": _("Set code (code)"), "name": _("Set name (name)"), "version": _("Version (version)"),
             "unit_kind": _("Reported by (unit_kind)"), "period_kind": _("Period (period_kind)")}
    for key in INFO_KEYS:
        about.append([names[key], str(info.get(key, ""))])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 44
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

"""Small extractors over one paragraph: time frames, project codes, target values, report deadlines."""

from __future__ import annotations

import datetime as dt
import re

from handlers.vietnamese import fold
from storage.plans.vocabulary import vocabulary

_TIME_FRAMES = [
    re.compile(r"\(\s*(hoàn thành (?:trong|trước)[^)]*)\)", re.IGNORECASE),
    re.compile(r"(hoàn thành (?:trong|trước) (?:tháng|quý|năm|ngày)\s*[\dIVX/]+(?:/\d{4})?)", re.IGNORECASE),
    re.compile(r"((?:trước|trong) (?:ngày|tháng|quý) [\dIVX]+(?:/\d{1,4}){0,2})", re.IGNORECASE),
    re.compile(r"((?:thực hiện )?thường xuyên(?: trong năm \d{4})?)", re.IGNORECASE),
    re.compile(r"(h[aằ]ng năm)", re.IGNORECASE),
    re.compile(r"(giai đoạn \d{4}\s*[-–]\s*\d{4})", re.IGNORECASE),
]
_PROJECT = re.compile(
    r"(?:(?P<sub>tiểu dự án)\s+(?P<subs>\d+(?:\s*,\s*\d+)*)(?:\s*\(?(?:thuộc\s+|của\s+)?dự án\s+(?P<parent>\d+)\)?)?"
    r"|dự án\s+(?P<main>\d+)(?:\s*[-–:]?\s*tiểu dự án\s+(?P<child>\d+))?)",
    re.IGNORECASE,
)
_QUALIFIER = r"(?:(?:trên|dưới|ít nhất|tối thiểu|tối đa|không quá|không dưới|đạt|tăng|giảm|hơn|khoảng|phấn đấu)\s+)?"
_MEASURE = r"(?:%|người|điểm|đơn vị|địa bàn|xã|phường|mô hình|chuyên án|vụ|cơ sở|lượt|lớp|trạm|trường)"
_VALUE = re.compile(r"(" + _QUALIFIER + r"[≥≤><]?\s*\d+(?:[.,]\d+)?\s*" + _MEASURE + r")", re.IGNORECASE)
_DUE = re.compile(
    r"trước ngày\s+(\d{1,2}(?:\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?|\s+tháng cuối (?:quý|năm)|\s+hằng tháng|\s+hàng tháng)?)",
    re.IGNORECASE,
)


def time_frame(text: str) -> str | None:
    """The first time frame a task states ("Hoàn thành trong Quý III/2025", "thường xuyên")."""
    for pattern in _TIME_FRAMES:
        m = pattern.search(text)
        if m:
            return m.group(1).strip()
    return None


def project_codes(text: str, context: str | None = None) -> list[str]:
    """Project codes a text refers to: "Dự án 7 - Tiểu dự án 2" → ["7.2"]; "Dự án 5" → ["5"].

    ``context`` is the project a bare "Tiểu dự án N" belongs to (the one last named around it).
    """
    codes: list[str] = []
    for m in _PROJECT.finditer(text):
        if m.group("sub"):
            parent = m.group("parent") or context
            subs = [s.strip() for s in m.group("subs").split(",")]
            codes.extend(f"{parent}.{s}" if parent else f"?.{s}" for s in subs)
        elif m.group("child"):
            codes.append(f"{m.group('main')}.{m.group('child')}")
        else:
            codes.append(m.group("main"))
    out: list[str] = []
    for code in codes:
        if code not in out and not code.startswith("?"):
            out.append(code)
    return out


def target_values(text: str) -> list[str]:
    """Quantities a clause sets ("Trên 80%", "800 người")."""
    return [m.group(1).strip() for m in _VALUE.finditer(text)]


_STATUS = re.compile(r"((?:xã|phường|địa bàn|đơn vị)[^;.]{0,40}?[“\"]?không (?:có )?ma túy[”\"]?)", re.IGNORECASE)


def status_values(text: str) -> list[str]:
    """Status targets ("xã “không ma túy”")."""
    return [m.group(1).strip() for m in _STATUS.finditer(text)]


def deadlines(text: str, year: int | None) -> list[tuple[str, str, dt.date | None]]:
    """Report deadlines in a paragraph: (kind, due as written, full date when given)."""
    vocab = vocabulary()
    folded = fold(text)
    if not any(word in folded for word in vocab.deadline_context):
        return []
    found: list[tuple[str, str, dt.date | None]] = []
    last = 0
    for m in _DUE.finditer(text):
        before = fold(text[last : m.start()])
        # Only the words since the last deadline or clause start name what this one is for.
        before = re.split(r"[;]", before)[-1]
        kind, best = "other", -1
        for name, pattern in vocab.deadline_kinds:
            ends = [h.end() for h in pattern.finditer(before)]
            # The kind word nearest the date wins; on a tie the more specific kind (listed first) stays.
            if ends and max(ends) > best:
                kind, best = name, max(ends)
        due = " ".join(m.group(1).split()).replace(" / ", "/")
        full = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", due)
        on: dt.date | None = None
        if full:
            try:
                on = dt.date(int(full.group(3)), int(full.group(2)), int(full.group(1)))
            except ValueError:
                on = None
        found.append((kind, due, on))
        last = m.end()
    return found

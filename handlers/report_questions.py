"""What a question about reports asks, read from the words people type: the kind of answer and the period.

"tổng hợp tháng 11", "so với tháng trước", "xóm nào chưa nộp quý 4", "thôn mình báo cáo tháng này chưa?",
"tháng trước tôi chưa nộp thì sao?". Pure functions over folded text; the phrasings live in
``report_words.json``. Anything else (plan questions, "báo cáo" to start a report) reads as ``None``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from locales.vietnamese import fold
from storage.calendar import PeriodSpec, parse_period, period_of, period_spec, previous

Kind = Literal["summary", "compare", "missing", "late", "status", "view"]
MAX_WORDS = 25
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_RELATIVE = {"nay": 0, "truoc": -1, "roi": -1, "vua roi": -1, "vua qua": -1}
_REL = r"nay|truoc|vua roi|vua qua|roi"
_YEAR = r"(?:\s*(?:/|-|nam)?\s*(\d{4}))?"
# Tried in this order; each match is blanked out so "6 tháng đầu năm" is not also read as a month.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("code", re.compile(r"\b(\d{4}-(?:\d{1,2}|q[1-4]|h[12]))\b")),
    ("half", re.compile(r"\b(?:6|sau) thang (dau|cuoi)(?: nam)?" + _YEAR + r"\b")),
    ("half", re.compile(r"\bnua (dau|cuoi) nam" + _YEAR + r"\b")),
    ("quarter", re.compile(r"\b(?:quy|quarter|q)\s*(" + _REL + r"|iv|iii|ii|i|[1-4])\b" + _YEAR)),
    ("month", re.compile(r"\b(?:thang|month|t)\s*(" + _REL + r"|\d{1,2})\b" + _YEAR)),
    ("month", re.compile(r"\bky (nay|truoc|roi|vua roi|vua qua)\b()")),
    ("numeric", re.compile(r"\b(\d{1,2})\s*/\s*(\d{4})\b")),
    ("year", re.compile(r"\bnam (\d{4}|nay)\b()")),
)
# "xem báo cáo xóm 3", "xem bc tháng 11": /xem in words ("xem báo cáo" alone is the dispatcher's).
_VIEW = re.compile(r"^xem (?:bao cao|bc) (?!chi tiet)(.+)$")
_PUNCTUATION = re.compile(r"[?!.,;:…\"“”()]+")


@dataclass(frozen=True)
class ReportQuestion:
    """A question about reports: what to answer, about which period (``None``: the usual one)."""

    kind: Kind
    period: PeriodSpec | None
    detail: bool = False
    versus_last_year: bool = False
    argument: str = ""  # for "view": what follows "xem báo cáo" (a unit, a period), normalised


@dataclass(frozen=True)
class AskedPeriod:
    """A period found in the text; ``before_now`` when said relative to today ("tháng trước")."""

    spec: PeriodSpec
    before_now: bool


@cache
def report_words() -> dict[str, Any]:
    """The phrasings of report questions and the commune police names (data shipped with the code)."""
    data: dict[str, Any] = json.loads(Path(__file__).with_name("report_words.json").read_text(encoding="utf-8"))
    return data


@cache
def _phrase_pattern(key: str) -> re.Pattern[str]:
    words = report_words()
    # "any": a quick gate (every question names at least one of these), so answers inside a
    # dialog ("3", "tháng trước", "xác nhận") are turned away before the periods are read.
    keys = ("summary", "compare", "late", "missing", "status", "report_verb") if key == "any" else (key,)
    phrases = sorted({p for k in keys for p in words[k]}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")


def has(text: str, key: str) -> bool:
    """Tell whether folded ``text`` holds one of the phrases listed under ``key`` as whole words."""
    return _phrase_pattern(key).search(text) is not None


def normalise(text: str) -> str:
    """Fold ``text`` and drop punctuation: the form every rule here reads."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())


def _latest(kind: str, number: int, today: dt.date) -> PeriodSpec:
    """The latest period of ``kind`` numbered ``number`` that has begun by ``today``."""
    spec = parse_period(_code(kind, today.year, number))
    return spec if spec.starts_on <= today else parse_period(_code(kind, today.year - 1, number))


def _code(kind: str, year: int, number: int) -> str:
    return {"month": f"{year}-{number:02d}", "quarter": f"{year}-Q{number}", "half": f"{year}-H{number}"}.get(
        kind, str(year)
    )


def _a_year(text: str | None) -> bool:
    """A year a date can hold (1-9999): "0001" and "9999" are periods, only out of the range served."""
    return text is not None and text.isdigit() and 1 <= int(text) <= 9999


def _read(kind: str, groups: tuple[str | None, ...], today: dt.date) -> AskedPeriod | None:
    word, year = (*groups, None, None)[:2]
    word = word or ""
    if kind == "code":
        return AskedPeriod(parse_period(word), False)
    if kind == "numeric":
        if not (1 <= int(word) <= 12 and _a_year(year)):
            return None
        return AskedPeriod(period_spec("month", int(year or 0), int(word)), False)
    if kind == "year":
        number = today.year if word == "nay" else int(word)
        # "năm 0001" is a period (out of range, and said so), not a reason for the generic error.
        return AskedPeriod(period_spec("year", number), False) if _a_year(str(number)) else None
    if word in _RELATIVE:
        current = period_of(kind, today)
        return AskedPeriod(previous(current), True) if _RELATIVE[word] else AskedPeriod(current, False)
    if kind == "half":
        number = 1 if word == "dau" else 2
    elif kind == "quarter":
        number = _ROMAN.get(word) or int(word)
    else:
        number = int(word)
        if not 1 <= number <= 12:
            return None
    if year:
        return AskedPeriod(period_spec(kind, int(year), number), False) if _a_year(year) else None
    return AskedPeriod(_latest(kind, number, today), False)


def _scan(text: str, today: dt.date) -> tuple[list[AskedPeriod], str]:
    """The periods named in normalised ``text`` in the order written, and the text without them."""
    found: list[tuple[int, AskedPeriod]] = []
    rest = text
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(rest):
            read = _read(kind, match.groups(), today)
            if read is not None:
                found.append((match.start(), read))
        rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    return [period for _start, period in sorted(found, key=lambda item: item[0])], " ".join(rest.split())


def asked_periods(text: str, today: dt.date) -> list[AskedPeriod]:
    """Every period named in normalised ``text``, in the order written."""
    return _scan(text, today)[0]


def split_period(text: str, today: dt.date) -> tuple[PeriodSpec | None, str]:
    """The first period named in ``text`` and the rest of it, normalised ("Xóm 3 tháng 10" → 10, "xom 3")."""
    periods, rest = _scan(normalise(text), today)
    return (periods[0].spec if periods else None), rest


def _first(periods: Iterable[AskedPeriod], skip_before_now: bool = False) -> PeriodSpec | None:
    return next((p.spec for p in periods if not (skip_before_now and p.before_now)), None)


def _asks_yes_no(text: str) -> bool:
    """"… báo cáo tháng này chưa?": a report verb, and the question closes with "chưa"."""
    words = text.split()
    if len(words) < 2 or not has(text, "report_verb"):
        return False
    return any(" ".join(words[-n:]) in report_words()["question_end"] for n in (1, 2)) and words[0] != "chua"


def read_question(text: str, today: dt.date) -> ReportQuestion | None:
    """Read a question about reports; ``None`` when the text is something else."""
    norm = normalise(text)
    if not norm or len(norm.split()) > MAX_WORDS or not has(norm, "any") or has(norm, "exclude"):
        return None
    view = _VIEW.match(norm)
    if view:
        return ReportQuestion("view", None, argument=view.group(1))
    periods = asked_periods(norm, today)
    if has(norm, "compare") and (periods or has(norm, "last_year")):
        return ReportQuestion("compare", _first(periods, skip_before_now=True), has(norm, "detail"),
                              has(norm, "last_year"))
    if has(norm, "summary"):
        return ReportQuestion("summary", _first(periods), has(norm, "detail"))
    if has(norm, "late") and has(norm, "consequence"):
        return ReportQuestion("late", _first(periods))
    if has(norm, "missing") and has(norm, "which"):
        return ReportQuestion("missing", _first(periods))
    if has(norm, "status") or _asks_yes_no(norm):
        return ReportQuestion("status", _first(periods))
    return None

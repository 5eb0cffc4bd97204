"""What a question about reports asks, read from the words people type: the kind of answer and the period.

"tổng hợp tháng 11", "so với tháng trước", "xóm nào chưa nộp quý 4", "thôn mình báo cáo tháng này chưa?",
"tháng trước tôi chưa nộp thì sao?". Pure functions over folded text; the phrasings live in
``report_words.json``, the periods are read by ``storage.periods``. Anything else (plan questions,
"báo cáo" to start a report) reads as ``None``.
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
from storage.periods import AskedPeriod, PeriodSpec, find_periods

Kind = Literal["summary", "compare", "missing", "late", "status", "view"]
MAX_WORDS = 25
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


def _first(periods: Iterable[AskedPeriod], skip_before_now: bool = False) -> PeriodSpec | None:
    return next((p.spec for p in periods if not (skip_before_now and p.before_now)), None)


def _asks_yes_no(text: str, words: list[str]) -> bool:
    """"… báo cáo tháng này chưa?": a report verb, and the question (``text``, split into ``words``) closes
    with "chưa"."""
    if len(words) < 2 or not has(text, "report_verb"):
        return False
    return any(" ".join(words[-n:]) in report_words()["question_end"] for n in (1, 2)) and words[0] != "chua"


def read_question(text: str, today: dt.date) -> ReportQuestion | None:
    """Read a question about reports; ``None`` when the text is something else."""
    norm = normalise(text)
    words = norm.split()
    if not norm or len(words) > MAX_WORDS or not has(norm, "any") or has(norm, "exclude"):
        return None
    view = _VIEW.match(norm)
    if view:
        return ReportQuestion("view", None, argument=view.group(1))
    periods = find_periods(norm, today)
    if has(norm, "compare") and (periods or has(norm, "last_year")):
        return ReportQuestion("compare", _first(periods, skip_before_now=True), has(norm, "detail"),
                              has(norm, "last_year"))
    if has(norm, "summary"):
        return ReportQuestion("summary", _first(periods), has(norm, "detail"))
    if has(norm, "late") and has(norm, "consequence"):
        return ReportQuestion("late", _first(periods))
    if has(norm, "missing") and has(norm, "which"):
        return ReportQuestion("missing", _first(periods))
    if has(norm, "status") or _asks_yes_no(norm, words):
        return ReportQuestion("status", _first(periods))
    return None

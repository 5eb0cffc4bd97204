"""What a message means inside the report dialog, before it is taken as a figure.

Pure functions over the text (and the indicators): a command or question the dialog answers and
then goes on ("hủy", "làm lại từ đầu", "hạn nộp?", "tháng trước bao nhiêu?", "giúp", "chào"), an item
to edit or fix from the summary ("sửa mục 9", "mục 9 sai, phải là 120", "sửa tuyên truyền"), a month
("tháng 11", "11", "t11/2026", "báo cáo tháng 11"). Only what none of these claims is an answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from conversations.numbers import words_to_int
from conversations.vocabulary import mentions, says, starts_with, vocabulary, words
from locales.vietnamese import fold
from storage.periods import PeriodSpec, read_asked
from storage.reports import IndicatorView

# Commands and questions recognised at every step, in the order they are tried.
COMMANDS = ("restart", "back", "skip", "help", "greeting", "thanks")
_ITEM = re.compile(r"^(\d{1,2})\b[\s,.:;-]*(.*)$")
_MONTH = re.compile(r"^(?:thang|th|t)?\s*(\d{1,2})(?:\s*[/-]\s*(\d{4}))?$")
_EDGES = " .,;:!?-"


def is_question(text: str) -> bool:
    """A question mark or a question word ("bao nhiêu", "mấy", "thế nào"…)."""
    return text.strip().endswith("?") or mentions(text, "question_words")


def command(text: str, *, free_text: bool = False) -> str | None:
    """Name the command or question ``text`` is, if any: one of ``COMMANDS``, "cancel", "deadline",
    "previous"; ``None`` for an answer. In a free-text item (the note) only whole commands count."""
    if says(text, "cancel"):
        return "cancel"
    for name in COMMANDS:
        if says(text, name):
            return name
    if free_text:
        return None
    if says(text, "view_report") or (mentions(text, "previous_words") and is_question(text)):
        return "previous"
    if mentions(text, "deadline_words") and (is_question(text) or len(fold(text).split()) <= 4):
        return "deadline"
    return None


def is_ambiguous_stop(text: str) -> bool:
    """A bare "dung" (no diacritics) reads as both "đúng" (yes) and "dừng" (stop)."""
    return says(text, "cancel") and says(text, "yes")


@dataclass(frozen=True)
class ItemChoice:
    """An item picked at the summary, and the figure typed with it when it was fixed in one message."""

    index: int
    value_text: str | None = None


def _value_after(rest: str) -> str | None:
    rest = rest.strip(_EDGES)
    for word in ("sai roi", "sai", "chua dung", "nham"):
        if rest == word or rest.startswith(word + " ") or rest.startswith(word + ","):
            rest = rest[len(word):].strip(_EDGES)
    if not rest:
        return None
    for marker in sorted(words("fix_value_marker"), key=len, reverse=True):
        if rest.startswith(marker + " ") or (marker == "=" and rest.startswith("=")):
            return rest[len(marker):].strip(_EDGES) or None
    return rest if rest[0].isdigit() else None


def _by_name(name: str, indicators: Sequence[IndicatorView]) -> int | None:
    wanted = set(name.split())
    if not wanted:
        return None
    for field in ("label", "question"):
        found = [n for n, i in enumerate(indicators)
                 if wanted <= set(fold(getattr(i, field)).replace(",", " ").replace("(", " ").split())]
        if len(found) == 1:
            return found[0]
        if found and field == "label":
            return found[0]
    return None


def item_choice(text: str, indicators: Sequence[IndicatorView], *, bare_number: bool = False) -> ItemChoice | None:
    """Read "sửa mục 9", "mục 9 sai, phải là 120", "sửa 9 thành 120", "sửa tuyên truyền" (and "9" alone
    when ``bare_number``, as in the list of items)."""
    rest = starts_with(text, "edit_prefix")
    if rest is None:
        if not bare_number:
            return None
        rest = fold(text).strip(_EDGES)
    rest = rest.removeprefix("muc ").strip()
    numbered = _ITEM.match(rest)
    if numbered:
        index = int(numbered.group(1)) - 1
        if not 0 <= index < len(indicators):
            return None
        return ItemChoice(index, _value_after(numbered.group(2)))
    name, value = rest, None
    for marker in sorted(words("fix_value_marker"), key=len, reverse=True):
        head, sep, tail = rest.partition(f" {marker} ")
        if sep and tail.strip():
            name, value = head, tail.strip(_EDGES)
            break
    found = _by_name(name.strip(_EDGES), indicators)
    return None if found is None else ItemChoice(found, value)


def month_choice(text: str, offered: Sequence[PeriodSpec]) -> PeriodSpec | None:
    """The month among ``offered`` that ``text`` names: "tháng 11", "11", "t11", "tháng 11/2026",
    "báo cáo tháng 11", "tháng mười một", "tháng này", "tháng trước"; ``None`` if it names none of them."""
    folded = fold(text).strip(_EDGES)
    rest = starts_with(folded, "start_report")
    if rest is not None and rest:
        folded = rest
    tokens = [t for t in folded.split() if t not in words("polite")]
    folded = " ".join(tokens)
    if says(folded, "previous_period") and len(offered) > 1:
        return offered[-2]
    if says(folded, "current_period"):
        return offered[-1]
    month, year = None, None
    asked = read_asked(folded, offered[-1].starts_on) if offered else None
    if len(folded) <= 2 and folded.isdigit():  # a bare "11": the picker's own shorthand for a month
        month = int(folded)
    elif asked is not None and asked.spec.kind == "month":
        month, year = asked.spec.number, asked.spec.year if asked.year_said else None
    elif tokens and tokens[0] in words("month_word"):
        month = words_to_int(list(tokens[1:])) if len(tokens) > 1 else None
    if month is None:
        return None
    matching = [p for p in offered if p.number == month and (year is None or p.year == year)]
    return matching[-1] if matching else None


def month_number_in(text: str) -> bool:
    """Tell whether ``text`` names a month at all (to answer "that month is not offered")."""
    folded = fold(text).strip(_EDGES)
    rest = starts_with(folded, "start_report")
    folded = rest if rest else folded
    found = _MONTH.match(" ".join(t for t in folded.split() if t not in words("polite")))
    return bool(found) and any(folded.startswith(w) for w in vocabulary()["month_word"])

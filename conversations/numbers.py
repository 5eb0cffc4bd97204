"""Read a count the way hamlet officials type it: "3", "3 người", "ba", "không", "mười hai", "1.200".

Number words are read right or refused, never misread: an ambiguous word ("năm" after "mươi" may be a
year) or an unknown word makes the whole answer unreadable, and the user is asked to type digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from conversations.vocabulary import vocabulary, words
from handlers.vietnamese import fold, nfc

MAX_COUNT = 10_000_000
_DIGITS = re.compile(r"^\d+$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_FRACTION = re.compile(r"^\d+[.,]\d+$")
_NEGATIVE = re.compile(r"^[-−–]\s*\d")
# Measures where four-figure values are normal, so "1.200" is a thousands dot, not a decimal point.
LARGE_MEASURES = frozenset({"luot", "m2", "m²"})


class CountError(Enum):
    """Why an answer is not a count."""

    EMPTY = "empty"
    NEGATIVE = "negative"
    FRACTION = "fraction"
    THOUSANDS_DOT = "thousands_dot"
    NOT_A_NUMBER = "not_a_number"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class CountResult:
    """Either ``value`` or ``error`` is set."""

    value: int | None = None
    error: CountError | None = None


def _strip_measure(folded: str) -> str:
    for measure in sorted(words("measures"), key=len, reverse=True):
        if folded.endswith(" " + measure):
            return folded[: -len(measure) - 1].strip()
        if folded.endswith(measure) and folded[: -len(measure)].strip().isdigit():
            return folded[: -len(measure)].strip()
    return folded


def _below_thousand(tokens: list[str]) -> int | None:
    """Read 0–999 written in words; ``None`` when the words are not a number or are ambiguous."""
    vocab = vocabulary()
    digits: dict[str, int] = vocab["digits"]
    after_tens: dict[str, int] = vocab["after_tens"]
    zero_tens = set(vocab["zero_tens"])
    ambiguous = set(vocab["ambiguous_after_tens"])
    value = 0
    rest = tokens
    if len(rest) >= 2 and rest[1] in vocab["hundred"] and rest[0] in digits:
        value = digits[rest[0]] * 100
        rest = rest[2:]
        if not rest:
            return value
        if rest[0] in zero_tens:
            if len(rest) == 2 and rest[1] in digits and digits[rest[1]] > 0:
                return value + digits[rest[1]]
            return None
    if not rest:
        return None
    # "mười", "mười hai", "mười lăm"
    if rest[0] == "muoi" and (len(rest) == 1 or rest[1] not in vocab["hundred"]):
        if len(rest) == 1:
            return value + 10
        if len(rest) == 2:
            unit = rest[1]
            if unit in ambiguous:
                return None
            if unit in after_tens and unit != "tu":
                return value + 10 + after_tens[unit]
            if unit in digits and digits[unit] > 0:
                return value + 10 + digits[unit]
        return None
    # "ba mươi", "ba mươi lăm", "hai chục"
    if len(rest) >= 2 and rest[0] in digits and rest[1] in vocab["tens_marker"] and digits[rest[0]] >= 2:
        tens = digits[rest[0]] * 10
        if len(rest) == 2:
            return value + tens
        if len(rest) == 3:
            unit = rest[2]
            if unit in ambiguous:
                return None
            if unit in after_tens:
                return value + tens + after_tens[unit]
            if unit in digits and digits[unit] > 0:
                return value + tens + digits[unit]
        return None
    # "một trăm ba" is 130 to some and 103 to others: only a lone digit word is safe.
    if len(rest) == 1 and rest[0] in digits and value == 0:
        return digits[rest[0]]
    return None


def _words_to_int(folded: str) -> int | None:
    tokens = folded.split()
    if not tokens:
        return None
    thousand_words = set(vocabulary()["thousand"])
    split_at = next((i for i, t in enumerate(tokens) if t in thousand_words), None)
    if split_at is None:
        return _below_thousand(tokens)
    head = _below_thousand(tokens[:split_at])
    if head is None or head == 0:
        return None
    tail_tokens = tokens[split_at + 1 :]
    if not tail_tokens:
        return head * 1000
    tail = _below_thousand(tail_tokens)
    if tail is None or any(t in thousand_words for t in tail_tokens):
        return None
    return head * 1000 + tail


def parse_count(text: str | None, measure: str = "") -> CountResult:
    """Read a whole number ≥ 0 from what the user typed, or say precisely why it is not one."""
    raw = nfc(text or "").strip()
    if not raw:
        return CountResult(error=CountError.EMPTY)
    folded = fold(raw).strip(" .!")
    if _NEGATIVE.match(folded):
        return CountResult(error=CountError.NEGATIVE)
    body = _strip_measure(folded)
    if _DIGITS.match(body):
        value = int(body)
    elif _THOUSANDS.match(body):
        if fold(measure) not in LARGE_MEASURES:
            return CountResult(error=CountError.THOUSANDS_DOT)
        value = int(body.replace(".", ""))
    elif _FRACTION.match(body):
        return CountResult(error=CountError.FRACTION)
    else:
        words_value = _words_to_int(body)
        if words_value is None:
            return CountResult(error=CountError.NOT_A_NUMBER)
        value = words_value
    if value > MAX_COUNT:
        return CountResult(error=CountError.TOO_LARGE)
    return CountResult(value=value)

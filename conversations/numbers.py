"""Read a count the way hamlet officials type it: "3", "3 người", "có 3 người thôi", "không có ai",
"một trăm hai" (120), "hai nghìn ba" (2,300), "nghìn rưỡi", "1 nghìn 2", "0,5 ha" (an area, in m²).

Numbers in words are read as they are spoken: a lone digit after "trăm" is the tens ("một trăm hai"
is 120), after "nghìn" the hundreds ("hai nghìn ba" is 2,300); "linh"/"lẻ" marks a lone unit ("một
trăm linh năm" is 105). What is really ambiguous is asked back, never guessed: "2 nam 1 nữ" (asked
as 3), "2-3" (a range), "ba mươi năm" ("năm" after "mươi" may be years), two different figures.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum

from conversations.vocabulary import vocabulary, words
from locales.vietnamese import clean, fold, has_diacritics, nfc

MAX_COUNT = 10_000_000
# More digits than this is over MAX_COUNT whatever they are: never handed to int() (which refuses
# over 4,300 digits and is slow well before).
_MAX_DIGITS = len(str(MAX_COUNT))
# Full-width forms ("５", "３ người" from a Japanese or Chinese keyboard) read as their ASCII twins.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
SQUARE_METRES_PER_HECTARE = 10_000
_DIGITS = re.compile(r"^\d+$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_FRACTION = re.compile(r"^\d+[.,]\d+$")
_NEGATIVE = re.compile(r"^[-−–]\s*\d")
_RANGE = re.compile(r"\d\s*(?:-|–|đến|den|toi|tới|hoac|hoặc)\s*\d")
# "tháng 11", "t11", "11/2026": a month, not a figure.
_MONTH = re.compile(r"\b(?:tháng|thang|th|t)\s*\d{1,2}(?:\s*/\s*\d{2,4})?\b|\b\d{1,2}\s*/\s*\d{4}\b")
_BREAKDOWN = re.compile(r"(\d+)\s*nam\b\W*(?:va\s+)?(\d+)\s*nu\b|(\d+)\s*nu\b\W*(?:va\s+)?(\d+)\s*nam\b")
# Numbers, words, and any other sign (a bracket or a comma ends a run of number words).
_TOKEN = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+[.,]\d+|\d+|m²|[^\W\d_]+|[^\w\s]", re.UNICODE)
_HECTARE = re.compile(r"^(?:.*\s)?(\d+(?:[.,]\d+)?)\s*(?:ha|hecta|hec ta)\b")
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
    RANGE = "range"
    SEVERAL = "several"


@dataclass(frozen=True)
class CountResult:
    """``value`` (read for sure), ``guess`` (to ask back: "3 người, đúng không?") or ``error``.

    ``hectares`` keeps what was typed when an area in hectares was converted, to show the conversion.
    """

    value: int | None = None
    error: CountError | None = None
    guess: int | None = None
    hectares: str | None = None


def _as_int(digits: str) -> int:
    """The value of a run of ASCII digits; anything longer than ``_MAX_DIGITS`` reads as over the limit."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else MAX_COUNT + 1


def _plain_digits(text: str) -> str:
    """Write every decimal digit in ASCII ("５", "٣" → "5", "3") and full-width letters and signs as
    ASCII, so what looks like a number reads as one."""
    text = text.translate(_FULL_WIDTH)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def _strip_measure(folded: str) -> str:
    for measure in sorted(words("measures"), key=len, reverse=True):
        if folded.endswith(" " + measure):
            return folded[: -len(measure) - 1].strip()
        if folded.endswith(measure) and folded[: -len(measure)].strip().isdigit():
            return folded[: -len(measure)].strip()
    return folded


Token = str | int


def _digit(token: Token) -> int | None:
    if isinstance(token, int):
        return token if token < 10 else None
    value = vocabulary()["digits"].get(token)
    return int(value) if value is not None else None


def _tens_and_units(rest: list[Token]) -> int | None:
    """Read 0–99: "mười", "mười lăm", "ba mươi", "ba mươi mốt", "hai chục", "hai mốt", "ba lăm"."""
    vocab = vocabulary()
    after_tens: dict[str, int] = vocab["after_tens"]
    ambiguous = set(vocab["ambiguous_after_tens"])

    def unit_after_tens(token: Token) -> int | None:
        if isinstance(token, str) and token in ambiguous:
            return None
        if isinstance(token, str) and token in after_tens:
            return after_tens[token]
        found = _digit(token)
        return found if found else None

    if len(rest) == 1:
        if rest[0] == "muoi":
            return 10
        if isinstance(rest[0], int):
            return rest[0] if rest[0] < 100 else None
        return _digit(rest[0])
    if rest[0] == "muoi" and len(rest) == 2:
        unit = unit_after_tens(rest[1])
        return None if unit is None else 10 + unit
    first = _digit(rest[0])
    if first is None or first < 1:
        return None
    if rest[1] in vocab["tens_marker"] and first >= 2:
        if len(rest) == 2:
            return first * 10
        if len(rest) == 3:
            unit = unit_after_tens(rest[2])
            return None if unit is None else first * 10 + unit
        return None
    # The short spoken form: "hai mốt" (21), "ba lăm" (35), "bốn tư" (44).
    if len(rest) == 2 and first >= 2 and isinstance(rest[1], str) and rest[1] in after_tens:
        return first * 10 + after_tens[rest[1]]
    return None


def _below_thousand(tokens: list[Token]) -> int | None:
    """Read 0–999 written in words (digits may stand for digit words); ``None`` when unreadable."""
    vocab = vocabulary()
    if not tokens:
        return None
    hundred_at = next((i for i, t in enumerate(tokens) if t in vocab["hundred"]), None)
    if hundred_at is None:
        return _tens_and_units(tokens)
    head = tokens[:hundred_at]
    if not head:
        hundreds = 1  # "trăm hai": a hundred and twenty
    elif len(head) == 1 and _digit(head[0]) is not None:
        hundreds = _digit(head[0]) or 0
    else:
        return None
    value = hundreds * 100
    rest = tokens[hundred_at + 1:]
    if not rest:
        return value if hundreds else None
    if rest == ["ruoi"]:
        return value + 50
    if rest[0] in vocab["zero_tens"]:
        unit = _digit(rest[1]) if len(rest) == 2 else None
        return value + unit if unit else None
    if len(rest) == 1 and _digit(rest[0]) is not None and isinstance(rest[0], str | int):
        return value + (_digit(rest[0]) or 0) * 10  # "một trăm hai" is 120 as spoken
    tail = _tens_and_units(rest)
    return None if tail is None else value + tail


def words_to_int(tokens: list[Token]) -> int | None:
    """Read a number said in words (and digits, as in "1 nghìn 2"); ``None`` when it cannot be read."""
    vocab = vocabulary()
    thousand_at = next((i for i, t in enumerate(tokens) if t in vocab["thousand"]), None)
    if thousand_at is None:
        if len(tokens) == 1 and isinstance(tokens[0], int):
            return tokens[0]
        return _below_thousand(tokens)
    head_tokens = tokens[:thousand_at]
    head = 1 if not head_tokens else (
        head_tokens[0] if len(head_tokens) == 1 and isinstance(head_tokens[0], int) else _below_thousand(head_tokens))
    if not head:
        return None
    tail = tokens[thousand_at + 1:]
    if not tail:
        return head * 1000
    if any(t in vocab["thousand"] for t in tail):
        return None
    if tail == ["ruoi"]:
        return head * 1000 + 500
    if len(tail) == 1 and _digit(tail[0]) is not None:
        return head * 1000 + (_digit(tail[0]) or 0) * 100  # "hai nghìn ba" is 2,300 as spoken
    if len(tail) == 1 and isinstance(tail[0], int):
        return head * 1000 + tail[0] if tail[0] < 1000 else None
    if tail[0] in vocab["zero_tens"]:
        rest = _tens_and_units(tail[1:]) if len(tail) > 1 else None
        return None if rest is None else head * 1000 + rest
    rest = _below_thousand(tail)
    return None if rest is None else head * 1000 + rest


def _number_word(raw: str) -> bool:
    """A token that may be part of a number: its folded form is a number word and, if it carries
    diacritics, they are those of a number word ("bà" is not "ba", "sau" may be "sáu")."""
    vocab = vocabulary()
    folded = fold(raw)
    known = (set(vocab["digits"]) | set(vocab["after_tens"]) | set(vocab["tens_marker"]) | set(vocab["hundred"])
             | set(vocab["thousand"]) | set(vocab["zero_tens"]) | set(vocab["half"]))
    if folded not in known:
        return False
    return not has_diacritics(raw) or raw in vocab["digit_words_marked"]


def _runs(text: str) -> list[list[Token]]:
    """The groups of consecutive number tokens in ``text`` (digits become ints)."""
    runs: list[list[Token]] = []
    current: list[Token] = []
    for raw in _TOKEN.findall(text):
        token: Token | None = None
        if raw[0].isdecimal():
            token = _as_int(raw.replace(".", "")) if _THOUSANDS.match(raw) or raw.isdecimal() else None
            if token is None:  # a decimal inside a sentence: not a count
                current.append(-1)
                continue
        elif _number_word(raw):
            token = fold(raw)
        if token is None:
            if current:
                runs.append(current)
            current = []
            continue
        current.append(token)
    if current:
        runs.append(current)
    return runs


def _hectares(folded: str, measure: str) -> CountResult | None:
    if fold(measure) not in ("m2", "m²"):
        return None
    found = _HECTARE.match(folded)
    if not found:
        return None
    try:
        area = Decimal(found.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    square_metres = area * SQUARE_METRES_PER_HECTARE
    if square_metres != square_metres.to_integral_value():
        return CountResult(error=CountError.FRACTION)
    return CountResult(value=int(square_metres), hectares=found.group(1))


def _in_a_sentence(raw: str, folded: str) -> CountResult:
    """Find the one figure in a sentence; say none when the sentence says there is none."""
    vocab = vocabulary()
    tokens = folded.split()
    if any(f" {w} " in f" {folded} " for w in vocab["unknown"]):
        return CountResult(error=CountError.NOT_A_NUMBER)
    breakdown = _BREAKDOWN.search(folded)
    if breakdown:
        parts = [_as_int(g) for g in breakdown.groups() if g is not None]
        return CountResult(guess=sum(parts))
    if _RANGE.search(folded):
        return CountResult(error=CountError.RANGE)
    runs = [r for r in _runs(_MONTH.sub(" ", clean(raw))) if r]
    if any(-1 in r for r in runs):
        return CountResult(error=CountError.FRACTION)
    # Typed digits are deliberate; a lone word beside them ("3 người sau cai") is not a second figure.
    with_digits = [r for r in runs if any(isinstance(t, int) for t in r)]
    if len(with_digits) == 1 and all(len(r) == 1 for r in runs if r is not with_digits[0]):
        runs = with_digits
    read = [value for value in (words_to_int(r) for r in runs) if value is not None]
    unread = [r for r in runs if words_to_int(r) is None]
    # "chưa", "chẳng"… say there is none; "không" is also the digit 0, read as such.
    negated = any(t in vocab["negation"] and t not in vocab["digits"] for t in tokens)
    if len(set(read)) == 1 and not any(len(r) > 1 for r in unread) and (read[0] == 0 or not negated):
        return CountResult(value=read[0])
    if not read and not unread and negated:
        return CountResult(value=0)  # "không có ai", "chưa phát hiện"
    if len(set(read)) > 1:
        return CountResult(error=CountError.SEVERAL)
    if len(unread) == 1 and not read:
        # "ba mươi năm": "năm" after "mươi" is most likely "lăm" (35), but may be years: asked back.
        ambiguous = set(vocab["ambiguous_after_tens"])
        guess = words_to_int(["lam" if t in ambiguous else t for t in unread[0]])
        if guess is not None and any(t in ambiguous for t in unread[0]):
            return CountResult(guess=guess)
    return CountResult(error=CountError.NOT_A_NUMBER)


def parse_count(text: str | None, measure: str = "") -> CountResult:
    """Read a whole number ≥ 0 from what the user typed, or say precisely why it is not one."""
    raw = _plain_digits(nfc(text or "")).strip()
    if not raw:
        return CountResult(error=CountError.EMPTY)
    folded = fold(raw).strip(" .!?,;:")
    if not folded:
        return CountResult(error=CountError.EMPTY)
    if _NEGATIVE.match(folded):
        return CountResult(error=CountError.NEGATIVE)
    area = _hectares(folded, measure)
    if area is not None:
        return CountResult(error=CountError.TOO_LARGE) if (area.value or 0) > MAX_COUNT else area
    body = _strip_measure(folded)
    if _DIGITS.match(body):
        value = _as_int(body)
    elif _THOUSANDS.match(body):
        if fold(measure) not in LARGE_MEASURES:
            return CountResult(error=CountError.THOUSANDS_DOT)
        value = _as_int(body.replace(".", ""))
    elif _FRACTION.match(body):
        return CountResult(error=CountError.FRACTION)
    else:
        result = _in_a_sentence(raw.strip(" .!?,;:"), folded)
        if (result.guess or 0) > MAX_COUNT:
            return CountResult(error=CountError.TOO_LARGE)
        if result.value is None:
            return result
        value = result.value
    if value > MAX_COUNT:
        return CountResult(error=CountError.TOO_LARGE)
    return CountResult(value=value)

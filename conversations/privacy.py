"""What a free-text note may hold before it is stored: visible text of a bounded length, no name of a
person (asked to be rewritten, never stored), phone numbers and ID numbers masked.

The notes are about people who use drugs; the programme stores counts, never names. A name is told
by its shape, from ``names.json``: a family name (Nguyễn, Trần… or typed without diacritics) followed
by capitalised words, or "anh", "chị", "ông", "bà"… followed by a capitalised word, unless the words
after it name an office or a body ("ông Trưởng thôn", "anh Công an xã") or the words before it a
street, a school or a place ("đường Lê Lợi", "trường Trần Phú").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from locales.vietnamese import clean, fold, has_diacritics, nfc

# Phone and messaging screens show about 500 characters without scrolling; a longer note is a letter.
NOTE_MAX_CHARS = 500
# Vietnamese mobiles (0xx… or +84…, with spaces, dots or dashes) and 9- or 12-digit ID card numbers.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d[\s.\-]?){8}\d(?:(?:[\s.\-]?\d){3})?(?!\d)")
MASK = "***"
_NAMES = Path(__file__).with_name("names.json")
# Runs of words a name may span: anything but letters and spaces ends one ("Nguyễn. Văn" is not a name).
_RUN_BREAK = re.compile(r"[^\w \t]|[\d_]")
_SPACES_IN_LINE = re.compile(r"[^\S\n]+")

Phrase = tuple[str, ...]


class NoteProblem(Enum):
    """Why a note is not stored as typed."""

    TOO_LONG = "too_long"
    NAME = "name"


@dataclass(frozen=True)
class NoteCheck:
    """The note to store (masked; ``None`` when empty) or the problem to explain; ``length`` as typed."""

    note: str | None
    problem: NoteProblem | None = None
    length: int = 0


def mask_note(text: str) -> str:
    """Replace phone numbers and ID numbers in ``text`` by ``***``."""
    masked = _PHONE.sub(MASK, text)
    return _ID_NUMBER.sub(MASK, masked)


def check_note(text: str) -> NoteCheck:
    """Clean a typed note (visible characters, spaces collapsed) and say whether it may be stored."""
    note = "\n".join(_SPACES_IN_LINE.sub(" ", line).strip() for line in nfc(text).splitlines())
    note = note.strip()
    if not note:
        return NoteCheck(None)
    if len(note) > NOTE_MAX_CHARS:
        return NoteCheck(None, NoteProblem.TOO_LONG, len(note))
    if looks_like_a_name(note):
        return NoteCheck(None, NoteProblem.NAME, len(note))
    return NoteCheck(mask_note(note), None, len(note))


@cache
def _lists() -> dict[str, dict[str, tuple[Phrase, ...]]]:
    """Each list of ``names.json`` as folded phrases indexed by their first word (the lookup of every
    word of a note is then one dictionary access)."""
    raw: dict[str, object] = json.loads(_NAMES.read_text(encoding="utf-8"))
    lists: dict[str, dict[str, tuple[Phrase, ...]]] = {}
    for key, value in raw.items():
        if key.startswith("_") or not isinstance(value, list):
            continue
        index: dict[str, list[Phrase]] = {}
        for phrase in value:
            words = tuple(str(phrase).split())
            index.setdefault(fold(words[0]), []).append(words)
        lists[key] = {first: tuple(sorted(found, key=len, reverse=True)) for first, found in index.items()}
    return lists


def _same(typed: str, listed: str) -> bool:
    """A typed word is a listed one: as written (any case), or typed without diacritics."""
    return clean(typed) == clean(listed) or (not has_diacritics(typed) and fold(typed) == fold(listed))


def _match(words: Sequence[str], folded: Sequence[str], at: int, key: str) -> int:
    """The number of words of the longest phrase under ``key`` found at ``words[at]`` (0 if none)."""
    if at >= len(words):
        return 0
    for phrase in _lists()[key].get(folded[at], ()):
        end = at + len(phrase)
        if end <= len(words) and all(_same(w, p) for w, p in zip(words[at:end], phrase, strict=True)):
            return len(phrase)
    return 0


def _ends_with(words: Sequence[str], folded: Sequence[str], end: int, key: str) -> bool:
    """Tell whether a phrase under ``key`` ends right before ``words[end]``."""
    return any(_match(words, folded, start, key) == end - start for start in range(max(0, end - 4), end))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower())


def _is_name_at(words: Sequence[str], folded: Sequence[str], at: int, shouting: bool) -> bool:
    """``words[at]`` starts a given name: capitalised (or in capitals, in a run typed in capitals), not
    an office or a place."""
    if at >= len(words):
        return False
    word = words[at]
    if not (_capitalised(word) or (shouting and word.isupper())):
        return False
    return not _match(words, folded, at, "not_names") and not _match(words, folded, at, "places")


def _run_has_name(words: Sequence[str]) -> bool:
    folded = [fold(w) for w in words]
    for at, word in enumerate(words):
        family = _match(words, folded, at, "family_names")
        title = _match(words, folded, at, "honorifics")
        if not family and not title:
            continue
        if _ends_with(words, folded, at, "place_words") or _match(words, folded, at, "places"):
            continue
        shouting = word.isupper() and len(word) > 1
        if family and word[:1].isupper() and _is_name_at(words, folded, at + family, shouting):
            return True
        if title and _is_name_at(words, folded, at + title, False):
            return True
    return False


def looks_like_a_name(text: str) -> bool:
    """Tell whether ``text`` seems to name a person ("anh Nguyễn Văn A", "chị Lan", "Tran Van B")."""
    for run in _RUN_BREAK.split(nfc(text)):
        words = run.split()
        if len(words) >= 2 and _run_has_name(words):
            return True
    return False

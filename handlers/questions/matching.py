"""Normalisation and fuzzy phrase matching over folded Vietnamese (typos within a word tolerated)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from locales.vietnamese import fold
from storage.plans.vocabulary import vocabulary

_PATH = Path(__file__).with_name("phrases.json")
_NON_WORD = re.compile(r"[^\w%/.]+")
# Words of 4 letters or fewer must be typed right: "han" and "hon" differ in meaning.
_SHORT = 4
_CUTOFF = 84.0
# One slip in a word of five letters or more ("nhiem" typed "nhiemm", "truyen" typed "truyn").
_WORD_CUTOFF = 75.0
_DOUBLED = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class Rule:
    """An intent and the groups of phrasings that must all be present for it."""

    intent: str
    groups: tuple[tuple[tuple[str, ...], ...], ...]
    exclude: tuple[tuple[str, ...], ...]
    max_words: int | None
    needs_project_number: bool


@dataclass(frozen=True, eq=False)
class Phrases:
    """The question vocabulary of ``phrases.json``."""

    rules: tuple[Rule, ...]
    self_words: tuple[tuple[str, ...], ...]
    who_words: tuple[tuple[str, ...], ...]
    hamlet_words: tuple[tuple[str, ...], ...]
    commune_words: tuple[tuple[str, ...], ...]
    synonyms: dict[str, str]
    question_noise: frozenset[str]
    deadline_kinds: tuple[tuple[str, re.Pattern[str]], ...]
    unit_stop_tokens: frozenset[str]
    project_patterns: dict[str, re.Pattern[str]]
    time_question_words: frozenset[str]
    task_words_kept: frozenset[str]
    level_words: dict[str, str]
    umbrellas: tuple[dict[str, Any], ...]
    span_heads: tuple[str, ...]
    span_stops: frozenset[str]
    focus: dict[str, tuple[tuple[str, ...], ...]]
    commune_starts: frozenset[str]
    detail_words: tuple[tuple[str, ...], ...]
    kind_heads: tuple[str, ...]
    share_words: tuple[str, ...]
    unit_joins: re.Pattern[str]
    task_number: re.Pattern[str]
    detail_fillers: frozenset[str]
    owner_heads: frozenset[tuple[str, ...]]


def _tok(phrases: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split()) for p in phrases)


@cache
def phrases() -> Phrases:
    """Load ``phrases.json`` once."""
    raw: dict[str, Any] = json.loads(_PATH.read_text(encoding="utf-8"))
    rules = tuple(
        Rule(
            intent=r["intent"],
            groups=tuple(_tok(g) for g in r["groups"]),
            exclude=_tok(r.get("exclude", [])),
            max_words=r.get("max_words"),
            needs_project_number=bool(r.get("needs_project_number", False)),
        )
        for r in raw["rules"]
    )
    return Phrases(
        rules=rules,
        self_words=_tok(raw["self_words"]),
        who_words=_tok(raw["who_words"]),
        hamlet_words=_tok(raw["hamlet_words"]),
        commune_words=_tok(raw["commune_words"]),
        synonyms=dict(raw["synonyms"]),
        question_noise=frozenset(raw["question_noise"]),
        deadline_kinds=tuple((k, re.compile(p)) for k, p in raw["deadline_kinds"]),
        unit_stop_tokens=frozenset(raw["unit_stop_tokens"]),
        project_patterns={k: re.compile(v) for k, v in raw["project_patterns"].items()},
        time_question_words=frozenset(raw["time_question_words"]),
        task_words_kept=frozenset(raw["task_words_kept"]),
        level_words=dict(raw["level_words"]),
        umbrellas=tuple(raw["umbrellas"]),
        span_heads=tuple(raw["span_heads"]),
        span_stops=frozenset(raw["span_stops"]),
        focus={k: _tok(v) for k, v in raw["focus"].items()},
        commune_starts=frozenset(raw["commune_starts"]),
        detail_words=_tok(raw["detail_words"]),
        kind_heads=tuple(raw["kind_heads"]),
        share_words=tuple(raw["share_words"]),
        unit_joins=re.compile(" (?:" + "|".join(raw["unit_joins"]) + ") "),
        task_number=re.compile(raw["task_number"], re.IGNORECASE),
        detail_fillers=frozenset(raw["detail_fillers"]),
        owner_heads=frozenset(tuple(h.split()) for h in raw["owner_heads"]),
    )


def normalize(text: str) -> str:
    """Fold, drop punctuation and spell out abbreviations: "TYT xã?" → "tram y te xa"."""
    return normalize_folded(fold(text))


def normalize_folded(folded: str) -> str:
    """``normalize`` of a text already folded (``fold``): a question is folded once, then this."""
    folded = folded.replace("&", " ")
    folded = _NON_WORD.sub(" ", folded)
    folded = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", folded)  # "da5" → "da 5"
    # Chat shorthand ("lam j", "dc giao", "bn nguoi") is spelled out before anything else reads it
    # (in the same pass over the words that strips their dots).
    short = _shorthand()
    words = (w.strip(".") for w in folded.split())
    folded = " ".join(short.get(w, w) for w in words if w)
    return vocabulary().expand(folded)


@cache
def _shorthand() -> dict[str, str]:
    raw: dict[str, Any] = json.loads(_PATH.read_text(encoding="utf-8"))
    return dict(raw["chat_shorthand"])


def words_match(typed: str, wanted: str) -> bool:
    """Tell whether a typed word (or run of words) is ``wanted``, allowing a typo in longer words."""
    if typed == wanted:
        return True
    if len(wanted) <= _SHORT:
        # A short word may only carry a doubled letter ("vuu" for "vu"): "nay" is not "nao".
        return _DOUBLED.sub(r"\1", typed) == wanted
    return fuzz.ratio(typed, wanted) >= _WORD_CUTOFF


def find_phrase(tokens: Sequence[str], phrase: tuple[str, ...]) -> int:
    """Index where ``phrase`` starts in ``tokens`` (fuzzy per word), or -1."""
    n = len(phrase)
    joined = " ".join(phrase)
    for i in range(len(tokens) - n + 1):
        window = tokens[i : i + n]
        if all(len(w) <= _SHORT for w in phrase):
            if tuple(window) == phrase:
                return i
        elif words_match(" ".join(window), joined):
            return i
    return -1


def has_any(tokens: Sequence[str], candidates: tuple[tuple[str, ...], ...]) -> bool:
    """Tell whether any of the phrases occurs in ``tokens`` (short words exactly, long ones with a typo)."""
    windows: dict[int, list[str]] = {}
    for phrase in candidates:
        n = len(phrase)
        if n not in windows:
            windows[n] = [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        joined = " ".join(phrase)
        if joined in windows[n]:
            return True
        if not any(len(w) > _SHORT for w in phrase) or not windows[n]:
            continue
        # C-speed prefilter on the whole phrase, then word by word: "thang nay" is not "thang nao".
        for window, _score, _i in process.extract(
            joined, windows[n], scorer=fuzz.ratio, score_cutoff=_CUTOFF, limit=None
        ):
            if all(words_match(t, w) for t, w in zip(window.split(), phrase, strict=True)):
                return True
    return False

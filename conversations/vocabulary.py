"""The words users type for numbers and dialog commands, loaded from ``vocabulary.json``.

A phrase written with diacritics in the file matches what the user typed with the same diacritics,
or typed with none at all; a phrase written without diacritics matches either way. So "đúng" (yes)
never reads as "dừng" (stop), and only a bare "dung" can mean both: the step decides (``ambiguous``).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from locales.vietnamese import clean, fold, has_diacritics

_PATH = Path(__file__).with_name("vocabulary.json")
_EDGES = " .!?,;:…~"


@cache
def vocabulary() -> dict[str, Any]:
    """Return the vocabulary (cached; the file is data shipped with the code)."""
    data: dict[str, Any] = json.loads(_PATH.read_text(encoding="utf-8"))
    return data


@cache
def words(key: str) -> frozenset[str]:
    """Return the folded phrases listed under ``key``."""
    return frozenset(fold(w) for w in vocabulary()[key])


@cache
def _phrases(key: str) -> tuple[frozenset[str], frozenset[str]]:
    """(phrases as written, lower case with diacritics; folded phrases that were written without any)."""
    listed = vocabulary()[key]
    return (frozenset(clean(w) for w in listed),
            frozenset(fold(w) for w in listed if not has_diacritics(w)))


def _forms(text: str) -> tuple[str, str, bool]:
    marked = clean(text).strip(_EDGES)
    return marked, fold(marked).strip(_EDGES), has_diacritics(marked)


def _tokens(text: str) -> tuple[list[str], bool]:
    """The words of ``text`` with abbreviations written out ("đc" → "được", "r" → "rồi", "ko" →
    "không") and polite words around them dropped ("dạ đúng rồi ạ" → "đúng rồi")."""
    marked = clean(text).strip(_EDGES)
    has_marks = has_diacritics(marked)
    full: dict[str, str] = vocabulary()["abbreviations"]
    out: list[str] = []
    for token in marked.replace(",", " ").split():
        token = token.strip(_EDGES)
        long = full.get(token)
        if long is not None:
            out.extend((long if has_marks else fold(long)).split())
        elif token:
            out.append(token)
    polite = words("polite")
    while len(out) > 1 and fold(out[-1]) in polite:
        out.pop()
    while len(out) > 1 and fold(out[0]) in polite:
        out.pop(0)
    return out, has_marks


@lru_cache(maxsize=16384)
def says(text: str, key: str) -> bool:
    """Tell whether ``text`` is one of the phrases listed under ``key`` (see the module docstring)."""
    written, plain = _phrases(key)
    tokens, has_marks = _tokens(text)
    for marked in (clean(text).strip(_EDGES), " ".join(tokens)):
        folded = fold(marked)
        if marked in written or folded in plain or (not has_marks and folded in words(key)):
            return True
    return False


@cache
def _phrase_words(key: str) -> tuple[frozenset[str], frozenset[str]]:
    listed = [clean(w) for w in vocabulary()[key]]
    return (frozenset(t for w in listed for t in w.split()),
            frozenset(fold(t) for w in listed for t in w.split()))


def says_only(text: str, key: str) -> bool:
    """Tell whether every word of ``text`` is a word of the phrases of ``key``: "ừ đúng rồi gửi đi",
    "xác nhận gửi" confirm as well as "đúng rồi" (a word with diacritics must match with them)."""
    tokens, _has_marks = _tokens(text)
    marked_words, folded_words = _phrase_words(key)
    if not tokens:
        return False
    return all((t in marked_words) if has_diacritics(t) else (t in folded_words) for t in tokens)


def starts_with(text: str, key: str) -> str | None:
    """Return the rest of ``text`` (folded) after the longest phrase of ``key`` it begins with, else ``None``."""
    marked, folded, has_marks = _forms(text)
    written, plain = _phrases(key)
    for phrase in sorted(words(key), key=len, reverse=True):
        if not (folded == phrase or folded.startswith(phrase + " ")):
            continue
        head = marked[: len(phrase)]
        if phrase in plain or not has_marks or head in written:
            return folded[len(phrase):].strip(_EDGES)
    return None


def mentions(text: str, key: str) -> bool:
    """Tell whether one of the phrases of ``key`` occurs in ``text`` as whole words (folded)."""
    folded = f" {fold(text).strip(_EDGES)} "
    return any(f" {phrase} " in folded for phrase in words(key))

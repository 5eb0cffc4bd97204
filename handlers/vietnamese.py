"""Vietnamese text normalisation used by every matcher: NFC, lower case, diacritics folded."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC form (phones send both composed and decomposed forms)."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse white space: the form all matching uses."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip()


def clean(text: str) -> str:
    """NFC-normalise, lower-case and collapse white space, keeping the diacritics."""
    return _SPACES.sub(" ", nfc(text).lower()).strip()


def has_diacritics(text: str) -> bool:
    """Tell whether ``text`` carries any Vietnamese diacritic or đ."""
    return fold(text) != _SPACES.sub(" ", text.lower()).strip()

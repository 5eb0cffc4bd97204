"""Vietnamese text normalisation used by every matcher: NFC, lower case, diacritics folded."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
# Every control (Cc), format (Cf) and surrogate (Cs) code point but tab and line breaks: NUL (which
# PostgreSQL refuses in text), bidi overrides, zero-width spaces and joiners, the BOM, soft hyphens.
# Written out (Unicode 14) rather than computed, so nothing is built at import; a test checks it
# against ``unicodedata``.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]+"
)
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")
# Controls that separate words (vertical tab, form feed, the information separators, NEL): a space.
_CONTROL_SPACES = re.compile("[\x0b\x0c\x1c-\x1f\x85]")


def visible(text: str) -> str:
    """Drop control and invisible characters (NUL, bidi overrides, zero-width marks…), keeping tabs and
    line breaks (and controls that separate words, as spaces): what a user sees is what the bot reads
    and stores."""
    return _INVISIBLE.sub("", _CONTROL_SPACES.sub(" ", _LINE_SEPARATORS.sub("\n", text)))


def nfc(text: str) -> str:
    """Return ``text`` as the core reads it: in Unicode NFC form (phones send both composed and
    decomposed forms), without control or invisible characters (``visible``)."""
    return unicodedata.normalize("NFC", visible(text))


# Matching folds the same short texts many times per message ("3", "quay lại", each phrase checked):
# remembered, a report step costs a third less.
@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse white space: the form all matching uses."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip()


@lru_cache(maxsize=16384)
def clean(text: str) -> str:
    """NFC-normalise, lower-case and collapse white space, keeping the diacritics."""
    return _SPACES.sub(" ", nfc(text).lower()).strip()


def has_diacritics(text: str) -> bool:
    """Tell whether ``text`` carries any Vietnamese diacritic or đ."""
    return fold(text) != _SPACES.sub(" ", text.lower()).strip()

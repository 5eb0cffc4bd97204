"""Masking of what must never be stored from a free-text note: phone numbers and ID numbers."""

from __future__ import annotations

import re

# Vietnamese mobiles (0xx… or +84…, with spaces, dots or dashes) and 9- or 12-digit ID card numbers.
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d[\s.\-]?){8}\d(?:(?:[\s.\-]?\d){3})?(?!\d)")
MASK = "***"


def mask_note(text: str) -> str:
    """Replace phone numbers and ID numbers in ``text`` by ``***``."""
    masked = _PHONE.sub(MASK, text)
    return _ID_NUMBER.sub(MASK, masked)

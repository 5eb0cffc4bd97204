"""An official's work mobile number: read as people type it, stored in one form (0912345678).

Vietnamese mobile numbers have ten digits, 0 then the network's 3, 5, 7, 8 or 9; people also write them
with the country code (+84 912…, 84 912…, 0084 912…) and group the digits with spaces, dots or dashes.
Anything else (a landline, a letter, a digit too many) is refused rather than guessed: a wrong number
costs a province leader a call to a stranger.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person

_SEPARATORS = re.compile(r"[\s.\-]+")
_MOBILE = re.compile(r"0[35789]\d{8}")
_COUNTRY = ("+84", "0084", "84")


def normalise_phone(typed: str) -> str | None:
    """The number as stored (``0912345678``), or ``None`` when ``typed`` is not a Vietnamese mobile number."""
    digits = _SEPARATORS.sub("", typed.strip())
    for prefix in _COUNTRY:
        # "84" alone only before the nine digits: "0849…" is a number of network 08, not a country code.
        if digits.startswith(prefix) and len(digits) == len(prefix) + 9:
            digits = "0" + digits[len(prefix):]
            break
        if digits.startswith(prefix + "0") and len(digits) == len(prefix) + 10:  # "+84 0912…", a common slip
            digits = digits[len(prefix):]
            break
    return digits if digits.isascii() and _MOBILE.fullmatch(digits) else None


async def phone_of(session: AsyncSession, person_id: int) -> str | None:
    """The person's stored contact number (``None`` when they gave none)."""
    person = await session.get(Person, person_id)
    return person.phone if person is not None else None


async def set_phone(session: AsyncSession, person_id: int, phone: str | None) -> bool:
    """Store (or with ``None`` clear) the person's contact number; tell whether it changed. Never commits."""
    person = await session.get(Person, person_id)
    if person is None or person.phone == phone:
        return False
    person.phone = phone
    await session.flush()
    return True

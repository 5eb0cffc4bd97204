"""Read-mostly configuration cached in one process for a short time: which commune a unit is in,
and which report form (indicator set) it fills in.

Both are looked up on every report step; both change only when an admin reconfigures a commune, so
a few seconds of staleness in another worker is harmless. The cache belongs to one ``Core`` (one
database), never to the module, so two databases in one process never see each other's ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Unit
from storage.people import Member, commune_of, find_member
from storage.reports import IndicatorView, indicator_set_for

DEFAULT_TTL_SECONDS = 30.0


class ConfigCache:
    """Caches unit → commune and unit → (set id, indicators) for ``ttl`` seconds."""

    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._communes: dict[int, tuple[float, int | None]] = {}
        self._forms: dict[int, tuple[float, tuple[int, list[IndicatorView]] | None]] = {}
        self._members: dict[tuple[str, str], tuple[float, Member]] = {}

    def clear(self) -> None:
        """Forget everything (after this process changed the configuration)."""
        self._communes.clear()
        self._forms.clear()
        self._members.clear()

    def forget_member(self, transport: str, external_id: str) -> None:
        """Drop what is known of one sender (they just registered or changed role)."""
        self._members.pop((transport, external_id), None)

    async def member(self, session: AsyncSession, transport: str, external_id: str) -> Member | None:
        """Return the registered person behind a sender; only found members are cached, so a
        registration made by another worker is seen at once."""
        now = self._clock()
        key = (transport, external_id)
        hit = self._members.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = await find_member(session, transport, external_id, self)
        if found is not None:
            self._members[key] = (now + self._ttl, found)
        return found

    async def commune_of(self, session: AsyncSession, unit_id: int) -> int | None:
        """Return the id of the commune the unit ``unit_id`` is in."""
        now = self._clock()
        hit = self._communes.get(unit_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        unit = await session.get(Unit, unit_id)
        value = await commune_of(session, unit) if unit is not None else None
        self._communes[unit_id] = (now + self._ttl, value)
        return value

    async def form_of(self, session: AsyncSession, unit_id: int) -> tuple[int, list[IndicatorView]] | None:
        """Return the set id and the indicators the unit reports, or ``None`` when it has no form."""
        now = self._clock()
        hit = self._forms.get(unit_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        unit = await session.get(Unit, unit_id)
        found = await indicator_set_for(session, unit) if unit is not None else None
        value = (found[0].id, found[1]) if found is not None else None
        self._forms[unit_id] = (now + self._ttl, value)
        return value

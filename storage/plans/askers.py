"""Who is asking, for ``baocao ask --as NAME`` and the question tests: the unit a name stands for.

A name is matched strictly, never to "the closest agency": "Công an xã" asking about a provincial plan
is a commune's police, not "Công an tỉnh"; "UBND xã Quỳ Hợp" is a commune of the province, not a
provincial department. What the plan's area does not hold is created under it (a hamlet, a commune,
a commune's agency), so answers see where the asker stands and never speak for another unit.
"""

from __future__ import annotations

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.vietnamese import fold
from storage.models.units import AGENCY, Unit
from storage.plans.header import area_kind
from storage.plans.units import starts_with_agency
from storage.plans.vocabulary import unit_key, vocabulary

# An agency of the area is the asker only when the names are this close (same words, a slip at most).
_SAME = 92


def _levels(key: str) -> set[str]:
    """The levels a unit key names by a one-word level ("tỉnh", "xã", "huyện")."""
    kinds = vocabulary().area_kinds
    return {kinds[w] for w in key.split() if w in kinds}


async def _child(session: AsyncSession, kind: str, name: str, parent_id: int) -> Unit:
    found = (
        await session.execute(
            select(Unit).where(Unit.parent_id == parent_id, Unit.kind == kind, Unit.folded_name == fold(name))
        )
    ).scalars().first()
    if found is None:
        found = Unit(kind=kind, name=name, folded_name=fold(name), parent_id=parent_id)
        session.add(found)
        await session.flush()
    return found


def _commune_name(name: str, key: str) -> str:
    """ "UBND xã Quỳ Hợp" → "xã Quỳ Hợp"; a committee without a name → "xã"."""
    folded = fold(name)
    for word in ("xa ", "phuong ", "dac khu "):
        at = folded.find(word)
        if at >= 0:
            return name[at:].strip()
    return "xã" if "xa" in key.split() else name


async def asker_unit(session: AsyncSession, area: Unit, name: str | None, cache: dict[str, int]) -> int | None:
    """The unit to ask as: a hamlet, the area itself ("UBND xã" of a commune's plan), a commune of a
    province ("UBND xã Quỳ Hợp"), an agency of the area named the same way, or a commune's agency
    ("Công an xã" under a province); ``None`` when the name says nothing usable."""
    if not name:
        return None
    if name in cache:
        return cache[name]
    unit = await _resolve(session, area, name)
    if unit is not None:
        cache[name] = unit.id
        return unit.id
    return None


async def _resolve(session: AsyncSession, area: Unit, name: str) -> Unit | None:
    if vocabulary().is_hamlet_name(name):
        return await _child(session, "hamlet", name, area.id)
    key, area_key = unit_key(name), unit_key(area.name)
    level = area_key.split()[0] if area_key else ""
    if key in (area_key, f"uy ban nhan dan {level}", f"uy ban nhan dan {area_key}"):
        return area  # "UBND xã", "xã Quỳ Hợp": the area itself
    agencies = (
        (await session.execute(select(Unit).where(Unit.parent_id == area.id, Unit.kind == AGENCY))).scalars().all()
    )
    asked_levels = _levels(key)
    # "Công an xã Quỳ Hợp" in Quỳ Hợp's plan is its "Công an xã".
    area_words = set(area_key.split()) - set(vocabulary().area_kinds)
    short = " ".join(w for w in key.split() if w not in area_words)
    for agency in agencies:
        other = unit_key(agency.name)
        levels = _levels(other)
        if asked_levels and levels and not (asked_levels & levels):
            continue  # "Công an xã" is not "Công an tỉnh"
        if other in (key, short) or max(fuzz.ratio(other, key), fuzz.ratio(other, short)) >= _SAME:
            return agency
    is_commune = area_kind(name) == "commune" or key.startswith(vocabulary().commune_committees)
    if area.kind != "commune" and is_commune:
        return await _child(session, "commune", _commune_name(name, key), area.id)
    if not starts_with_agency(name):
        return None
    if area.kind != "commune" and "commune" in asked_levels:
        # A commune's agency asking about a provincial plan: under a commune of the province.
        commune = await _child(session, "commune", "xã", area.id)
        return await _child(session, AGENCY, name, commune.id)
    # A body the plan does not name ("Hội Nông dân tỉnh"): itself, with no task of its own.
    return await _child(session, AGENCY, name, area.id)

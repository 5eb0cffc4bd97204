"""Finding units by what people type: folded names matched with rapidfuzz."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.vietnamese import fold
from storage.models import Unit

MATCH_CUTOFF = 80


async def units_under(session: AsyncSession, root_id: int) -> list[Unit]:
    """Return every unit below ``root_id`` (any depth), the root excluded."""
    found: list[Unit] = []
    frontier = [root_id]
    while frontier:
        children = list((await session.execute(select(Unit).where(Unit.parent_id.in_(frontier)))).scalars())
        found.extend(children)
        frontier = [c.id for c in children]
    return found


def best_matches(name: str, candidates: Sequence[Unit], cutoff: int = MATCH_CUTOFF) -> list[Unit]:
    """Return the candidates whose name matches ``name`` best (several when they tie)."""
    query = fold(name)
    exact = [u for u in candidates if u.folded_name == query]
    if exact:
        return exact
    scored = process.extract(query, [u.folded_name for u in candidates], scorer=fuzz.WRatio,
                             score_cutoff=cutoff, limit=None)
    if not scored:
        return []
    top = max(score for _, score, _ in scored)
    return [candidates[index] for _, score, index in scored if score >= top - 0.5]


async def find_units(session: AsyncSession, name: str, kinds: Sequence[str] | None = None) -> list[Unit]:
    """Return the units whose name best matches ``name`` (optionally only of ``kinds``)."""
    statement = select(Unit)
    if kinds:
        statement = statement.where(Unit.kind.in_(list(kinds)))
    candidates = list((await session.execute(statement)).scalars())
    return best_matches(name, candidates)

"""Versioned indicator sets: which version a unit reports, a new version from an edited sheet, and which
versions the reports of an area used.

A set is identified by its owner (a commune, or a province whose communes inherit it) and its code;
each edit adds the next version with new indicator rows, and nothing is deleted: an indicator left
out of the new version is retired (it stays in the versions that had it, with its reports).
A unit reports the latest version of the nearest owner up its chain that has a set for its kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import _, fmt_number
from storage.indicator_sheet import IndicatorRow
from storage.models import Indicator, IndicatorSet, Period, Report, Unit
from storage.models.indicators import is_latest
from storage.reporting_scope import ancestors, subtree


async def current_set(session: AsyncSession, chain: Sequence[Unit], unit_kind: str,
                      code: str | None = None) -> IndicatorSet | None:
    """The latest version of the set for ``unit_kind`` (or of ``code``) of the nearest owner in ``chain``
    (nearest first); a monthly set before the others."""
    if not chain:
        return None
    query = select(IndicatorSet).where(IndicatorSet.owner_id.in_([u.id for u in chain]))
    query = query.where(IndicatorSet.code == code) if code is not None else query.where(
        IndicatorSet.unit_kind == unit_kind)
    # Every version of the chain's few sets, newest first: cheaper than asking SQL for the newest of each.
    found = (await session.scalars(query.order_by(IndicatorSet.period_kind != "month", IndicatorSet.code,
                                                  IndicatorSet.version.desc()))).all()
    return nearest_latest(found, chain)


def nearest_latest(found: Sequence[IndicatorSet], chain: Sequence[Unit]) -> IndicatorSet | None:
    """Of ``found`` (ordered: monthly first, by code, newest version first), the first of the nearest owner."""
    for owner in chain:
        for row in found:
            if row.owner_id == owner.id:
                return row
    return None


async def set_of_area(session: AsyncSession, area: Unit, code: str | None = None,
                      unit_kind: str = "hamlet") -> IndicatorSet | None:
    """The set an admin of ``area`` edits: its own, else the one it inherits; for a province without one,
    the set its first commune uses (so the province can adopt it as its own)."""
    found = await current_set(session, await ancestors(session, area), unit_kind, code)
    if found is not None or area.kind not in ("province", "district"):
        return found
    query = (select(IndicatorSet)
             .where(IndicatorSet.owner_id.in_(select(subtree(area.id).c.id)), is_latest())
             .order_by(IndicatorSet.period_kind != "month", IndicatorSet.id).limit(1))
    query = query.where(IndicatorSet.code == code) if code is not None else query.where(
        IndicatorSet.unit_kind == unit_kind)
    communes_set: IndicatorSet | None = await session.scalar(query)
    return communes_set


async def rows_of(session: AsyncSession, set_id: int) -> list[IndicatorRow]:
    """The indicators of one version, in their order."""
    indicators = await session.scalars(select(Indicator).where(Indicator.set_id == set_id)
                                       .order_by(Indicator.position))
    return [IndicatorRow(code=i.code, label=i.label, question=i.question, measure=i.measure, kind=i.kind,
                         required=i.required, rules=dict(i.rules or {}), label_en=i.label_en,
                         question_en=i.question_en) for i in indicators]


@dataclass(frozen=True)
class SetChanges:
    """What a new version changes against the current one: codes added, changed (with the fields), retired."""

    added: list[str]
    changed: dict[str, list[str]]
    retired: list[str]
    reordered: bool

    @property
    def empty(self) -> bool:
        """Nothing would change."""
        return not (self.added or self.changed or self.retired or self.reordered)


FIELDS = ("label", "question", "measure", "kind", "required", "rules", "label_en", "question_en")


def compare(old: Sequence[IndicatorRow], new: Sequence[IndicatorRow]) -> SetChanges:
    """What ``new`` adds, changes and retires against ``old``."""
    before = {r.code: r for r in old}
    after = {r.code: r for r in new}
    changed = {code: [f for f in FIELDS if getattr(before[code], f) != getattr(row, f)]
               for code, row in after.items() if code in before}
    kept = [c for c in before if c in after]
    return SetChanges(added=[c for c in after if c not in before],
                      changed={c: fields for c, fields in changed.items() if fields},
                      retired=[c for c in before if c not in after],
                      reordered=kept != [c for c in after if c in before])


async def owned_set(session: AsyncSession, owner_id: int, code: str) -> IndicatorSet | None:
    """The latest version of the set ``code`` that ``owner_id`` itself owns."""
    own: IndicatorSet | None = await session.scalar(
        select(IndicatorSet).where(IndicatorSet.owner_id == owner_id, IndicatorSet.code == code)
        .order_by(IndicatorSet.version.desc()).limit(1))
    return own


async def save_version(session: AsyncSession, owner: Unit, base: IndicatorSet, rows: Sequence[IndicatorRow],
                       name: str | None = None) -> IndicatorSet:
    """Add the next version of ``base``'s set owned by ``owner`` (its first when ``owner`` only inherited
    ``base``), with ``rows`` as its indicators; older versions and their reports stay as they are."""
    own = await owned_set(session, owner.id, base.code)
    version = own.version + 1 if own is not None else 1
    new = IndicatorSet(owner_id=owner.id, code=base.code, name=(name or base.name)[:200],
                       unit_kind=base.unit_kind, period_kind=base.period_kind, version=version)
    session.add(new)
    await session.flush()
    session.add_all(Indicator(set_id=new.id, position=position, code=row.code, label=row.label,
                              label_en=row.label_en, question=row.question, question_en=row.question_en,
                              measure=row.measure, kind=row.kind, required=row.required, rules=dict(row.rules))
                    for position, row in enumerate(rows, start=1))
    await session.flush()
    return new


async def inheriting_communes(session: AsyncSession, area: Unit, code: str) -> tuple[int, int]:
    """For a province or district: how many of its communes report its set ``code`` (they have none of
    their own) and how many keep their own."""
    if area.kind == "commune":
        return 1, 0
    communes = select(Unit.id).where(Unit.id.in_(select(subtree(area.id).c.id)), Unit.kind == "commune",
                                     Unit.retired_at.is_(None))
    total = int(await session.scalar(select(func.count()).select_from(communes.subquery())) or 0)
    own = int(await session.scalar(select(func.count(func.distinct(IndicatorSet.owner_id)))
                                   .where(IndicatorSet.owner_id.in_(communes), IndicatorSet.code == code)) or 0)
    return total - own, own


@dataclass(frozen=True)
class VersionUse:
    """How many reports of an area for one period were filed with one version of a set."""

    period_code: str
    set_code: str
    set_id: int
    owner_id: int
    version: int
    reports: int


async def versions_used(session: AsyncSession, area_id: int, period_codes: Sequence[str],
                        set_code: str | None = None) -> list[VersionUse]:
    """Which set versions the reports of the units under ``area_id`` used for ``period_codes`` (one row per
    period and version, oldest first): a summary across a change says so when it sees more than one."""
    if not period_codes:
        return []
    query = (select(Period.code, IndicatorSet.code, IndicatorSet.id, IndicatorSet.owner_id, IndicatorSet.version,
                    func.count(Report.id))
             .join(Period, Period.id == Report.period_id)
             .join(IndicatorSet, IndicatorSet.id == Report.set_id)
             .where(Period.code.in_(list(period_codes)), Report.unit_id.in_(select(subtree(area_id).c.id)))
             .group_by(Period.code, IndicatorSet.code, IndicatorSet.id, IndicatorSet.owner_id, IndicatorSet.version)
             .order_by(Period.code, IndicatorSet.code, IndicatorSet.version, IndicatorSet.id))
    if set_code is not None:
        query = query.where(IndicatorSet.code == set_code)
    return [VersionUse(p, c, i, o, v, int(n)) for p, c, i, o, v, n in (await session.execute(query)).all()]


def spans_a_change(uses: Sequence[VersionUse]) -> bool:
    """Whether the reports behind a summary were filed with more than one version of one owner's set (the
    communes of a province that each keep their own set are not a change)."""
    by_owner: dict[tuple[str, int], set[int]] = {}
    for use in uses:
        by_owner.setdefault((use.set_code, use.owner_id), set()).add(use.version)
    return any(len(versions) > 1 for versions in by_owner.values())


async def change_note(session: AsyncSession, uses: Sequence[VersionUse]) -> str | None:
    """One sentence for a summary built across a change of its set (``None`` when there was none): the
    versions used with their report counts, and the indicators added and retired between the first and
    the last; a figure asked only in some of the months is summed over the reports that have it."""
    by_owner: dict[tuple[str, int], dict[int, VersionUse]] = {}
    counts: dict[tuple[str, int], dict[int, int]] = {}
    for use in uses:
        key = (use.set_code, use.owner_id)
        by_owner.setdefault(key, {})[use.version] = use
        counts.setdefault(key, {}).setdefault(use.version, 0)
        counts[key][use.version] += use.reports
    changed = [key for key, versions in by_owner.items() if len(versions) > 1]
    if not changed:
        return None
    key = changed[0]
    versions = by_owner[key]
    first, last = versions[min(versions)], versions[max(versions)]
    changes = compare(await rows_of(session, first.set_id), await rows_of(session, last.set_id))
    used = ", ".join(_("version {version}: {n} report(s)").format(version=v, n=fmt_number(n))
                     for v, n in sorted(counts[key].items()))
    text = _("The reports of this period were filed with different versions of the indicator set ({used}).").format(
        used=used)
    if changes.added:
        text += " " + _("Added since: {codes}.").format(codes=", ".join(changes.added))
    if changes.retired:
        text += " " + _("Retired since: {codes}.").format(codes=", ".join(changes.retired))
    if changes.changed:
        text += " " + _("Reworded: {codes}.").format(codes=", ".join(changes.changed))
    return text

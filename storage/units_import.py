"""Importing the hamlet sheet: rows matched to the official provinces and communes, then saved all at once
(nothing when any row is wrong); a second import of the same sheet changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import _
from locales.vietnamese import fold
from storage.demo import add_indicator_set, demo_data
from storage.indicator_sets import owned_set
from storage.migrate import hold_lock
from storage.models import Unit
from storage.official_units import (
    OfficialCommune,
    OfficialProvince,
    find_commune,
    find_province,
    province_by_code,
)
from storage.units_sheet import HamletRow, Sheet, SheetError

# Two imports at once would both create the same commune: the second waits (PostgreSQL advisory lock).
UNITS_LOCK = 0x6261_6F63_756E_6901  # "baocuni" + 1


@dataclass(frozen=True)
class PlacedRow:
    """A sheet row with its official province and commune."""

    row: HamletRow
    province: OfficialProvince
    commune: OfficialCommune


@dataclass
class ImportResult:
    """What an import did (or, on a dry run or with errors, would do)."""

    provinces: int = 0
    communes: int = 0
    hamlets: int = 0
    created: list[str] = field(default_factory=list)
    unchanged: int = 0
    updated: list[str] = field(default_factory=list)
    to_retire: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    new_communes: list[str] = field(default_factory=list)
    errors: list[SheetError] = field(default_factory=list)
    saved: bool = False

    def as_json(self) -> dict[str, Any]:
        """What ``baocao units import --json`` prints."""
        return {
            "provinces": self.provinces, "communes": self.communes, "hamlets": self.hamlets,
            "created": len(self.created), "unchanged": self.unchanged, "updated": len(self.updated),
            "retired": len(self.retired), "to_retire": self.to_retire, "new_communes": self.new_communes,
            "saved": self.saved, "errors": [e.as_json() for e in self.errors],
        }


def _province_error(text: str, row: int, column: str) -> SheetError | OfficialProvince:
    match = find_province(text)
    if match.province is not None:
        return match.province
    if match.now_part_of is not None:
        return SheetError(row, column, _(
            "“{name}” was merged into {province} on 01/07/2025: type “{short}”.").format(
            name=text, province=match.now_part_of.full_name, short=match.now_part_of.name))
    if match.suggestions:
        return SheetError(row, column, _(
            "There is no province “{name}” in the official list (34 provinces from 01/07/2025). Did you mean: "
            "{suggestions}?").format(name=text, suggestions=", ".join(match.suggestions)))
    return SheetError(row, column, _(
        "There is no province “{name}” in the official list (34 provinces from 01/07/2025): type its name, "
        "e.g. Nghệ An.").format(name=text))


def _commune_error(text: str, province: OfficialProvince, row: int, column: str) -> SheetError | OfficialCommune:
    match = find_commune(text, province)
    if match.commune is not None:
        return match.commune
    if match.ambiguous:
        return SheetError(row, column, _("“{name}” is the name of {names}: write which one.").format(
            name=text, names=" / ".join(match.suggestions)))
    if match.elsewhere:
        other = match.elsewhere[0]
        return SheetError(row, column, _(
            "“{name}” is not in {province}: {commune} belongs to {other}. Check the province or the commune."
        ).format(name=text, province=province.full_name, commune=other.name,
                 other=province_by_code(other.province_code).full_name))
    if match.suggestions:
        return SheetError(row, column, _(
            "{province} has no commune “{name}” in the list from 01/07/2025 (communes merged then have new "
            "names). Did you mean: {suggestions}?").format(
            province=province.full_name, name=text, suggestions=", ".join(match.suggestions)))
    return SheetError(row, column, _(
        "{province} has no commune “{name}” in the list from 01/07/2025: type the commune's name after the "
        "merger.").format(province=province.full_name, name=text))


def place_rows(sheet: Sheet) -> tuple[list[PlacedRow], list[SheetError]]:
    """Match every row's province and commune to the official list and find hamlets listed twice."""
    errors = list(sheet.errors)
    placed: list[PlacedRow] = []
    seen: dict[tuple[int, str], int] = {}
    for row in sheet.rows:
        province = _province_error(row.province, row.row, sheet.headers["province"])
        if isinstance(province, SheetError):
            errors.append(province)
            continue
        commune = _commune_error(row.commune, province, row.row, sheet.headers["commune"])
        if isinstance(commune, SheetError):
            errors.append(commune)
            continue
        key = (commune.code, fold(row.hamlet))
        if key in seen:
            errors.append(SheetError(row.row, sheet.headers["hamlet"], _(
                "“{hamlet}” of {commune} is already on row {first}: delete one of the two rows.").format(
                hamlet=row.hamlet, commune=commune.name, first=seen[key])))
            continue
        seen[key] = row.row
        placed.append(PlacedRow(row, province, commune))
    errors.sort(key=lambda e: (e.row or 0))
    return placed, errors


def _new_unit(kind: str, name: str, parent: Unit | None, code: str | None = None,
              population: int | None = None) -> Unit:
    return Unit(kind=kind, name=name, folded_name=fold(name), parent_id=parent.id if parent else None,
                settings={}, official_code=code, population=population)


async def _area(session: AsyncSession, kind: str, code: str, name: str, parent: Unit | None) -> Unit | None:
    """The unit of an official area: by its code, else by its name (a unit made before codes were kept)."""
    found = (await session.execute(
        select(Unit).where(Unit.kind == kind, Unit.official_code == code).order_by(Unit.id)
    )).scalars().first()
    if found is not None:
        return found
    statement = select(Unit).where(Unit.kind == kind, Unit.folded_name == fold(name), Unit.official_code.is_(None))
    if parent is not None:
        statement = statement.where(Unit.parent_id == parent.id)
    return (await session.execute(statement.order_by(Unit.id))).scalars().first()


async def import_units(session: AsyncSession, sheet: Sheet, now: dt.datetime, *, dry_run: bool = False,
                       retire_missing: bool = False) -> ImportResult:
    """Import the checked sheet into ``session``: nothing is written when any row is wrong or on a dry run.

    The caller commits; hamlets missing from the sheet are only listed unless ``retire_missing``.
    """
    placed, errors = place_rows(sheet)
    result = ImportResult(
        provinces=len({p.province.code for p in placed}), communes=len({p.commune.code for p in placed}),
        hamlets=len(sheet.rows), errors=errors,
    )
    if errors:
        return result
    await hold_lock(session, UNITS_LOCK)
    write = not dry_run
    province_units: dict[int, Unit | None] = {}
    for item in placed:
        if item.province.code not in province_units:
            unit = await _area(session, "province", item.province.code_text, item.province.full_name, None)
            if unit is None and write:
                unit = _new_unit("province", item.province.full_name, None, item.province.code_text)
                session.add(unit)
                await session.flush()
            elif unit is not None and unit.official_code is None and write:
                unit.official_code = item.province.code_text
            province_units[item.province.code] = unit
    commune_units: dict[int, Unit | None] = {}
    indicator_spec = demo_data()["indicator_set"]
    commune_spec = demo_data()["commune_set"]
    for item in placed:
        if item.commune.code in commune_units:
            continue
        parent = province_units[item.province.code]
        commune = await _area(session, "commune", item.commune.code_text, item.commune.name, parent)
        if commune is None:
            result.new_communes.append(item.commune.name)
            if write:
                commune = _new_unit("commune", item.commune.name, parent, item.commune.code_text)
                session.add(commune)
                await session.flush()
                # A new commune reports with the default hamlet set from its first day (and the commune
                # police's), unless its province shaped that set: then it inherits the province's.
                for spec in (indicator_spec, commune_spec):
                    if parent is None or await owned_set(session, parent.id, spec["code"]) is None:
                        await add_indicator_set(session, commune, spec)
        elif commune.official_code is None and write:
            commune.official_code = item.commune.code_text
        commune_units[item.commune.code] = commune
    existing: dict[int, dict[str, Unit]] = {code: {} for code in commune_units}
    ids = {u.id: code for code, u in commune_units.items() if u is not None}
    if ids:
        for hamlet in (await session.execute(
            select(Unit).where(Unit.parent_id.in_(list(ids)), Unit.kind == "hamlet").order_by(Unit.id)
        )).scalars():
            existing[ids[hamlet.parent_id or 0]].setdefault(hamlet.folded_name, hamlet)
    listed: set[tuple[int, str]] = set()
    for item in placed:
        row = item.row
        key = fold(row.hamlet)
        listed.add((item.commune.code, key))
        known = existing[item.commune.code].get(key)
        if known is None:
            result.created.append(f"{row.hamlet} ({item.commune.name})")
            if write:
                session.add(_new_unit("hamlet", row.hamlet, commune_units[item.commune.code],
                                      population=row.population))
            continue
        changed = known.retired_at is not None or (row.population is not None and known.population != row.population)
        if not changed:
            result.unchanged += 1
            continue
        result.updated.append(f"{known.name} ({item.commune.name})")
        if write:
            known.retired_at = None  # listed again: back in use
            if row.population is not None:
                known.population = row.population
    for code, hamlets in existing.items():
        for key, hamlet in hamlets.items():
            if (code, key) in listed or hamlet.retired_at is not None:
                continue
            owner = commune_units[code]
            label = f"{hamlet.name} ({owner.name if owner is not None else ''})"
            if retire_missing:
                result.retired.append(label)
                if write:
                    hamlet.retired_at = now  # retired, not deleted: its reports and members stay
            else:
                result.to_retire.append(label)
    if write:
        await session.flush()
    result.saved = write
    return result

"""Importing the hamlet sheet on SQLite and PostgreSQL: all or nothing, twice changes nothing, retire on request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.models import IndicatorSet, Unit
from storage.units_import import ImportResult, import_units
from storage.units_sheet import read_sheet
from tests.units.sheets import HEADER, QUY_HOP, write_csv

NOW = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)


async def _import(engine: AsyncEngine, path: Path, **options: bool) -> ImportResult:
    async with session_factory(engine)() as session, session.begin():
        result = await import_units(session, read_sheet(path), NOW, **options)
        if not result.saved:
            await session.rollback()
    return result


async def _units(engine: AsyncEngine) -> list[tuple[str, str, str | None, int | None, bool]]:
    async with session_factory(engine)() as session:
        rows = (await session.execute(select(Unit).order_by(Unit.id))).scalars()
        return [(u.kind, u.name, u.official_code, u.population, u.retired_at is not None) for u in rows]


def _sheet(tmp_path: Path, rows: Sequence[Sequence[str]], name: str = "s.csv") -> Path:
    return write_csv(tmp_path / name, [HEADER, *rows])


async def test_import_creates_official_units_and_the_default_set_then_changes_nothing(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = _sheet(tmp_path, QUY_HOP)
    first = await _import(engine, path)
    assert first.errors == [] and first.saved
    assert (first.provinces, first.communes, first.hamlets, len(first.created)) == (1, 1, 3, 3)
    assert first.new_communes == ["Xã Quỳ Hợp"]
    units = await _units(engine)
    assert units == [
        ("province", "Tỉnh Nghệ An", "40", None, False), ("commune", "Xã Quỳ Hợp", "17035", None, False),
        ("hamlet", "Xóm Đồng Tâm", None, 1250, False), ("hamlet", "Bản Mới", None, 830, False),
        ("hamlet", "Xóm 5", None, None, False),
    ]
    async with session_factory(engine)() as session:
        sets = (await session.execute(select(IndicatorSet.code, IndicatorSet.unit_kind))).all()
    # The hamlets' set and the commune police's own (issue 14).
    assert sorted(tuple(s) for s in sets) == [("thon_thang", "hamlet"), ("xa_thang", "police")]
    again = await _import(engine, path)
    assert again.as_json() == {
        "provinces": 1, "communes": 1, "hamlets": 3, "created": 0, "unchanged": 3, "updated": 0, "retired": 0,
        "to_retire": [], "new_communes": [], "saved": True, "errors": [],
    }
    assert await _units(engine) == units


async def test_spelling_without_diacritics_finds_the_same_units(engine: AsyncEngine, tmp_path: Path) -> None:
    await _import(engine, _sheet(tmp_path, QUY_HOP))
    ascii_rows = [["nghe an", "xa quy hop", "xom dong tam", "", ""], ["Nghe An", "Quy Hop", "Ban Moi", "", ""]]
    result = await _import(engine, _sheet(tmp_path, ascii_rows, "ascii.csv"))
    assert (len(result.created), result.unchanged, result.to_retire) == (0, 2, ["Xóm 5 (Xã Quỳ Hợp)"])


async def test_a_missing_hamlet_is_retired_only_with_the_flag_and_comes_back(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await _import(engine, _sheet(tmp_path, QUY_HOP))
    shorter = _sheet(tmp_path, QUY_HOP[:2], "shorter.csv")
    kept = await _import(engine, shorter)
    assert kept.to_retire == ["Xóm 5 (Xã Quỳ Hợp)"] and kept.retired == []
    assert not any(retired for *_, retired in await _units(engine))
    dry = await _import(engine, shorter, retire_missing=True, dry_run=True)
    assert dry.retired == ["Xóm 5 (Xã Quỳ Hợp)"] and not dry.saved
    assert not any(retired for *_, retired in await _units(engine))
    done = await _import(engine, shorter, retire_missing=True)
    assert done.retired == ["Xóm 5 (Xã Quỳ Hợp)"]
    assert [name for _, name, *_, retired in await _units(engine) if retired] == ["Xóm 5"]
    assert (await _import(engine, shorter, retire_missing=True)).retired == []  # already retired
    back = await _import(engine, _sheet(tmp_path, QUY_HOP, "full.csv"))
    assert back.updated == ["Xóm 5 (Xã Quỳ Hợp)"] and not any(r for *_, r in await _units(engine))


async def test_one_wrong_row_saves_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    rows = [*QUY_HOP, ["Nghệ An", "Phường Hoàn Kiếm", "Tổ dân phố 1", "", ""]]
    result = await _import(engine, _sheet(tmp_path, rows))
    assert [(e.row, e.column) for e in result.errors] == [(5, "Xã/Phường")]
    assert "không thuộc Tỉnh Nghệ An" in result.errors[0].message and "Thành phố Hà Nội" in result.errors[0].message
    assert not result.saved and await _units(engine) == []


async def test_the_same_hamlet_twice_an_old_province_and_an_unknown_commune(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    rows = [*QUY_HOP, ["Nghệ An", "Quỳ Hợp", "xom dong tam", "", ""], ["Hà Giang", "Xã Lũng Cú", "Thôn Lô Lô", "", ""],
            ["Nghệ An", "Xã Quỳ Hợp Mới", "Xóm 1", "", ""]]
    errors = (await _import(engine, _sheet(tmp_path, rows))).errors
    assert [(e.row, e.column) for e in errors] == [(5, "Thôn/Xóm/Bản/Tổ dân phố"), (6, "Tỉnh"), (7, "Xã/Phường")]
    assert "dòng 2" in errors[0].message
    assert "Tuyên Quang" in errors[1].message
    assert "Xã Quỳ Hợp" in errors[2].message
    assert await _units(engine) == []


async def test_a_unit_made_before_codes_gets_its_code(engine: AsyncEngine, tmp_path: Path) -> None:
    async with session_factory(engine)() as session, session.begin():
        province = Unit(kind="province", name="Tỉnh Nghệ An", folded_name="tinh nghe an", settings={})
        session.add(province)
        await session.flush()
        session.add(Unit(kind="commune", name="Xã Quỳ Hợp", folded_name="xa quy hop", parent_id=province.id,
                         settings={}))
    result = await _import(engine, _sheet(tmp_path, QUY_HOP))
    assert result.new_communes == []
    async with session_factory(engine)() as session:
        codes = (await session.execute(select(Unit.official_code).where(Unit.kind != "hamlet").order_by(Unit.id)))
        assert list(codes.scalars()) == ["40", "17035"]
        assert await session.scalar(select(func.count()).select_from(Unit)) == 5

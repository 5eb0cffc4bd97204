"""``baocao indicators export`` / ``import`` on SQLite and PostgreSQL: the preview asks nothing, --dry-run and a
run without --yes save nothing, --yes saves the next version, a bad sheet exits 1; a province's import
reaches the communes that inherit its set."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import parser
from bot.cli_indicators import run_export, run_import
from storage.db import create_engine, session_factory
from storage.indicator_sheet import read_sheet
from storage.models import IndicatorSet, Unit
from storage.reports import indicator_set_for
from tests.core.chat import Clock, demo
from tests.indicators.edit import NEW_QUESTION, edited, row_of, the_usual_edit


async def _versions(engine: AsyncEngine, owner_kind: str = "commune") -> list[int]:
    async with session_factory(engine)() as session:
        rows = await session.execute(select(IndicatorSet.version).join(Unit, Unit.id == IndicatorSet.owner_id)
                                     .where(IndicatorSet.code == "thon_thang", Unit.kind == owner_kind)
                                     .order_by(IndicatorSet.version))
        return list(rows.scalars())


def _args(*argv: str) -> argparse.Namespace:
    return parser().parse_args(["indicators", *argv])


async def test_export_edit_dry_run_preview_then_yes(engine: AsyncEngine, db_url: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    await demo(engine, Clock())
    out = tmp_path / "chi-tieu.xlsx"
    assert await run_export(create_engine(db_url), _args("export", "--area", "na khuong", "-o", str(out))) == 0
    assert "phiên bản 1" in capsys.readouterr().out and read_sheet(out.read_bytes()).problems == []
    out.write_bytes(edited(out.read_bytes(), the_usual_edit))
    for flags in (["--dry-run"], []):
        code = await run_import(create_engine(db_url), _args("import", "--area", "Nà Khuông", str(out), *flags))
        printed = capsys.readouterr().out
        assert code == 0 and "Thêm: xet_nghiem" in printed and "Thôi dùng" in printed
        assert ("Chạy thử: chưa lưu gì." if flags else "--yes") in printed
        assert await _versions(engine) == [1]
    assert await run_import(create_engine(db_url), _args("import", "--area", "Nà Khuông", str(out), "--yes")) == 0
    assert "Đã lưu thành phiên bản 2." in capsys.readouterr().out
    assert await _versions(engine) == [1, 2]
    # The same file again: nothing to save, not a third version.
    assert await run_import(create_engine(db_url), _args("import", "--area", "Nà Khuông", str(out), "--yes")) == 0
    assert "không có gì để lưu" in capsys.readouterr().out
    assert await _versions(engine) == [1, 2]


async def test_a_bad_sheet_exits_1_and_saves_nothing(engine: AsyncEngine, db_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    await demo(engine, Clock())
    out = tmp_path / "chi-tieu.xlsx"
    await run_export(create_engine(db_url), _args("export", "--area", "na khuong", "-o", str(out)))
    out.write_bytes(edited(out.read_bytes(), lambda s: setattr(s.cell(row_of(s, "su_dung"), 1), "value", "nghien")))
    capsys.readouterr()
    assert await run_import(create_engine(db_url), _args("import", "--area", "na khuong", str(out), "--yes")) == 1
    assert "mã “nghien” đã dùng ở dòng 2" in capsys.readouterr().out
    text = tmp_path / "chi-tieu.txt"
    text.write_text("code;question\n")
    assert await run_import(create_engine(db_url), _args("import", "--area", "na khuong", str(text), "--yes")) == 1
    assert "không phải bảng tính Excel" in capsys.readouterr().out
    assert await _versions(engine) == [1]


async def test_a_province_import_reaches_the_communes_that_inherit_it(engine: AsyncEngine, db_url: str,
                                                                      tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    sessions, _summary = await demo(engine, Clock())
    async with sessions() as session, session.begin():
        # A commune set up without a set of its own, beside the demo commune (which keeps its own).
        commune = (await session.execute(select(Unit).where(Unit.kind == "commune"))).scalar_one()
        new_commune = Unit(kind="commune", name="Xã Mới", folded_name="xa moi", parent_id=commune.parent_id,
                           settings={})
        session.add(new_commune)
        await session.flush()
        hamlet = Unit(kind="hamlet", name="Thôn Một", folded_name="thon mot", parent_id=new_commune.id, settings={})
        session.add(hamlet)
        province = await session.get(Unit, commune.parent_id)
        assert province is not None
    out = tmp_path / "tinh.xlsx"
    assert await run_export(create_engine(db_url), _args("export", "--area", province.name, "-o", str(out))) == 0
    out.write_bytes(edited(out.read_bytes(), the_usual_edit))
    capsys.readouterr()
    assert await run_import(create_engine(db_url), _args("import", "--area", province.name, str(out), "--yes")) == 0
    printed = capsys.readouterr().out
    assert "Áp dụng cho 1 xã chưa có bộ riêng; 1 xã giữ bộ riêng của mình." in printed
    assert await _versions(engine, "province") == [1]
    async with sessions() as session:
        found = await indicator_set_for(session, hamlet)
        kept = await indicator_set_for(session, (await session.execute(
            select(Unit).where(Unit.name == "Bản Khe Ló"))).scalar_one())
    assert found is not None and found[0].owner_id == province.id
    assert NEW_QUESTION in [i.question for i in found[1]]
    assert kept is not None and kept[0].owner_id == commune.id and NEW_QUESTION not in [i.question for i in kept[1]]

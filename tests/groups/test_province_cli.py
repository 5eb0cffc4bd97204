"""``baocao summary --area <province>``: the province summary of communes (text, chart, workbook); ``--hamlets``
keeps the roll-up of every hamlet; ``baocao province-invite`` prints a province leader's invite code."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli_groups import main
from storage.calendar import TZ
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from tests.groups.province import OFFICER_NAME, build_province

pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


def _database(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    async def build() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            async with session_factory(engine)() as session, session.begin():
                await build_province(session)
        finally:
            await engine.dispose()

    asyncio.run(build())
    return url


def test_summary_of_a_province_is_its_communes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str],
                                               pin_clock: Callable[[dt.datetime], None]) -> None:
    monkeypatch.setenv("DATABASE_URL", _database(tmp_path))
    pin_clock(NOW)
    png, xlsx = tmp_path / "p.png", tmp_path / "p.xlsx"
    assert main(["summary", "--area", "tinh thu nghiem", "--period", "2026-11", "--text", "--png", str(png),
                 "--xlsx", str(xlsx)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Báo cáo của các xã tháng 11/2026 — Tỉnh Thử Nghiệm") and OFFICER_NAME in out, out
    assert png.read_bytes()[:4] == b"\x89PNG"
    cells = {c for row in load_workbook(io.BytesIO(xlsx.read_bytes())).active.iter_rows(values_only=True)
             for c in row if c is not None}
    assert {"Xã A", "Xã B", "Xã C", "Xã D", 30} <= cells
    assert main(["summary", "--area", "tinh thu nghiem", "--period", "2026-11", "--hamlets"]) == 0
    assert capsys.readouterr().out.startswith("Tổng hợp báo cáo tháng 11/2026 — Tỉnh Thử Nghiệm")
    assert main(["province-invite", "--area", "tinh thu nghiem"]) == 0
    assert "/start " in capsys.readouterr().out

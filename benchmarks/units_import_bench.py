"""How long importing all hamlets of a province takes: a generated sheet of 100 communes × 30 hamlets.

The communes are real (the first 100 of Nghệ An in the official list); the hamlets are "Xóm 1" … "Xóm 30"
with a population. The sheet is written as .xlsx, read and checked (``read_sheet``), then imported
(``import_units``: official matching, 100 new communes each with the default indicator set, 3,000 hamlets)
into a fresh SQLite file and a fresh PostgreSQL database (127.0.0.1, created here, dropped afterwards);
then imported a second time (nothing changes) to time the re-import.

Run: ``.venv/bin/python -m benchmarks.units_import_bench [--communes 100] [--hamlets 30] [--province "Nghệ An"]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.official_units import communes_of, find_province
from storage.units_import import ImportResult, import_units
from storage.units_sheet import Sheet, read_sheet

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
HEADER = ["Tỉnh", "Xã/Phường", "Thôn/Xóm/Bản/Tổ dân phố", "Loại", "Dân số"]


def make_sheet(path: Path, province_name: str, communes: int, hamlets: int) -> Path:
    """Write the generated sheet: ``communes`` real communes of the province, ``hamlets`` hamlets each."""
    province = find_province(province_name).province
    assert province is not None, province_name
    chosen = communes_of(province)[:communes]
    assert len(chosen) == communes, f"{province.name} has only {len(chosen)} communes"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for commune in chosen:
        for number in range(1, hamlets + 1):
            sheet.append([province.name, commune.name, f"Xóm {number}", "", 300 + 7 * number])
    book.save(path)
    return path


async def _import_once(url: str, sheet: Sheet) -> tuple[float, ImportResult]:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        started = time.perf_counter()
        async with session_factory(engine)() as session, session.begin():
            result = await import_units(session, sheet, dt.datetime.now(dt.UTC))
        return time.perf_counter() - started, result
    finally:
        await engine.dispose()


async def _both(label: str, url: str, sheet: Sheet) -> None:
    first, result = await _import_once(url, sheet)
    assert not result.errors and len(result.created) == len(sheet.rows), result.errors[:3]
    second, again = await _import_once(url, sheet)
    assert again.unchanged == len(sheet.rows) and not again.created
    print(f"{label:<11} import {first:6.2f} s ({len(result.created)} hamlets, {len(result.new_communes)} communes)"
          f"   re-import {second:6.2f} s (unchanged {again.unchanged})")


async def main(communes: int, hamlets: int, province: str) -> None:
    """Generate, read and import the sheet into SQLite and PostgreSQL, printing the times."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = make_sheet(Path(folder) / "units.xlsx", province, communes, hamlets)
        written = time.perf_counter() - started
        started = time.perf_counter()
        sheet = read_sheet(path)
        read = time.perf_counter() - started
        assert not sheet.errors, sheet.errors[:3]
        print(f"sheet       {communes} communes × {hamlets} hamlets of {province}: written {written:.2f} s, "
              f"read and checked {read:.2f} s ({len(sheet.rows)} rows)")
        await _both("SQLite", f"sqlite+aiosqlite:///{folder}/bench.db", sheet)
    name = f"baocao_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await _both("PostgreSQL", f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", sheet)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--hamlets", type=int, default=30)
    parser.add_argument("--province", default="Nghệ An")
    options = parser.parse_args()
    asyncio.run(main(options.communes, options.hamlets, options.province))

"""How long the province summary of communes takes, and a province tick, on PostgreSQL.

On a scratch PostgreSQL database (127.0.0.1, created here, dropped afterwards): one province of 500
communes, each with its police agency, the commune police's set (14 figures), 13 months of commune
reports (every tenth commune misses the last month), a population, and a registered officer; a
province leaders' group. Then times ``build_province_summary`` for a month and a quarter, its text,
PNG and .xlsx, and ``province_tick`` on a day with nothing due and on the day after the deadline.

Run: ``.venv/bin/python -m benchmarks.province_bench [--communes 500] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import insert, select

from handlers.province_excel import province_xlsx
from handlers.province_reminders import province_tick
from handlers.province_render import province_png, province_text
from handlers.province_summary import build_province_summary
from locales.i18n import set_language
from storage.calendar import TZ
from storage.db import create_engine, session_factory
from storage.demo import demo_data
from storage.migrate import upgrade
from storage.models import (
    GroupBinding,
    Identity,
    Indicator,
    IndicatorSet,
    Membership,
    Period,
    Person,
    Report,
    ReportValue,
    Unit,
)
from storage.periods import get_or_create_period, parse_period

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
MONTHS = [f"{2025 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in range(11, 24)]  # 2025-11 … 2026-11


async def _load(url: str, communes: int) -> None:
    engine = create_engine(url)
    rng = random.Random(7)
    spec = demo_data()["commune_set"]
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            province = Unit(kind="province", name="Tỉnh Đo", folded_name="tinh do", settings={})
            session.add(province)
            await session.flush()
            periods: dict[str, Period] = {code: await get_or_create_period(session, code) for code in MONTHS}
            base = 1_000_000
            units, sets, indicators, reports, values = [], [], [], [], []
            people, identities, memberships = [], [], []
            codes = [item["code"] for item in spec["indicators"]]
            for n in range(communes):
                commune_id, police_id, set_id = base + 2 * n, base + 2 * n + 1, base + n
                units.append({"id": commune_id, "parent_id": province.id, "kind": "commune", "name": f"Xã {n}",
                              "folded_name": f"xa {n}", "settings": {}, "population": rng.randint(3000, 20000)})
                units.append({"id": police_id, "parent_id": commune_id, "kind": "agency", "name": "Công an xã",
                              "folded_name": "cong an xa", "settings": {}})
                sets.append({"id": set_id, "owner_id": commune_id, "code": spec["code"], "name": spec["name"],
                             "unit_kind": spec["unit_kind"], "period_kind": spec["period_kind"]})
                for position, item in enumerate(spec["indicators"], start=1):
                    indicators.append({"id": set_id * 100 + position, "set_id": set_id, "position": position,
                                       "code": item["code"], "label": item["label"], "question": item["question"],
                                       "measure": item.get("measure", ""), "kind": item.get("kind", "count"),
                                       "required": True, "rules": item.get("rules", {})})
                if n % 10 == 0:
                    people.append({"id": base + n, "display_name": f"Cán bộ {n}", "language": "vi"})
                    identities.append({"person_id": base + n, "transport": "telegram", "external_id": str(base + n)})
                    memberships.append({"person_id": base + n, "unit_id": police_id, "role": "officer"})
                for month_index, code in enumerate(MONTHS):
                    if n % 10 == 0 and month_index == len(MONTHS) - 1:
                        continue
                    report_id = (set_id * 100 + month_index) * 10
                    filed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
                    reports.append({"id": report_id, "unit_id": police_id, "set_id": set_id,
                                    "period_id": periods[code].id, "submitted_at": filed, "updated_at": filed})
                    for position, _code in enumerate(codes, start=1):
                        values.append({"report_id": report_id, "indicator_id": set_id * 100 + position,
                                       "value": rng.randint(0, 30)})
            for table, rows in ((Unit, units), (IndicatorSet, sets), (Indicator, indicators), (Person, people),
                                (Identity, identities), (Membership, memberships), (Report, reports)):
                for start in range(0, len(rows), 5000):
                    await session.execute(insert(table), rows[start:start + 5000])
            for start in range(0, len(values), 5000):
                await session.execute(insert(ReportValue), values[start:start + 5000])
            session.add(GroupBinding(transport="telegram", chat_id="-9", unit_id=province.id, purpose="province"))
        print(f"loaded {communes} communes, {len(reports)} commune reports, {len(values)} values")
    finally:
        await engine.dispose()


async def _time(label: str, repeat: int, action: Callable[[], Awaitable[Any]]) -> Any:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await action()
        times.append(time.perf_counter() - start)
    print(f"{label:<44} median {statistics.median(times) * 1000:8.0f} ms  (min {min(times) * 1000:.0f})")
    return result


async def _run(communes: int, repeat: int) -> None:
    name = f"baocao_pbench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**PG, database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    try:
        await _load(url, communes)
        engine = create_engine(url)
        sessions = session_factory(engine)
        set_language("vi")
        try:
            async with sessions() as session:
                province = await session.scalar(select(Unit).where(Unit.kind == "province"))
                assert province is not None
                for code in ("2026-11", "2026-Q4", "2026"):
                    async def build(code: str = code) -> Any:
                        return await build_province_summary(session, province, parse_period(code), NOW)
                    summary = await _time(f"province summary {code}", repeat, build)
            print(f"  ({summary.reported}/{len(summary.communes)} communes reported)")
            async with sessions() as session:
                month = await build_province_summary(session, province, parse_period("2026-11"), NOW)

            async def text() -> str:
                return province_text(month)

            async def png() -> bytes:
                return province_png(month)

            async def xlsx() -> bytes:
                return province_xlsx(month)

            await _time("text", repeat, text)
            await _time("png", repeat, png)
            await _time("xlsx", repeat, xlsx)
            quiet = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ).astimezone(dt.UTC)
            await _time("province tick, nothing due", repeat, lambda: province_tick(sessions, quiet))
            due = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ).astimezone(dt.UTC)
            await _time("province tick, the day after the deadline", 1, lambda: province_tick(sessions, due))
        finally:
            await engine.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--communes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(_run(args.communes, args.repeat))


if __name__ == "__main__":
    main()

"""How long a summary takes for a commune and for a province, and how long a broadcast to 3,321 groups takes.

On a scratch PostgreSQL database (127.0.0.1, created here, dropped afterwards) it loads, with COPY:
- one commune of 54 hamlets with 24 months of reports (12 indicators each);
- one province of 500 communes × 40 hamlets with 13 months of reports (enough for the previous period
  and the same period last year);
then times ``build_summary`` (every SQL GROUP BY of a summary: totals, previous period, same period
last year, per hamlet, 12 months of history, notes) and the text/PNG/xlsx rendering. Finally it
writes one reminder row for each of 3,321 groups and times the real ``OutboxSender`` (real rate
limiter at Telegram's limits, real database, an in-process Deliver that answers at once) until every
row is marked sent, against the limit's own bound of 3,321 / 30 s.

Province and district summaries read ``area_totals`` (filled here by ``storage.rollups.rebuild``, as
data loaded by COPY bypasses ``save_report``); each province figure is printed twice, "direct" (every
report value summed, ``build_summary(rollup=False)``, the path before the roll-up) and "area_totals".
``--national`` also loads a country of 34 provinces, 3,321 communes × 27 hamlets, 24 months of reports
(written by PostgreSQL itself, 24 million values), times its summary both ways and a scheduler tick over
every commune.

Run: ``.venv/bin/python -m benchmarks.groups_bench [--groups 3321] [--repeat 5] [--national]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import delete, func, select

from benchmarks.openpyxl_summary_excel import summary_xlsx as openpyxl_summary_xlsx
from bot.rate_limit import RateLimiter
from bot.scheduler import Scheduler
from bot.sender import OutboxSender
from handlers.province_excel import province_xlsx
from handlers.province_render import province_details, province_text
from handlers.province_summary import build_province_summary
from handlers.summaries import (
    Summary,
    _hamlets_not_on_time,
    _hamlets_with_reports,
    build_summary,
    sub_periods,
    summary_change_note,
)
from handlers.summary_chart import summary_png
from handlers.summary_excel import summary_xlsx
from handlers.summary_render import summary_text
from locales.i18n import set_language
from storage.calendar import TZ, calendar_for
from storage.db import create_engine, session_factory
from storage.demo import demo_data
from storage.indicator_sets import rows_of, save_version, versions_used
from storage.migrate import upgrade
from storage.models import AreaTotal, IndicatorSet, OutboxMessage, Unit
from storage.periods import months_in, parse_period
from storage.reporting_scope import hamlet_set
from storage.rollups import rebuild

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=TZ).astimezone(dt.UTC)


class Loader:
    """Writes units, sets, reports and values with COPY, handing out ids itself."""

    def __init__(self, conn: asyncpg.Connection, months: dict[str, int]) -> None:
        self.conn = conn
        self.months = months  # period code -> id
        self.next_id = {"units": 1, "indicator_sets": 1, "indicators": 1, "reports": 1, "report_values": 1}
        self.rng = random.Random(1)
        self.spec = demo_data()["indicator_set"]

    def ids(self, table: str, n: int) -> range:
        start = self.next_id[table]
        self.next_id[table] += n
        return range(start, start + n)

    async def area(self, parent: int | None, communes: int, hamlets: int, months: list[str]) -> tuple[int, list[int]]:
        """Load a province (or one commune when ``communes`` is 0) and its reports; return its id."""
        units: list[tuple[Any, ...]] = []
        sets: list[tuple[Any, ...]] = []
        indicators: list[tuple[Any, ...]] = []
        reports: list[tuple[Any, ...]] = []
        values: list[tuple[Any, ...]] = []
        codes = [i for i in self.spec["indicators"] if i.get("kind", "count") != "text"]
        top_id = self.ids("units", 1)[0]
        if communes:
            units.append((top_id, parent, "province", f"Tỉnh Đo {top_id}", f"tinh do {top_id}", "{}"))
            commune_ids = list(self.ids("units", communes))
            units += [(c, top_id, "commune", f"Xã Đo {c}", f"xa do {c}", "{}") for c in commune_ids]
        else:
            units.append((top_id, parent, "commune", f"Xã Đo {top_id}", f"xa do {top_id}", "{}"))
            commune_ids = [top_id]
        at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for commune in commune_ids:
            set_id = self.ids("indicator_sets", 1)[0]
            sets.append((set_id, commune, self.spec["code"], self.spec["name"], "hamlet", "month"))
            ind_ids = list(self.ids("indicators", len(codes)))
            for position, (ind_id, item) in enumerate(zip(ind_ids, codes, strict=True), start=1):
                indicators.append((ind_id, set_id, position, item["code"], item["label"], item.get("label_en"),
                                   item["question"], item.get("question_en"), item.get("measure", ""),
                                   "count", True, "{}"))
            hamlet_ids = list(self.ids("units", hamlets))
            units += [(h, commune, "hamlet", f"Xóm {i}", f"xom {i}", "{}") for i, h in enumerate(hamlet_ids, 1)]
            for hamlet in hamlet_ids:
                for month in months:
                    if self.rng.random() < 0.05:
                        continue  # about one report in twenty is missing
                    report_id = self.ids("reports", 1)[0]
                    note = "Thiếu kinh phí tuyên truyền" if self.rng.random() < 0.02 else None
                    reports.append((report_id, hamlet, set_id, self.months[month], 1, at, at, note))
                    for ind_id in ind_ids:
                        values.append((self.ids("report_values", 1)[0], report_id, ind_id, self.rng.randint(0, 30)))
        units_cols = ["id", "parent_id", "kind", "name", "folded_name", "settings"]
        await self.conn.copy_records_to_table("units", records=units, columns=units_cols)
        await self.conn.copy_records_to_table(
            "indicator_sets", records=sets, columns=["id", "owner_id", "code", "name", "unit_kind", "period_kind"])
        await self.conn.copy_records_to_table("indicators", records=indicators, columns=[
            "id", "set_id", "position", "code", "label", "label_en", "question", "question_en", "measure", "kind",
            "required", "rules"])
        await self.conn.copy_records_to_table("reports", records=reports, columns=[
            "id", "unit_id", "set_id", "period_id", "revision", "submitted_at", "updated_at", "note"])
        await self.conn.copy_records_to_table(
            "report_values", records=values, columns=["id", "report_id", "indicator_id", "value"])
        print(f"  loaded {len(units):,} units, {len(reports):,} reports, {len(values):,} values")
        return top_id, commune_ids


    async def national(self, provinces: int, communes: int, hamlets: int, months: list[str]) -> int:
        """Load a country (in SQL, server side: 24 million values are too many to send from here)."""
        codes = [i["code"] for i in self.spec["indicators"] if i.get("kind", "count") != "text"]
        u0 = self.ids("units", 1 + provinces + communes + communes * hamlets)[0]
        first_commune, first_hamlet = u0 + 1 + provinces, u0 + 1 + provinces + communes
        s0 = self.ids("indicator_sets", communes)[0]
        i0 = self.ids("indicators", communes * len(codes))[0]
        r0 = self.ids("reports", communes * hamlets * len(months))[0]
        v0 = self.ids("report_values", communes * hamlets * len(months) * len(codes))[0]
        month_ids = [self.months[m] for m in months]
        at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        # Each commune's police agency files the commune's report, one a month: what the province summary
        # of communes reads (about one in thirty missing, a different month for each commune).
        police = demo_data()["commune_set"]
        pcodes = [i["code"] for i in police["indicators"]]
        pkinds = [i.get("kind", "count") for i in police["indicators"]]
        prules = [json.dumps(i.get("rules", {})) for i in police["indicators"]]
        a0 = self.ids("units", communes)[0]
        ps0 = self.ids("indicator_sets", communes)[0]
        pi0 = self.ids("indicators", communes * len(pcodes))[0]
        pr0 = self.ids("reports", communes * len(months))[0]
        pv0 = self.ids("report_values", communes * len(months) * len(pcodes))[0]
        police_sql = [
            ("INSERT INTO units (id, parent_id, kind, name, folded_name, settings) "
             "SELECT $1 + c, $2 + c, 'agency', 'Công an xã', 'cong an xa', '{}' FROM generate_series(0, $3 - 1) c",
             (a0, first_commune, communes)),
            ("UPDATE units SET population = 3000 + (id * 37) % 17000 WHERE id >= $1 AND id < $1 + $2",
             (first_commune, communes)),
            ("INSERT INTO indicator_sets (id, owner_id, code, name, unit_kind, period_kind) "
             "SELECT $1 + c, $2 + c, $3, $4, $5, $6 FROM generate_series(0, $7 - 1) c",
             (ps0, first_commune, police["code"], police["name"], police["unit_kind"], police["period_kind"],
              communes)),
            ("INSERT INTO indicators (id, set_id, position, code, label, question, measure, kind, required, rules) "
             "SELECT $1 + c * $2 + k, $3 + c, k + 1, ($4::text[])[k + 1], ($4::text[])[k + 1], "
             "($4::text[])[k + 1] || '?', '', ($5::text[])[k + 1], true, ($6::text[])[k + 1]::json "
             "FROM generate_series(0, $7 - 1) c, generate_series(0, $2 - 1) k",
             (pi0, len(pcodes), ps0, pcodes, pkinds, prules, communes)),
            ("INSERT INTO reports (id, unit_id, set_id, period_id, revision, submitted_at, updated_at) "
             "SELECT $1 + c * $2 + m, $3 + c, $4 + c, ($5::int[])[m + 1], 1, $6, $6 "
             "FROM generate_series(0, $7 - 1) c, generate_series(0, $2 - 1) m WHERE (c * 7 + m * 11) % 30 <> 0",
             (pr0, len(months), a0, ps0, month_ids, at, communes)),
            ("INSERT INTO report_values (id, report_id, indicator_id, value) "
             "SELECT $1 + (r.id - $2) * $3 + k, r.id, $4 + (r.set_id - $5) * $3 + k, floor(random() * 31)::int "
             "FROM reports r, generate_series(0, $3 - 1) k WHERE r.id >= $2",
             (pv0, pr0, len(pcodes), pi0, ps0)),
        ]
        sql = [
            ("INSERT INTO units (id, parent_id, kind, name, folded_name, settings) "
             "VALUES ($1, NULL, 'country', 'Việt Nam', 'viet nam', '{}')", (u0,)),
            ("INSERT INTO units (id, parent_id, kind, name, folded_name, settings) "
             "SELECT $1 + p, $2, 'province', 'Tỉnh Quốc ' || p, 'tinh quoc ' || p, '{}' "
             "FROM generate_series(1, $3) p", (u0, u0, provinces)),
            ("INSERT INTO units (id, parent_id, kind, name, folded_name, settings) "
             "SELECT $1 + c, $2 + 1 + c % $3, 'commune', 'Xã Quốc ' || c, 'xa quoc ' || c, '{}' "
             "FROM generate_series(0, $4 - 1) c", (first_commune, u0, provinces, communes)),
            ("INSERT INTO units (id, parent_id, kind, name, folded_name, settings) "
             "SELECT $1 + h, $2 + h / $3, 'hamlet', 'Thôn ' || (h % $3 + 1), 'thon ' || (h % $3 + 1), '{}' "
             "FROM generate_series(0, $4 - 1) h", (first_hamlet, first_commune, hamlets, communes * hamlets)),
            ("INSERT INTO indicator_sets (id, owner_id, code, name, unit_kind, period_kind) "
             "SELECT $1 + c, $2 + c, $3, $4, 'hamlet', 'month' FROM generate_series(0, $5 - 1) c",
             (s0, first_commune, self.spec["code"], self.spec["name"], communes)),
            ("INSERT INTO indicators (id, set_id, position, code, label, question, measure, kind, required, rules) "
             "SELECT $1 + c * $2 + k, $3 + c, k + 1, ($4::text[])[k + 1], ($4::text[])[k + 1], "
             "($4::text[])[k + 1] || '?', '', 'count', true, '{}' "
             "FROM generate_series(0, $5 - 1) c, generate_series(0, $2 - 1) k",
             (i0, len(codes), s0, codes, communes)),
            # About one report in twenty missing, as in ``area``; values 0–30 from a seeded random().
            ("INSERT INTO reports (id, unit_id, set_id, period_id, revision, submitted_at, updated_at) "
             "SELECT $1 + h * $2 + m, $3 + h, $4 + h / $5, ($6::int[])[m + 1], 1, $7, $7 "
             "FROM generate_series(0, $8 - 1) h, generate_series(0, $2 - 1) m WHERE (h * 31 + m * 17) % 20 <> 0",
             (r0, len(months), first_hamlet, s0, hamlets, month_ids, at, communes * hamlets)),
            ("SELECT setseed(0.14)", ()),
            ("INSERT INTO report_values (id, report_id, indicator_id, value) "
             "SELECT $1 + (r.id - $2) * $3 + k, r.id, $4 + (r.set_id - $5) * $3 + k, floor(random() * 31)::int "
             "FROM reports r, generate_series(0, $3 - 1) k WHERE r.id >= $2",
             (v0, r0, len(codes), i0, s0)),
            *police_sql,  # after the hamlets' values: that statement takes every report from r0 on
        ]
        # 24 million values: their foreign keys, unique constraint and indexes are built once afterwards
        # (as a restore does) rather than checked and maintained row by row; the schema ends the same.
        constraints = await self.conn.fetch(
            "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
            "WHERE conrelid = 'report_values'::regclass AND contype IN ('u', 'f')")
        indexes = await self.conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'report_values' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'report_values'::regclass)")
        for row in constraints:
            await self.conn.execute(f'ALTER TABLE report_values DROP CONSTRAINT "{row["conname"]}"')
        for row in indexes:
            await self.conn.execute(f'DROP INDEX "{row["indexname"]}"')
        for statement, args in sql:
            await self.conn.execute(statement, *args)
        for row in indexes:
            await self.conn.execute(row["indexdef"])
        for row in constraints:
            await self.conn.execute(f'ALTER TABLE report_values ADD CONSTRAINT "{row["conname"]}" {row["definition"]}')
        print(f"  loaded {1 + provinces + 2 * communes + communes * hamlets:,} units, "
              f"{await self.conn.fetchval('SELECT count(*) FROM reports WHERE id >= $1 AND id < $2', r0, pr0):,} "
              f"hamlet reports, "
              f"{await self.conn.fetchval('SELECT count(*) FROM reports WHERE id >= $1', pr0):,} commune reports")
        return u0


async def timed(label: str, repeat: int, work: Callable[[], Awaitable[Any]]) -> Any:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await work()
        samples.append(time.perf_counter() - start)
    print(f"  {label}: median {statistics.median(samples) * 1000:,.0f} ms, "
          f"min {min(samples) * 1000:,.0f} ms (n={repeat})")
    return result


async def bench(url: str, raw_dsn: dict[str, Any], groups: int, repeat: int, national: bool) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    sessions = session_factory(engine)
    set_language("vi")
    conn = await asyncpg.connect(**raw_dsn)
    try:
        month_codes = [m.code for y in ("2024", "2025", "2026") for m in months_in(parse_period(y))]
        month_codes = month_codes[month_codes.index("2024-12"): month_codes.index("2026-11") + 1]
        periods = []
        for i, code in enumerate(month_codes, start=1):
            spec = parse_period(code)
            periods.append((i, spec.code, spec.kind, spec.year, spec.number, spec.starts_on, spec.ends_on))
        await conn.copy_records_to_table("periods", records=periods,
                                         columns=["id", "code", "kind", "year", "number", "starts_on", "ends_on"])
        loader = Loader(conn, {code: i for i, code, *_rest in periods})
        print("commune: 54 hamlets × 24 months")
        commune_id, _c = await loader.area(None, 0, 54, month_codes)
        print("province: 500 communes × 40 hamlets × 13 months")
        t0 = time.perf_counter()
        province_id, province_communes = await loader.area(None, 500, 40, month_codes[-13:])
        print(f"  (load took {time.perf_counter() - t0:,.0f} s)")
        country_id = None
        if national:
            print("country: 34 provinces, 3,321 communes × 27 hamlets × 24 months")
            t0 = time.perf_counter()
            country_id = await loader.national(34, 3321, 27, month_codes)
            print(f"  (load took {time.perf_counter() - t0:,.0f} s)")
        for table in ("units", "periods", "indicator_sets", "indicators", "reports", "report_values"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
        # Every commune of the province has a hamlets' group and a leaders' group.
        bindings = [(i + 1, "telegram", str(-2_000_000 - i), commune, purpose, "vi", NOW)
                    for i, (commune, purpose) in enumerate(
                        (c, p) for c in province_communes for p in ("hamlets", "leaders"))]
        await conn.copy_records_to_table("group_bindings", records=bindings, columns=[
            "id", "transport", "chat_id", "unit_id", "purpose", "language", "bound_at"])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    start = time.perf_counter()
    async with sessions() as session, session.begin():
        await rebuild(session)
    async with sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(AreaTotal))
    print(f"area_totals rebuilt from every report: {rows:,} rows in {time.perf_counter() - start:,.1f} s")
    async with engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE area_totals")

    areas = [("commune (54 hamlets, 24 months)", commune_id), ("province (500 communes × 40 hamlets)", province_id)]
    if country_id is not None:
        areas.append(("country (34 provinces, 3,321 communes × 27 hamlets, 24 months)", country_id))
    for label, area_id in areas:
        print(label)
        async with sessions() as session:
            area = await session.get(Unit, area_id)
            assert area is not None
            # A commune is always summed from its reports; a province or a country both ways.
            ways = [("SQL", False)] if area.kind == "commune" else [("direct", False), ("area_totals", True)]
            huge = area.kind == "country"
            summary: Summary | None = None
            for way, rollup in ways:
                # The direct sums of a country take seconds each: once is enough to compare.
                times = 1 if huge and not rollup else repeat

                async def text_only(area: Unit = area, session: Any = session, rollup: bool = rollup) -> Summary:
                    return await build_summary(session, area, parse_period("2026-11"), NOW, per_hamlet_values=False,
                                               rollup=rollup)

                text_summary = await timed(f"summary 2026-11 for text and chart ({way})", times, text_only)

                async def quarter_text(area: Unit = area, session: Any = session, rollup: bool = rollup) -> Summary:
                    return await build_summary(session, area, parse_period("2026-Q3"), NOW, per_hamlet_values=False,
                                               rollup=rollup)

                await timed(f"summary 2026-Q3 for text and chart ({way})", times, quarter_text)
                if huge:
                    summary = text_summary
                    continue

                async def one(area: Unit = area, session: Any = session, rollup: bool = rollup) -> Summary:
                    return await build_summary(session, area, parse_period("2026-11"), NOW, rollup=rollup)

                summary = await timed(f"summary 2026-11 with per-hamlet figures ({way})", times, one)

                async def quarter(area: Unit = area, session: Any = session, rollup: bool = rollup) -> Summary:
                    return await build_summary(session, area, parse_period("2026-Q3"), NOW, rollup=rollup)

                await timed(f"summary 2026-Q3 with per-hamlet figures ({way})", times, quarter)
                print(f"  ({way}) reported {summary.reported:,}/{summary.expected:,}; "
                      f"nghien total {summary.totals.get('nghien'):,}")
        assert summary is not None
        if huge:
            print(f"  reported {summary.reported:,}/{summary.expected:,}; "
                  f"nghien total {summary.totals.get('nghien'):,}")
            await country_extras(sessions, area_id, repeat)
            continue

        async def render(summary: Summary = summary) -> None:
            summary_text(summary)

        await timed("text", repeat, render)

        async def png(summary: Summary = summary) -> None:
            summary_png(summary)

        await timed("PNG", max(1, repeat // 2), png)

        async def xlsx(summary: Summary = summary) -> None:
            summary_xlsx(summary)

        await timed("xlsx", 1, xlsx)

        async def old_xlsx(summary: Summary = summary) -> None:
            openpyxl_summary_xlsx(summary)

        await timed("xlsx as before (openpyxl, every cell styled)", 1, old_xlsx)

    async with sessions() as session:
        communes = await session.scalar(select(func.count()).select_from(Unit).where(Unit.kind == "commune"))
    print(f"scheduler tick over all {communes:,} communes (500 with a hamlets' group)")
    moments = [("a day with nothing due (10/11 08:00)", dt.datetime(2026, 11, 10, 8, 0))]
    if country_id is None:
        # With a country loaded every commune has a reminder due on those days: not what is measured.
        moments += [("a reminder day, first tick (22/11 08:00)", dt.datetime(2026, 11, 22, 8, 0)),
                    ("the same day, next minute (22/11 08:01)", dt.datetime(2026, 11, 22, 8, 1))]
    for label, local_moment in moments:
        moment = local_moment.replace(tzinfo=TZ).astimezone(dt.UTC)
        start = time.perf_counter()
        written = await Scheduler(sessions).tick(moment)
        print(f"  {label}: {time.perf_counter() - start:,.3f} s, {written:,} rows written")
    async with sessions() as session, session.begin():
        await session.execute(delete(OutboxMessage))
    print(f"sender: one reminder to each of {groups:,} groups, Telegram limits (30/s, 1/s per chat, 20/min per group)")
    async with sessions() as session, session.begin():
        session.add_all(
            OutboxMessage(transport="telegram", chat_id=str(-1_000_000 - i), chat_type="group",
                          text="Nhắc việc: hạn nộp báo cáo tháng 11/2026 là ngày 25/11/2026.",
                          dedupe_key=f"bench:{i}")
            for i in range(groups)
        )
    delivered: list[float] = []

    async def deliver(message: OutboxMessage) -> str:
        delivered.append(time.monotonic())
        return str(len(delivered))

    sender = OutboxSender(sessions, deliver, RateLimiter())
    start = time.perf_counter()
    stats = await sender.drain(timeout=3600)
    elapsed = time.perf_counter() - start
    bound = groups / 30
    print(f"  sent {stats.sent:,} (pending {await sender.pending()}) in {elapsed:,.1f} s; "
          f"the limit's bound is {bound:,.1f} s ({elapsed / bound:.3f}× the bound); "
          f"peak in any 1 s window: {max_in_window(delivered, 1.0)} messages")
    await engine.dispose()


async def country_extras(sessions: Any, area_id: int, repeat: int) -> None:
    """The country's hamlet statuses both ways, the change note's query, and the province summary of
    communes over the country's 3,321 communes."""
    async with sessions() as session:
        area = await session.get(Unit, area_id)
        assert area is not None
        for code in ("2026-11", "2026-Q3"):
            period = parse_period(code)
            set_row = await hamlet_set(session, area)
            assert set_row is not None
            subs = sub_periods(period, set_row.period_kind)
            rules = await calendar_for(session, area)
            ends = {p.code: rules.deadline_end(p) for p in subs}

            async def every_hamlet(subs: list[Any] = subs, code_: str = set_row.code) -> Any:
                return await _hamlets_with_reports(session, area_id, code_, subs, defaultdict(list))

            async def counted(subs: list[Any] = subs, code_: str = set_row.code, ends: Any = ends) -> Any:
                return await _hamlets_not_on_time(session, area_id, code_, subs, subs, ends)

            await timed(f"hamlet statuses {code}: a row per hamlet-period, as before", repeat, every_hamlet)
            listed, on_time = await timed(f"hamlet statuses {code}: one GROUP BY, late/missing listed", repeat,
                                          counted)
            print(f"    {len(listed):,} hamlets listed, {on_time:,} on time counted")

            async def uses(subs: list[Any] = subs, code_: str = set_row.code) -> Any:
                return await versions_used(session, area_id, [p.code for p in subs], code_)

            found = await timed(f"versions_used {code} (the change note's query, whole country)", repeat, uses)
            print(f"    {len(found)} (period, version) rows, {sum(u.reports for u in found):,} reports")

            async def note(subs: list[Any] = subs, code_: str = set_row.code) -> Any:
                return await summary_change_note(session, area_id, code_, subs)

            await timed(f"summary_change_note {code} (no set has a 2nd version)", repeat, note)
    async with sessions() as session:
        # One commune saves a second version of its set (rolled back after): the note then counts that
        # commune's reports by version, not the country's.
        area = await session.get(Unit, area_id)
        assert area is not None
        set_row = await hamlet_set(session, area)
        assert set_row is not None
        base = await session.scalar(select(IndicatorSet).where(IndicatorSet.code == set_row.code)
                                    .order_by(IndicatorSet.id).limit(1))
        assert base is not None
        owner = await session.get(Unit, base.owner_id)
        assert owner is not None
        await save_version(session, owner, base, await rows_of(session, base.id))
        quarter = sub_periods(parse_period("2026-Q3"), set_row.period_kind)

        async def revised(code_: str = set_row.code) -> Any:
            return await summary_change_note(session, area_id, code_, quarter)

        await timed("summary_change_note 2026-Q3 (one commune has a 2nd version)", repeat, revised)
        await session.rollback()
    print("country: province summary of communes (3,321 communes, their police reports)")
    async with sessions() as session:
        area = await session.get(Unit, area_id)
        assert area is not None
        communes_summary = None
        for code in ("2026-11", "2026-Q3", "2026"):
            async def build(code: str = code) -> Any:
                return await build_province_summary(session, area, parse_period(code), NOW)

            communes_summary = await timed(f"build_province_summary {code}", repeat, build)
        assert communes_summary is not None
        print(f"    (2026: {communes_summary.reported:,}/{len(communes_summary.communes):,} communes reported)")
        month = await build_province_summary(session, area, parse_period("2026-11"), NOW)
        print(f"    (2026-11: {month.reported:,}/{len(month.communes):,} communes reported)")

        async def text(month: Any = month) -> None:
            province_text(month)
            province_details(month)

        await timed("text and details", repeat, text)

        async def workbook(month: Any = month) -> None:
            province_xlsx(month)

        await timed("xlsx", 1, workbook)


def max_in_window(times: list[float], window: float) -> int:
    """The largest number of deliveries inside any ``window`` seconds."""
    best, left = 0, 0
    for right, moment in enumerate(times):
        while moment - times[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--groups", type=int, default=3321)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (to EXPLAIN queries)")
    parser.add_argument("--national", action="store_true",
                        help="also a country of 34 provinces, 3,321 communes × 27 hamlets, 24 months")
    args = parser.parse_args()
    name = f"baocao_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database="postgres", **PG)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        url = f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        await bench(url, {"database": name, **PG}, args.groups, args.repeat, args.national)
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            admin = await asyncpg.connect(database="postgres", **PG)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())

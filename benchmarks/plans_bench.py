"""Benchmark (not a test): import time of each seed, and the time of one answer with all five imported.

Run: ``.venv/bin/python benchmarks/plans_bench.py [--rounds N]``. Targets: import < 1 s per plan,
p99 < 5 ms per answer (in-process, in-memory SQLite, the same path the bot takes).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

from handlers.questions import Asker, answer_question
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models.units import Unit
from storage.plans import find_or_create_area, parse_plan, read_text, save_plan

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EXTRA_QUESTIONS = [
    "TYT xã làm gì",
    "CA xã phụ trách gì",
    "xom toi phai lam gi",
    "chỉ tiêu methadone năm nay bao nhiêu?",
    "khi nào nộp báo cáo quý?",
    "ai chủ trì tiểu dự án 4",
    "Sở Y tế được giao nhiệm vụ gì",
    "hôm nay trời đẹp quá",
    "giúp",
]


async def main(rounds: int) -> None:
    """Import the seeds, then time answers."""
    engine = create_engine("sqlite+aiosqlite://")
    await upgrade(engine)
    sessions = session_factory(engine)
    print("import (parse + save), seconds:")
    areas: dict[str, int] = {}
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        start = time.perf_counter()
        parsed = parse_plan(read_text(path), path.name)
        parsed_at = time.perf_counter()
        async with sessions() as session, session.begin():
            area = await find_or_create_area(session, parsed.area_name or path.stem)
            await save_plan(session, parsed, area)
            areas[path.name] = area.id
        end = time.perf_counter()
        print(f"  {path.name}: {end - start:.3f} (parse {parsed_at - start:.3f}, save {end - parsed_at:.3f})")
    async with sessions() as session, session.begin():
        hamlet = Unit(
            kind="hamlet", name="Xóm Tân Lập", folded_name="xom tan lap", parent_id=areas["000_3afe9e87286c643e.txt"]
        )
        session.add(hamlet)
        await session.flush()
        hamlet_id = hamlet.id
    questions = [json.loads(line)["q"] for line in (SHARED / "eval" / "questions-dev.jsonl").read_text().splitlines()]
    questions += EXTRA_QUESTIONS
    askers = [Asker(None, "leader"), Asker(hamlet_id, "leader")]
    today = dt.date(2026, 11, 23)
    async with sessions() as session:
        await answer_question(session, "giúp", askers[0], today)  # warm the plan snapshot
    times: list[float] = []
    cpu: list[float] = []
    for _round in range(rounds):
        for q in questions:
            for asker in askers:
                async with sessions() as session:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    await answer_question(session, q, asker, today)
                    times.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
    for label, values in (("wall", times), ("cpu, all threads of this process", cpu)):
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(
            f"answers ({label}): {len(values)}; median {statistics.median(values) * 1000:.2f} ms; "
            f"p99 {p99 * 1000:.2f} ms; max {values[-1] * 1000:.2f} ms"
        )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores (other work on the machine inflates wall times)")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(main(parser.parse_args().rounds))

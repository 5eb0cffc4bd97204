"""How long one report step takes in-process, and how that compares with aiogram's bare echo.

For SQLite (a temp file) and PostgreSQL (a scratch database on 127.0.0.1, dropped afterwards) it
measures, in one run:
- core: ``Core.handle`` for one answer of the report dialog (lock, load state, check, save, commit);
- aiogram+core: the same step fed to aiogram's real Dispatcher as an ``Update`` (parsing, dispatch,
  our transport, the database transaction, the reply through a fake Bot API session);
- aiogram echo: the same Dispatcher machinery with a bare handler that replies with the text.
It prints median and p99 of each and the ratio of the full step to the bare echo.

Run: ``.venv/bin/python -m benchmarks.report_step [--steps 400]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.types import Message

from bot.transports.aiogram_transport import build_dispatcher
from handlers.dispatch import Core
from storage.db import create_engine
from storage.migrate import upgrade
from tests.core.chat import Clock, User, code_of, demo
from tests.core.fakes import RecordingSession, Telegram

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def percentile(samples: list[float], q: float) -> float:
    """Return the ``q`` quantile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(steps: int, step: Callable[[int], Awaitable[None]]) -> list[float]:
    """Run one path ``steps`` times after a warm-up; durations in ms."""
    return (await interleaved(steps, {"path": step}))["path"]


async def interleaved(steps: int, paths: dict[str, Callable[[int], Awaitable[None]]]) -> dict[str, list[float]]:
    """Run every path once per round, ``steps`` rounds after a warm-up, so that the machine's drift
    (other processes, checkpoints, autovacuum) weighs on each path alike; durations in ms."""
    for i in range(100):
        for step in paths.values():
            await step(i)
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for i in range(steps):
        for name, step in paths.items():
            started = time.perf_counter()
            await step(i)
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def answers(i: int) -> str:
    # Alternate an answer and "back": every step loads, checks and saves the dialog state.
    return "3" if i % 2 == 0 else "quay lại"


async def bench_backend(url: str, steps: int) -> dict[str, list[float]]:
    engine = create_engine(url)
    await upgrade(engine)
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    code = code_of(summary, "Bản Khe Ló")
    user = User(core, "9001")
    await user.say(f"/start {code}")
    await user.say("báo cáo")

    async def core_step(i: int) -> None:
        await user.say(answers(i))

    session = RecordingSession()
    bot = Bot(token="42:BENCH", session=session)
    dispatcher = build_dispatcher(core)
    telegram = Telegram(9002)
    await dispatcher.feed_update(bot, telegram.text(f"/start {code_of(summary, 'Bản Nà Pục')}"))
    await dispatcher.feed_update(bot, telegram.text("báo cáo"))

    async def aiogram_step(i: int) -> None:
        await dispatcher.feed_update(bot, telegram.text(answers(i)))

    echo = Dispatcher()

    async def on_message(message: Message, bot: Bot) -> None:
        await bot.send_message(message.chat.id, message.text or "")

    echo.message.register(on_message)
    echo_user = Telegram(9003)

    async def echo_step(i: int) -> None:
        await echo.feed_update(bot, echo_user.text(answers(i)))

    results = await interleaved(steps, {"core": core_step, "aiogram+core": aiogram_step,
                                        "aiogram echo": echo_step})
    await engine.dispose()
    return results


async def main(steps: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        backends = {"SQLite": f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"}
        name = f"baocao_bench_{uuid.uuid4().hex[:8]}"
        try:
            conn = await asyncpg.connect(database="postgres", **PG)  # type: ignore[arg-type]
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()
            backends["PostgreSQL"] = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        except OSError as error:
            print(f"PostgreSQL not reachable ({error}); SQLite only", file=sys.stderr)
        try:
            print(f"{'backend':<11} {'path':<14} {'median ms':>10} {'p99 ms':>8}")
            for backend, url in backends.items():
                results = await bench_backend(url, steps)
                for path, samples in results.items():
                    print(f"{backend:<11} {path:<14} {statistics.median(samples):>10.3f} "
                          f"{percentile(samples, 0.99):>8.3f}")
                ratio = statistics.median(results["aiogram+core"]) / statistics.median(results["aiogram echo"])
                print(f"{backend:<11} ratio full step / bare echo (medians): {ratio:.2f}x")
        finally:
            if "PostgreSQL" in backends:
                conn = await asyncpg.connect(database="postgres", **PG)  # type: ignore[arg-type]
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    sys.exit(asyncio.run(main(parser.parse_args().steps)))

"""How long one report step takes in-process, against each framework's bare echo with reply.

For SQLite (a temp file) and PostgreSQL (a scratch database on 127.0.0.1, dropped afterwards) it
measures, in one run, each framework's paths interleaved (every path once per round, so that the
machine's drift weighs on a full step and its echo alike):
- core: ``Core.handle`` for one answer of the report dialog (read the state, check the answer,
  store the state and claim the update, reply);
- aiogram+core / ptb+core: the same step fed to the framework's real Dispatcher / Application as
  an ``Update`` (parsing, dispatch, our transport, the database, the reply through an in-process
  Bot API);
- aiogram+locked / ptb+locked: the same, with the optimistic path off, so every step takes the
  lock for its whole transaction (what a step that saves a report or registers someone costs);
- aiogram echo / ptb echo: the same framework machinery with a bare handler that replies the text.
Each step alternates an answer and "quay lại", so every step loads, checks and saves the dialog.
It prints median and p99 per path and the ratios of full step to bare echo (medians).

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
from telegram import Update as PtbUpdate
from telegram.ext import ContextTypes, MessageHandler, filters

from benchmarks.ptb_inprocess import Updates, application, feed
from bot.transports.aiogram_transport import build_dispatcher
from bot.transports.ptb_transport import build_application
from handlers.dispatch import Core
from storage.db import create_engine
from storage.migrate import upgrade
from tests.core.chat import Clock, User, code_of, demo
from tests.core.fakes import RecordingSession, Telegram

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
Step = Callable[[int], Awaitable[None]]


def percentile(samples: list[float], q: float) -> float:
    """Return the ``q`` quantile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def interleaved(steps: int, paths: dict[str, Step]) -> dict[str, list[float]]:
    """Run every path once per round, ``steps`` rounds after a warm-up; durations in ms."""
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
    """The i-th message of a step: an answer, then "back" to the same question."""
    return "3" if i % 2 == 0 else "quay lại"


def expect_question(text: str, i: int) -> None:
    """Fail loudly if a step did not move the dialog (a redelivery, an error reply)."""
    wanted = "(2/13)" if i % 2 == 0 else "(1/13)"
    if wanted not in text:
        raise AssertionError(f"step {i} answered {text!r}, not question {wanted}")


async def aiogram_paths(core: Core, locked_core: Core, codes: list[str]) -> dict[str, Step]:
    """aiogram's full step (optimistic and locked) and its bare echo."""
    paths: dict[str, Step] = {}
    for name, handler, user_id, code in (("aiogram+core", core, 9002, codes[0]),
                                         ("aiogram+locked", locked_core, 9004, codes[1])):
        session = RecordingSession()
        bot = Bot(token="42:BENCH", session=session)
        dispatcher = build_dispatcher(handler)
        telegram = Telegram(user_id)
        await dispatcher.feed_update(bot, telegram.text(f"/start {code}"))
        await dispatcher.feed_update(bot, telegram.text("báo cáo"))

        async def step(i: int, d: Dispatcher = dispatcher, b: Bot = bot, t: Telegram = telegram,
                       s: RecordingSession = session) -> None:
            await d.feed_update(b, t.text(answers(i)))
            expect_question(s.sent_texts()[-1], i)

        paths[name] = step

    echo = Dispatcher()

    async def on_message(message: Message, bot: Bot) -> None:
        await bot.send_message(message.chat.id, message.text or "")

    echo.message.register(on_message)
    echo_user = Telegram(9003)
    echo_session = RecordingSession()
    echo_bot = Bot(token="42:BENCH", session=echo_session)

    async def echo_step(i: int) -> None:
        await echo.feed_update(echo_bot, echo_user.text(answers(i)))
        if echo_session.sent_texts()[-1] != answers(i):
            raise AssertionError("the echo did not reply")

    paths["aiogram echo"] = echo_step
    return paths


async def ptb_paths(core: Core, locked_core: Core, codes: list[str]) -> tuple[dict[str, Step], list[object]]:
    """PTB's full step (optimistic and locked) and its bare echo; also the apps to shut down."""
    paths: dict[str, Step] = {}
    apps: list[object] = []
    for name, handler, user_id, code in (("ptb+core", core, 9102, codes[2]),
                                         ("ptb+locked", locked_core, 9104, codes[3])):
        app, api = application()
        build_application(handler, app)
        await app.initialize()
        apps.append(app)
        user = Updates(user_id)
        await feed(app, user.text(f"/start {code}"))
        await feed(app, user.text("báo cáo"))

        async def step(i: int, a: object = app, u: Updates = user, sent: object = api) -> None:
            await feed(a, u.text(answers(i)))  # type: ignore[arg-type]
            expect_question(sent.last_text, i)  # type: ignore[attr-defined]

        paths[name] = step

    echo, echo_api = application()

    async def on_message(update: PtbUpdate, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await context.bot.send_message(update.message.chat.id, update.message.text or "")

    echo.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
    await echo.initialize()
    apps.append(echo)
    echo_user = Updates(9103)

    async def echo_step(i: int) -> None:
        await feed(echo, echo_user.text(answers(i)))
        if echo_api.last_text != answers(i):
            raise AssertionError("the echo did not reply")

    paths["ptb echo"] = echo_step
    return paths, apps


async def bench_backend(url: str, steps: int) -> dict[str, list[float]]:
    """Measure every path on one database."""
    engine = create_engine(url)
    await upgrade(engine)
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    locked_core = Core(sessions=sessions, clock=clock, optimistic=False)
    codes = [hamlet.invite_code for hamlet in summary.hamlets[1:5]]
    user = User(core, "9001")
    await user.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    await user.say("báo cáo")

    async def core_step(i: int) -> None:
        replies = await user.say(answers(i))
        expect_question(replies[-1].text, i)

    ptb, apps = await ptb_paths(core, locked_core, codes)
    aiogram = await aiogram_paths(core, locked_core, codes)
    try:
        # One group per framework: its full steps interleaved with its own echo (and the core alone
        # as the reference), so each ratio compares paths measured side by side.
        results = await interleaved(steps, {"core": core_step, **aiogram})
        return results | await interleaved(steps, ptb)
    finally:
        for app in apps:
            await app.shutdown()  # type: ignore[attr-defined]
        await engine.dispose()


async def main(steps: int) -> int:
    """Run on SQLite and (when reachable) PostgreSQL; print the table and the ratios."""
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
            print(f"{'backend':<11} {'path':<15} {'median ms':>10} {'p99 ms':>8}")
            for backend, url in backends.items():
                results = await bench_backend(url, steps)
                for path, samples in results.items():
                    print(f"{backend:<11} {path:<15} {statistics.median(samples):>10.3f} "
                          f"{percentile(samples, 0.99):>8.3f}")
                for framework in ("aiogram", "ptb"):
                    echo = statistics.median(results[f"{framework} echo"])
                    full = statistics.median(results[f"{framework}+core"]) / echo
                    locked = statistics.median(results[f"{framework}+locked"]) / echo
                    print(f"{backend:<11} {framework:<7} report step / bare echo (medians): {full:.2f}x "
                          f"(locked path: {locked:.2f}x)")
        finally:
            if "PostgreSQL" in backends:
                conn = await asyncpg.connect(database="postgres", **PG)  # type: ignore[arg-type]
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    sys.exit(asyncio.run(main(parser.parse_args().steps)))

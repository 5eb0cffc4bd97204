"""The python-telegram-bot half of the report-step benchmark (``benchmarks/report_step.py`` is aiogram's).

For SQLite (a temp file) and PostgreSQL (a scratch database on 127.0.0.1, dropped afterwards) it
measures, in one run:
- ptb+core: one answer of the report dialog fed to PTB's real Application as an ``Update`` (parsing,
  dispatch, our transport, the database transaction, the reply through an in-process Bot API);
- ptb echo: the same Application machinery with a bare handler that replies with the text.
It prints median and p99 of each and the ratio of the full step to the bare echo.

Run: ``.venv/bin/python -m benchmarks.ptb_report_step [--steps 400]``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from benchmarks.report_step import PG, answers, percentile, timed
from bot.transports.ptb_transport import PtbApplication, build_application
from handlers.dispatch import Core
from storage.db import create_engine
from storage.migrate import upgrade
from tests.core.chat import Clock, code_of, demo

TOKEN = "42:BENCH"


class InProcessApi(BaseRequest):
    """Answers the Bot API calls a step makes (getMe, sendMessage, answerCallbackQuery) without a network."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.sent = 0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No time-outs in-process."""
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Answer one call as Telegram would."""
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        result: Any
        if name == "getMe":
            result = {"id": 42, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif name == "sendMessage":
            self.sent += 1
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "text": params.get("text"),
                "chat": {"id": int(str(params["chat_id"])), "type": "private"},
            }
        elif name == "answerCallbackQuery":
            result = True
        else:
            raise AssertionError(f"unexpected Bot API call {name}")
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Updates:
    """Builds the JSON of text updates from one user in a private chat."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.ids = itertools.count(500)

    def text(self, text: str) -> dict[str, Any]:
        """One text message as Telegram sends it."""
        user = {"id": self.user_id, "is_bot": False, "first_name": "Cán bộ"}
        message: dict[str, Any] = {
            "message_id": next(self.ids),
            "date": int(time.time()),
            "text": text,
            "chat": {"id": self.user_id, "type": "private"},
            "from": user,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self.ids), "message": message}


def application() -> tuple[PtbApplication, InProcessApi]:
    """A PTB Application talking to the in-process API."""
    api = InProcessApi()
    app = Application.builder().token(TOKEN).request(api).get_updates_request(InProcessApi()).build()
    return app, api


async def feed(app: PtbApplication, data: dict[str, Any]) -> None:
    """Parse and process one update as the webhook does."""
    await app.process_update(Update.de_json(data, app.bot))


async def bench_backend(url: str, steps: int) -> dict[str, list[float]]:
    """Measure ptb+core and ptb echo on one database."""
    engine = create_engine(url)
    await upgrade(engine)
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    results: dict[str, list[float]] = {}

    app, api = application()
    build_application(core, app)
    await app.initialize()
    user = Updates(9102)
    await feed(app, user.text(f"/start {code_of(summary, 'Bản Nà Pục')}"))
    await feed(app, user.text("báo cáo"))

    async def full_step(i: int) -> None:
        await feed(app, user.text(answers(i)))

    results["ptb+core"] = await timed(steps, full_step)
    assert api.sent >= steps, "the steps sent no replies"
    await app.shutdown()

    echo, echo_api = application()

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await context.bot.send_message(update.message.chat.id, update.message.text or "")

    echo.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
    await echo.initialize()
    echo_user = Updates(9103)

    async def echo_step(i: int) -> None:
        await feed(echo, echo_user.text(answers(i)))

    results["ptb echo"] = await timed(steps, echo_step)
    assert echo_api.sent >= steps
    await echo.shutdown()
    await engine.dispose()
    return results


async def main(steps: int) -> int:
    """Run on SQLite and (when reachable) PostgreSQL; print the table and the ratios."""
    with tempfile.TemporaryDirectory() as folder:
        backends = {"SQLite": f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"}
        name = f"baocao_bench_{uuid.uuid4().hex[:8]}"
        try:
            conn = await asyncpg.connect(database="postgres", **PG)
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
                    print(
                        f"{backend:<11} {path:<14} {statistics.median(samples):>10.3f} "
                        f"{percentile(samples, 0.99):>8.3f}"
                    )
                ratio = statistics.median(results["ptb+core"]) / statistics.median(results["ptb echo"])
                print(f"{backend:<11} ratio full step / bare echo (medians): {ratio:.2f}x")
        finally:
            if "PostgreSQL" in backends:
                conn = await asyncpg.connect(database="postgres", **PG)
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    sys.exit(asyncio.run(main(parser.parse_args().steps)))

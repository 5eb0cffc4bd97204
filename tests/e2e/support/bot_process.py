"""Run the real bot (``baocao run``) as a subprocess against the emulator, on a database prepared by ``baocao demo``."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.support.client import Emulator
from tests.e2e.support.emulator import free_port

PG_HOST = os.environ.get("BAOCAO_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BAOCAO_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("BAOCAO_TEST_PG_USER", "postgres")
_HAMLET_LINE = re.compile(r"^\s{2}(\S.*?)\s{2,}([A-Z0-9]{6,})\s*$")
_CODE_AT_END = re.compile(r":\s*([A-Z0-9]{6,})\s*$")


def baocao_command() -> list[str]:
    """The installed ``baocao`` console script (``python -m bot`` where it is not installed)."""
    script = Path(sys.executable).parent / "baocao"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


@dataclass
class DemoCodes:
    """The invite codes ``baocao demo`` printed: one per hamlet, the leader's and the admin's."""

    hamlets: dict[str, str]
    leader: str
    admin: str


def parse_demo_output(output: str) -> DemoCodes:
    """Read the invite codes from ``baocao demo``'s output (hamlet lines, then the leader and admin lines)."""
    hamlets: dict[str, str] = {}
    others: list[str] = []
    for line in output.splitlines():
        hamlet = _HAMLET_LINE.match(line)
        if hamlet:
            hamlets[hamlet.group(1)] = hamlet.group(2)
            continue
        code = _CODE_AT_END.search(line)
        if code:
            others.append(code.group(1))
    if not hamlets or len(others) != 2:
        raise AssertionError(f"unexpected output of baocao demo:\n{output}")
    return DemoCodes(hamlets=hamlets, leader=others[0], admin=others[1])


@dataclass
class Database:
    """A database the bot runs on, with the demo commune loaded; ``query`` reads it back."""

    url: str
    codes: DemoCodes
    pg_name: str | None = None

    async def query(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run one SELECT and return its rows."""
        engine = create_async_engine(self.url)
        try:
            async with engine.connect() as conn:
                result = await conn.execute(text(sql), params)
                return [tuple(row) for row in result.all()]
        finally:
            await engine.dispose()

    async def report_values(self, unit: str, period: str) -> list[int | None]:
        """The stored values of ``unit``'s report for ``period``, in question order."""
        rows = await self.query(
            "SELECT v.value FROM reports r JOIN units u ON u.id = r.unit_id JOIN periods p ON p.id = r.period_id "
            "JOIN report_values v ON v.report_id = r.id JOIN indicators i ON i.id = v.indicator_id "
            "WHERE u.name = :unit AND p.code = :period ORDER BY i.position",
            unit=unit,
            period=period,
        )
        return [row[0] for row in rows]


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_database(kind: str, directory: Path, env: dict[str, str] | None = None) -> Database:
    """Create an empty database (a SQLite file, or a PostgreSQL database) and run ``baocao demo`` on it
    (with ``env`` added to its environment, e.g. ``BAOCAO_CLOCK``)."""
    pg_name = None
    if kind == "postgres":
        pg_name = f"baocao_e2e_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{pg_name}"
    else:
        url = f"sqlite+aiosqlite:///{directory / f'baocao-{uuid.uuid4().hex[:8]}.db'}"
    proc = await asyncio.create_subprocess_exec(
        *baocao_command(),
        "demo",
        cwd=directory,
        env={**os.environ, "DATABASE_URL": url, "BAOCAO_LANGUAGE": "vi", **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"baocao demo failed ({proc.returncode}):\n{err.decode()}")
    return Database(url=url, codes=parse_demo_output(out.decode()), pg_name=pg_name)


async def drop_database(db: Database) -> None:
    """Drop a PostgreSQL database made by ``create_database`` (SQLite files go with the temp dir)."""
    if db.pg_name:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{db.pg_name}" WITH (FORCE)')


@dataclass
class BotProcess:
    """One ``baocao run`` subprocess; its stderr goes to ``log_path``."""

    framework: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    webhook_url: str | None = None  # where this worker listens (not necessarily what Telegram calls)
    started_at: float = field(default_factory=time.monotonic)

    def log(self) -> str:
        """What the bot wrote on stderr so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        """Say whether the process is alive."""
        return self.proc.poll() is None

    @property
    def ready_method(self) -> str:
        """The Bot API call that shows the bot is up: it polls, or it registered its webhook."""
        return "setWebhook" if self.webhook_url else "getUpdates"

    # 90 s: a bot process imports aiogram (~2 s of CPU alone); on a 2-core machine running four test
    # workers and their bots it was seen to need more than 30 s. Waiting longer costs nothing when it starts.
    async def wait_ready(self, tg: Emulator, seen_before: int = 0, timeout: float = 90.0) -> None:
        """Wait until the bot makes its ``ready_method`` call (beyond ``seen_before`` earlier ones)."""
        method = self.ready_method
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise AssertionError(f"the {self.framework} bot exited ({self.proc.returncode}):\n{self.log()}")
            if len(await tg.calls(method)) > seen_before:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the {self.framework} bot did not call {method} within {timeout}s:\n{self.log()}")

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, as an operator stops it; SIGKILL if it does not exit in ``timeout``."""
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return int(self.proc.returncode)

    def kill(self) -> None:
        """``kill -9``: no chance to clean up."""
        if self.running:
            self.proc.kill()
            self.proc.wait(timeout=5)


class BotRunner:
    """Starts bot processes for one test and makes sure none outlives it."""

    def __init__(self, directory: Path, tg: Emulator) -> None:
        self.directory = directory
        self.tg = tg
        self.processes: list[BotProcess] = []
        self.databases: list[Database] = []

    async def database(self, kind: str = "sqlite", env: dict[str, str] | None = None) -> Database:
        """A fresh database of ``kind`` ("sqlite" or "postgres") with the demo commune (``baocao demo`` run
        with ``env`` added)."""
        db = await create_database(kind, self.directory, env)
        self.databases.append(db)
        return db

    async def start(
        self,
        framework: str,
        db: Database,
        api_url: str | None = None,
        webhook_secret: str | None = None,
        public_url: str | None = None,
        extra_env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> BotProcess:
        """Start ``baocao run --framework <framework>`` (``--webhook`` when a secret is given).

        The webhook listens on a free port; ``public_url`` is the URL registered with Telegram
        (a balancer in front of several workers), the worker's own URL by default.
        """
        env = {
            **os.environ,
            "BOT_TOKEN": self.tg.token,
            "BOT_API_URL": api_url or self.tg.url,
            "DATABASE_URL": db.url,
            "BAOCAO_LANGUAGE": "vi",
            "PYTHONUNBUFFERED": "1",
            # The bot runs on the real clock: without this a run at night (Vietnam time) holds every
            # push. test_reminder_waits_for_the_end_of_quiet_hours sets quiet hours on purpose.
            "BAOCAO_QUIET_HOURS": "off",
        }
        args = [*baocao_command(), "run", "--framework", framework]
        webhook_url = None
        if webhook_secret is not None:
            port = free_port()
            webhook_url = f"http://127.0.0.1:{port}/telegram"
            env.update(
                {
                    "WEBHOOK_URL": public_url or webhook_url,
                    "WEBHOOK_SECRET": webhook_secret,
                    "WEBHOOK_HOST": "127.0.0.1",
                    "WEBHOOK_PORT": str(port),
                }
            )
            args.append("--webhook")
        env.update(extra_env or {})
        log_path = self.directory / f"bot-{framework}-{len(self.processes)}.log"
        seen_before = len(await self.tg.calls("setWebhook" if webhook_url else "getUpdates"))
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(args, cwd=self.directory, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        bot = BotProcess(framework, proc, log_path, webhook_url)
        self.processes.append(bot)
        if wait:
            await bot.wait_ready(self.tg, seen_before)
        return bot

    async def close(self) -> None:
        """Stop every bot still running and drop the PostgreSQL databases."""
        for bot in self.processes:
            bot.stop(timeout=5)
        for db in self.databases:
            await drop_database(db)

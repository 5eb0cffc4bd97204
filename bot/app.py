"""The composition root: builds the engine, the sessions and the core from typed settings."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.background import Background, scheduler_tick, start_background
from bot.sender import Deliver
from bot.settings import Settings
from handlers.dispatch import Clock, Core, utc_now
from handlers.group_commands import group_command, make_code_command
from handlers.questions import question_handler
from handlers.report_status import report_question_handler
from storage import clock as program_clock
from storage.db import create_engine, session_factory
from storage.demo import DemoSummary, load_demo
from storage.migrate import upgrade
from storage.models import Unit


@dataclass
class App:
    """Everything one process runs on."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    core: Core

    async def start_background(self, transport: str, deliver: Deliver) -> Background:
        """Start the outbox sender and the scheduler tick of this process."""
        return start_background(self.sessions, transport, deliver, scheduler_tick(self.sessions, self.core.clock),
                                quiet_hours=self.settings.quiet_hours, now=self.core.clock)

    async def load_demo_if_empty(self) -> DemoSummary | None:
        """Load the demo commune into an empty database (the embedded default starts with it)."""
        async with self.sessions() as session, session.begin():
            count = (await session.execute(select(func.count()).select_from(Unit))).scalar_one()
            if count:
                return None
            now = self.core.clock()
            return await load_demo(session, now, now.astimezone(self.core.timezone).date())


@asynccontextmanager
async def build_app(settings: Settings, clock: Clock = utc_now, migrate: bool = True) -> AsyncIterator[App]:
    """Build the app, migrating the database first; dispose of the engine on exit."""
    if settings.clock_start is not None:
        program_clock.pin(settings.clock_start)
    engine = create_engine(settings.database_url)
    try:
        if migrate:
            await upgrade(engine)
        sessions = session_factory(engine)
        core = Core(sessions=sessions, timezone=ZoneInfo(settings.timezone), clock=clock,
                    questions=question_handler, group_handler=group_command,
                    extra_handlers=[make_code_command, report_question_handler])
        yield App(settings=settings, engine=engine, sessions=sessions, core=core)
    finally:
        await engine.dispose()


class RedactingFilter(logging.Filter):
    """Keep secrets (the bot tokens) out of every log line."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def setup_logging(settings: Settings, level: int = logging.INFO) -> None:
    """Log to stderr, with tokens redacted; message texts and notes are never logged by our code."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter([settings.bot_token or "", settings.zalo_bot_token or ""]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def today_in(settings: Settings, now: dt.datetime | None = None) -> dt.date:
    """Return today's date in the deployment's time zone."""
    return (now or program_clock.now()).astimezone(ZoneInfo(settings.timezone)).date()

"""The composition root: builds the engine, the sessions and the core from typed settings."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.background import Background, scheduler_tick, start_background
from bot.redaction import RedactingFilter
from bot.sender import Deliver
from bot.settings import Settings
from handlers.dispatch import Clock, Core, utc_now
from handlers.manage import manage_text_handler
from handlers.questions import question_handler
from handlers.report_status import report_question_handler
from storage import clock as program_clock
from storage.db import create_engine, session_factory
from storage.demo import DemoSummary, load_demo
from storage.migrate import DEMO_LOCK, hold_lock, upgrade
from storage.models import Unit


@dataclass
class App:
    """Everything one process runs on."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    core: Core

    async def start_background(self, transport: str, deliver: Deliver) -> Background:
        """Start the outbox sender and (unless ``BAOCAO_SCHEDULER=off``) the scheduler tick of this process."""
        tick = scheduler_tick(self.sessions, self.core.clock) if self.settings.scheduler else None
        return start_background(self.sessions, transport, deliver, tick,
                                quiet_hours=self.settings.quiet_hours, now=self.core.clock)

    async def load_demo_if_empty(self) -> DemoSummary | None:
        """Load the demo commune into an empty database (the embedded default starts with it)."""
        async with self.sessions() as session, session.begin():
            await hold_lock(session, DEMO_LOCK)  # another process starting now waits, then finds it loaded
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
                    questions=question_handler, extra_handlers=[report_question_handler, manage_text_handler])
        yield App(settings=settings, engine=engine, sessions=sessions, core=core)
    finally:
        await engine.dispose()


def _log_uncaught(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """Send an exception nobody caught through logging (and its redaction), not raw to stderr."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    logging.getLogger("baocao").critical("stopped by an uncaught error", exc_info=(kind, error, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


def setup_logging(settings: Settings, level: int = logging.INFO) -> None:
    """Log to stderr with secrets redacted; message texts and notes are never logged by our code.

    Uncaught exceptions and warnings go through the same handler, so a rejected token in a
    traceback is redacted too (httpx, PTB's client, logs every request URL, token included, at INFO).
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter([settings.bot_token or "", settings.zalo_bot_token or "",
                                       settings.webhook_secret or ""]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def today_in(settings: Settings, now: dt.datetime | None = None) -> dt.date:
    """Return today's date in the deployment's time zone."""
    return (now or program_clock.now()).astimezone(ZoneInfo(settings.timezone)).date()

"""The composition root: builds the engine, the sessions and the core from typed settings."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import quote, quote_plus
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
        """Start the outbox sender and the scheduler tick of this process."""
        return start_background(self.sessions, transport, deliver, scheduler_tick(self.sessions, self.core.clock),
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
                    questions=question_handler, group_handler=group_command,
                    extra_handlers=[make_code_command, report_question_handler])
        yield App(settings=settings, engine=engine, sessions=sessions, core=core)
    finally:
        await engine.dispose()


def secret_forms(secret: str) -> list[str]:
    """Every way ``secret`` may be written into a log line, longest first: as typed, URL-encoded
    (``%3A``, ``%3a``, ``+`` for spaces, encoded twice) and, for a token ``<id>:<secret>``, the
    secret part alone, which covers any spelling of the colon."""
    if not secret:
        return []
    forms = {secret}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        forms.update((encoded, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)))
        forms.add(quote(encoded, safe=""))
    _id, colon, tail = secret.partition(":")
    if colon and len(tail) >= 8:
        forms.add(tail)
    return sorted(forms, key=len, reverse=True)


class RedactingFilter(logging.Filter):
    """Keep secrets (the bot tokens, the webhook secret) out of every log line: the message, its
    arguments, the traceback of an exception (URLs in its text included) and the stack."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._forms = sorted({form for s in secrets if s for form in secret_forms(s)}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return ``text`` with every form of every secret replaced by ``***``."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drop it."""
        if not self._forms:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it; keep its parts from leaking at least
            message = f"{record.msg!r} {record.args!r}"
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatted here, once: the handler's formatter keeps an ``exc_text`` already set.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


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

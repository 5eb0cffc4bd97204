"""A test driver for the core: a fixed clock, the demo commune, and users who type or press buttons."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handlers.dispatch import Core
from locales.messages import Incoming, Reply
from storage import clock as program_clock
from storage.db import session_factory
from storage.demo import DemoSummary, load_demo

# 14:00 on 23/11/2026 in Vietnam: past the first days of the month, so no period question.
FIXED_NOW = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
_update_ids = itertools.count(1)


@dataclass
class Clock:
    """A clock the test moves by hand; it moves the program clock too, so the rows' timestamps (set by
    the models from ``storage.clock``) agree with what the core is told (never a fixed core beside the
    real date)."""

    now: dt.datetime = FIXED_NOW

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if name == "now" and isinstance(value, dt.datetime):
            program_clock.pin(None)
            program_clock.pin(value)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class User:
    """A user of one transport, talking to one core in a private chat."""

    core: Core
    user_id: str
    transport: str = "telegram"
    sent: list[Incoming] = field(default_factory=list)

    async def say(self, text: str) -> list[Reply]:
        """Type ``text``."""
        return await self.send(Incoming(self.transport, str(next(_update_ids)), self.user_id, self.user_id, text=text))

    async def press(self, data: str) -> list[Reply]:
        """Press the button whose data is ``data``."""
        return await self.send(Incoming(self.transport, str(next(_update_ids)), self.user_id, self.user_id,
                                        button=data))

    async def send(self, incoming: Incoming) -> list[Reply]:
        """Deliver an exact incoming event (used to redeliver one)."""
        self.sent.append(incoming)
        return await self.core.handle(incoming)


def texts(replies: list[Reply]) -> str:
    """All reply texts joined, for assertions."""
    return "\n".join(r.text for r in replies)


async def demo(engine: AsyncEngine, clock: Clock) -> tuple[async_sessionmaker[AsyncSession], DemoSummary]:
    """Load the demo commune at the fixed time."""
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        summary = await load_demo(session, clock(), dt.date(2026, 11, 23))
    return sessions, summary


def code_of(summary: DemoSummary, hamlet: str) -> str:
    """Return the reporter invite code of ``hamlet``."""
    return next(h.invite_code for h in summary.hamlets if h.name == hamlet)

"""The dialog engine's contract: a dialog is data plus step functions over a versioned state.

A step reads what it needs through ``Context`` and returns replies, the next state (``None`` when
the dialog ends) and effects. It never writes: the dispatcher, holding the lock on the state row,
applies the effects and saves the state in the same transaction (goflow's shape).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from locales.messages import Reply
from storage.cache import ConfigCache
from storage.people import Member


@dataclass(frozen=True)
class State:
    """Where a user is: dialog name, named step, payload version and payload."""

    dialog: str
    step: str
    data: dict[str, Any]
    version: int = 1


@dataclass(frozen=True)
class Context:
    """What a step may read: the session (reads only), who is writing, and the clock."""

    session: AsyncSession
    member: Member
    now: dt.datetime
    timezone: ZoneInfo
    cache: ConfigCache

    @property
    def local_now(self) -> dt.datetime:
        """Return the current moment in the commune's time zone."""
        return self.now.astimezone(self.timezone)


@dataclass(frozen=True)
class Effect:
    """A write a step asks for; the dispatcher performs it inside the unit of work."""


@dataclass
class Outcome:
    """The result of one step."""

    replies: list[Reply]
    state: State | None
    effects: list[Effect] = field(default_factory=list)


class Dialog(Protocol):
    """A multi-step dialog; ``version`` changes whenever the payload's shape does."""

    name: str
    version: int

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Begin the dialog (``argument`` is what followed the command, if anything)."""
        ...

    async def step(self, ctx: Context, state: State, answer: str, is_button: bool) -> Outcome:
        """Take one answer (typed text, or a button's data) in the current step."""
        ...

"""The dialog engine's contract: a dialog is data plus step functions over a versioned state.

The state is a named step (a string) and the dialog's typed payload (``conversations.payloads``); a
dialog's ``load`` reads a stored row back, upgrading a payload of an older version. A step reads what
it needs through ``Context`` and returns replies, the next state (``None`` when
the dialog ends) and effects. It never writes: the dispatcher, holding the lock on the state row,
applies the effects and saves the state in the same transaction (goflow's shape).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.payloads import Payload
from locales.messages import Reply
from storage.cache import ConfigCache
from storage.people import Member

P = TypeVar("P", bound=Payload)


@dataclass(frozen=True)
class State(Generic[P]):
    """Where a user is: dialog name, named step, payload and its version (``data.VERSION``)."""

    dialog: str
    step: str
    data: P
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
    state: State[Any] | None
    effects: list[Effect] = field(default_factory=list)


class Dialog(Protocol):
    """A multi-step dialog; ``version`` changes whenever the payload's shape does."""

    name: str
    version: int

    async def start(self, ctx: Context, argument: str) -> Outcome:
        """Begin the dialog (``argument`` is what followed the command, if anything)."""
        ...

    async def step(self, ctx: Context, state: State[Any], answer: str, is_button: bool) -> Outcome:
        """Take one answer (typed text, or a button's data) in the current step."""
        ...

    def load(self, step: str, version: int, stored: Mapping[str, Any]) -> State[Any]:
        """The state a stored row holds (its payload of ``version``, upgraded to the current one); raises
        ``PayloadUnreadable`` (drop the dialog) or ``PayloadTooNew`` (leave it for a newer bot)."""
        ...

"""The program's one clock: every "now" of the bot, its scheduler, sender, CLI and columns comes from here.

``BAOCAO_CLOCK`` (an ISO datetime with an offset, e.g. ``2026-12-01T08:00+07:00``) pins it: the
process starts at that moment and time then flows as usual from there, so a trainer can show "the
1st of the month" or a reminder morning, and the test suite can run as if it were 31 December at
23:59. Time keeps flowing (rather than standing still) because retries, leases and back-offs are
written as "now + n seconds" and must come due.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping

ENV_VAR = "BAOCAO_CLOCK"

Clock = Callable[[], dt.datetime]


class ClockError(ValueError):
    """``BAOCAO_CLOCK`` holds something that is not an ISO datetime with an offset."""


def parse_moment(text: str) -> dt.datetime:
    """Read an ISO datetime with an offset (``2026-12-31T23:59+07:00``); a naive one is refused."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise ClockError(f"{ENV_VAR}={text!r} is not an ISO datetime (e.g. 2026-12-01T08:00+07:00)") from error
    if moment.tzinfo is None:
        raise ClockError(f"{ENV_VAR}={text!r} has no UTC offset (e.g. 2026-12-01T08:00+07:00)")
    return moment.astimezone(dt.UTC)


class _ProgramClock:
    """Real time, or real time shifted so that the process starts at a pinned moment."""

    def __init__(self) -> None:
        self._anchor: tuple[dt.datetime, float] | None = None
        self._read_env = False

    def pin(self, moment: dt.datetime | None) -> None:
        """Make ``now()`` start at ``moment`` from this call on (``None``: real time again)."""
        self._read_env = True
        if moment is None:
            self._anchor = None
            return
        if moment.tzinfo is None:
            raise ClockError("a pinned moment needs a time zone")
        if self._anchor is not None and self._anchor[0] == moment:
            return  # pinned again at the same moment (a second app in one process): time goes on
        self._anchor = (moment.astimezone(dt.UTC), time.monotonic())

    def pin_from_env(self, env: Mapping[str, str] | None = None) -> dt.datetime | None:
        """Pin to ``BAOCAO_CLOCK`` when it is set; return the pinned moment (``None``: real time)."""
        value = (os.environ if env is None else env).get(ENV_VAR, "").strip()
        moment = parse_moment(value) if value else None
        self.pin(moment)
        return moment

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware, in UTC."""
        if not self._read_env:
            self.pin_from_env()
        if self._anchor is None:
            return dt.datetime.now(dt.UTC)
        start, started = self._anchor
        return start + dt.timedelta(seconds=time.monotonic() - started)

    @property
    def pinned(self) -> bool:
        """Whether the clock runs from a pinned moment."""
        if not self._read_env:
            self.pin_from_env()
        return self._anchor is not None


_CLOCK = _ProgramClock()


def now() -> dt.datetime:
    """The current moment in UTC, from the program's one clock."""
    return _CLOCK.now()


def pin(moment: dt.datetime | None) -> None:
    """Start the program clock at ``moment`` (``None``: back to real time)."""
    _CLOCK.pin(moment)


def pin_from_env(env: Mapping[str, str] | None = None) -> dt.datetime | None:
    """Pin the program clock to ``BAOCAO_CLOCK`` when set; return the moment or ``None``."""
    return _CLOCK.pin_from_env(env)


def is_pinned() -> bool:
    """Whether ``BAOCAO_CLOCK`` (or a test) pinned the clock."""
    return _CLOCK.pinned

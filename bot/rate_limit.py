"""Telegram's sending limits as slot reservations: ~30 msg/s in all, 1/s into a chat, 20/min into a group.

The sender asks when a chat is next free; if soon, it reserves a slot (global and per chat) and sleeps
until then. Slots are booked synchronously, so concurrent deliveries never overrun a limit. The
limiter is per process: several sender processes share the rate only through their number (run one
sender per bot token, or give each a share of ``per_second``).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# A second plus a little: the moment the transport really sends is a few microseconds after ours.
PACE_WINDOW = 1.01


@dataclass(frozen=True)
class Limits:
    """The limits to keep; the defaults are Telegram's published ones."""

    per_second: float = 30.0
    chat_interval: float = 1.0
    group_limit: int = 20
    group_window: float = 60.0


class RateLimiter:
    """Books sending slots so the global, per-chat and per-group limits all hold."""

    def __init__(self, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._next_global = 0.0
        self._last: dict[str, float] = {}
        self._group_slots: dict[str, deque[float]] = {}
        self._paused_until: dict[str, float] = {}
        # Actual send moments of the last ``per_second`` messages: a late wake-up (a busy event loop)
        # could otherwise bunch booked slots into more than ``per_second`` sends in one second.
        self._sent: deque[float] = deque(maxlen=max(1, int(self.limits.per_second)))

    def now(self) -> float:
        """Return the limiter's clock."""
        return self._clock()

    def ready_at(self, chat: str, is_group: bool) -> float:
        """Return the earliest moment a message may go into ``chat`` (ignoring the global rate)."""
        ready = max(
            self._last.get(chat, -1e18) + self.limits.chat_interval, self._paused_until.get(chat, 0.0)
        )
        if is_group:
            slots = self._group_slots.get(chat)
            if slots is not None and len(slots) >= self.limits.group_limit:
                ready = max(ready, slots[-self.limits.group_limit] + self.limits.group_window)
        return ready

    def reserve(self, chat: str, is_group: bool) -> float:
        """Book the next slot for ``chat`` and return its moment (sleep until then, then send)."""
        slot = max(self._clock(), self._next_global, self.ready_at(chat, is_group))
        self._next_global = slot + 1.0 / self.limits.per_second
        self._last[chat] = slot
        if is_group:
            slots = self._group_slots.setdefault(chat, deque(maxlen=self.limits.group_limit))
            slots.append(slot)
        return slot

    async def pace(self) -> None:
        """Wait until one more send keeps every one-second window within ``per_second``; record it."""
        while len(self._sent) == self._sent.maxlen and self._clock() - self._sent[0] < PACE_WINDOW:
            await asyncio.sleep(self._sent[0] + PACE_WINDOW - self._clock())
        self._sent.append(self._clock())

    def pause(self, chat: str, seconds: float) -> None:
        """Keep ``chat`` silent for ``seconds`` (Telegram's 429 ``retry_after``)."""
        self._paused_until[chat] = max(self._paused_until.get(chat, 0.0), self._clock() + seconds)

    def pause_all(self, seconds: float) -> None:
        """Keep every chat silent for ``seconds`` (a flood-wait on the whole bot)."""
        self._next_global = max(self._next_global, self._clock() + seconds)

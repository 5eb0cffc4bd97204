"""One retry policy for every call a transport makes to its platform, and the one loop that applies it.

A transport plugs in its framework call and a classification of the framework's errors into the
sender's three kinds (``bot.delivery_errors``): ``RetryAfter`` (429: wait what the platform asked),
``Transient`` (5xx, a time-out, a dropped connection: back off and try again) and ``Permanent`` (a
bad request, a blocked bot: never retried). After the last attempt the classified error is raised,
chained to the framework's own, so the outbox sender (which keeps its own, longer schedule across
rows) and a handler's caller both see one of the three kinds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.delivery_errors import DeliveryError, Permanent, RetryAfter, Transient

T = TypeVar("T")
# A framework error → one of the sender's kinds, or None for an error that is not about delivery
# (a bug): that one is raised unchanged and never retried.
Classify = Callable[[BaseException], DeliveryError | None]
Sleep = Callable[[float], Awaitable[object]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one call is repeated after a retryable error."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 10.0
    longest_wait: float = 60.0  # a 429 asking for longer is not waited out here: the error is raised
    jitter: float = 0.2  # ± share of each backoff, so that many workers hitting one outage spread out

    def delay(self, attempt: int, error: DeliveryError) -> float | None:
        """Return the pause before retry number ``attempt`` (1-based) after ``error``, or None to give up."""
        if isinstance(error, Permanent) or attempt >= self.attempts:
            return None
        if isinstance(error, RetryAfter):
            return error.seconds if error.seconds <= self.longest_wait else None
        backoff = min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)
        return float(backoff * random.uniform(1 - self.jitter, 1 + self.jitter))


DEFAULT_RETRY = RetryPolicy()
"""The policy of every reply and every call made on the spot."""

NO_RETRY = RetryPolicy(attempts=1)
"""For the first message of an outbox row: the outbox sender schedules its retries itself."""


def common_kind(error: BaseException) -> DeliveryError | None:
    """The kind of an error any transport may meet: ours already, or a time-out or dropped connection."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, TimeoutError | ConnectionError):
        return Transient(f"{type(error).__name__}: {error}")
    return None


async def with_retries(
    call: Callable[[], Awaitable[T]],
    classify: Classify,
    policy: RetryPolicy = DEFAULT_RETRY,
    sleep: Sleep | None = None,
) -> T:
    """Run ``call`` until it succeeds or ``policy`` gives up; raise the last error as its kind
    (``sleep`` is the clock's; tests pass a fake one)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except Exception as error:
            kind = error if isinstance(error, DeliveryError) else classify(error) or common_kind(error)
            if kind is None:
                raise
            pause = policy.delay(attempt, kind)
            if pause is None:
                if kind is error:
                    raise
                raise kind from error
            await (sleep or asyncio.sleep)(pause)

"""A hand-written fake transport for the sender: records every delivery, fails on request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from storage.models.outbox import OutboxMessage


@dataclass
class FakeDeliver:
    """Delivers into a list; ``script`` maps a dedupe key to errors to raise on its first attempts."""

    script: dict[str, list[Exception]] = field(default_factory=dict)
    latency: float = 0.0
    delivered: list[tuple[float, OutboxMessage]] = field(default_factory=list)
    attempts: list[tuple[float, str]] = field(default_factory=list)
    on_delivery: Callable[[int], None] | None = None
    clock: Callable[[], float] = time.monotonic

    async def __call__(self, message: OutboxMessage) -> str | None:
        """Record an attempt, raise the next scripted error or record the delivery."""
        self.attempts.append((self.clock(), message.dedupe_key))
        if self.latency:
            await asyncio.sleep(self.latency)
        errors = self.script.get(message.dedupe_key)
        if errors:
            raise errors.pop(0)
        self.delivered.append((self.clock(), message))
        if self.on_delivery is not None:
            self.on_delivery(len(self.delivered))
        return f"m{len(self.delivered)}"

    def keys(self) -> list[str]:
        """The dedupe keys delivered, in order."""
        return [m.dedupe_key for _, m in self.delivered]

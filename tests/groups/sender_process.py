"""A sender in its own process, for the crash test: delivers by appending each row's key to a log file.

Run: ``python -m tests.groups.sender_process DATABASE_URL LOG_FILE``; it runs until killed.
"""

from __future__ import annotations

import asyncio
import os
import sys

from bot.rate_limit import Limits, RateLimiter
from bot.sender import OutboxSender, SenderSettings
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage

LIMITS = Limits(per_second=60.0, chat_interval=0.0, group_limit=10_000, group_window=1.0)
SETTINGS = SenderSettings(batch=10, lease_seconds=2.0)


def log_delivery(path: str, message: OutboxMessage) -> str:
    """The 'transport': a line per delivery, flushed to disk before the sender hears it succeeded."""
    with open(path, "a", encoding="utf-8") as log:
        log.write(message.dedupe_key + "\n")
        log.flush()
        os.fsync(log.fileno())
    return message.dedupe_key


async def main(url: str, path: str) -> None:
    """Send until killed."""
    engine = create_engine(url)

    async def deliver(message: OutboxMessage) -> str:
        return log_delivery(path, message)

    sender = OutboxSender(session_factory(engine), deliver, RateLimiter(LIMITS), SETTINGS, worker_id="doomed")
    await sender.run_forever(asyncio.Event(), idle_seconds=0.05)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))

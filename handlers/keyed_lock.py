"""One asyncio lock per key, made on first use and dropped when nobody holds or waits for it.

The dispatcher serialises each (transport, chat, user) with it (SQLite has no row locks, so one
process must not race itself); the Zalo transport serialises each chat so replies never overtake.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class KeyedLock(Generic[K]):
    """Per-key mutual exclusion; the table holds only keys in use, so it never grows with traffic."""

    def __init__(self) -> None:
        # key -> (its lock, how many tasks hold it or wait for it)
        self._locks: dict[K, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        """Hold the lock of ``key`` for the block; others with the same key wait, other keys do not."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            # Counted, not checked with ``lock.locked()``: a waiter that was cancelled must not leave
            # its key behind, and the last one out removes it.
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        """How many keys are held or waited for now."""
        return len(self._locks)

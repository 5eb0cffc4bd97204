"""The one thing a transport needs from the core: handle an ``Incoming``, get ``Reply`` objects back."""

from __future__ import annotations

from typing import Protocol

from locales.messages import Incoming, Reply


class Handler(Protocol):
    """Anything that turns an incoming event into replies (the ``Core``, or a test double)."""

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Apply the event and return what to answer."""
        ...

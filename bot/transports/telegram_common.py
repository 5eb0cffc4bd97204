"""What both Telegram transports share: the keyboard shape and fetching a document the user sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from locales.messages import Button, IncomingFile
from storage.plans.document import MAX_FILE_BYTES


def keyboard_rows(buttons: list[list[Button]]) -> list[list[tuple[str, str]]]:
    """Return the buttons as (label, callback data) rows; Telegram caps callback data at 64 bytes."""
    return [[(b.label, b.data[:64]) for b in row] for row in buttons]


async def incoming_file(
    name: str | None, size: int | None, fetch: Callable[[], Awaitable[bytes | None]]
) -> IncomingFile | None:
    """Return a document the user sent (a plan to import), fetched with ``fetch`` unless it is larger
    than an import may be: then it comes empty and the core says it is too large."""
    name = name or "plan"
    if size and size > MAX_FILE_BYTES:
        return IncomingFile(name=name, content=b"")
    content = await fetch()
    return None if content is None else IncomingFile(name=name, content=content)

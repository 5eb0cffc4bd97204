"""Long polling for both Telegram transports: a batch of updates is applied before it is confirmed.

aiogram's own polling either handles updates one after another (every update waits for the one
before it, Bot API reply included) or as tasks it does not wait for; PTB's Updater confirms fetched
updates with its next getUpdates whether they were applied or not. In both of those a crash loses
fetched updates. Here each batch is applied in full, each sender's updates in order and different
senders at once, before the next getUpdates confirms it; after a crash Telegram hands the batch out
again and the applied-update record drops what was already done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)
POLL_TIMEOUT = 10  # seconds, as aiogram's own polling: a stalled connection is noticed soon
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 5.0


class _Update(Protocol):
    @property
    def update_id(self) -> int: ...


U = TypeVar("U", bound=_Update)


def sender_of(update: Any) -> Hashable:
    """Whose update this is (an aiogram or a PTB ``Update``, alike here): one chat and person's
    updates are applied in order."""
    if update.message is not None:
        user = update.message.from_user
        return (update.message.chat.id, user.id if user else None)
    if update.callback_query is not None:
        message = update.callback_query.message
        return (message.chat.id if message is not None else None, update.callback_query.from_user.id)
    return int(update.update_id)


async def apply_in_sender_order(updates: Sequence[U], apply: Callable[[U], Awaitable[object]]) -> None:
    """Apply a polled batch: each sender's updates in order, different senders at once. A failure
    is logged and the rest of the batch goes on (the core answers its own failures; what reaches
    here is a reply that could not be sent)."""
    queues: dict[Hashable, list[U]] = {}
    for update in updates:
        queues.setdefault(sender_of(update), []).append(update)

    async def in_order(queue: list[U]) -> None:
        for update in queue:
            try:
                await apply(update)
            except Exception:
                log.exception("a polled update failed")

    await asyncio.gather(*(in_order(queue) for queue in queues.values()))


REFUSED_TOKEN = ("Telegram refused the bot token (wrong or revoked): stopping. "
                 "Set BOT_TOKEN to the token @BotFather gives for this bot.")


def _never(_error: Exception) -> bool:
    return False


async def poll(
    fetch: Callable[[int | None], Awaitable[Sequence[U]]],
    apply: Callable[[U], Awaitable[object]],
    retry_after: Callable[[Exception], float | None],
    fatal: Callable[[Exception], bool] = _never,
) -> None:
    """Fetch from ``offset``, apply, confirm by the next fetch, for ever (cancel the task to stop).
    ``retry_after`` reads the wait out of a 429; other failures wait 1 s, growing to 5 s; an error
    ``fatal`` accepts (a rejected token: polling again cannot help) is raised."""
    offset: int | None = None
    pause = FIRST_PAUSE
    while True:
        try:
            updates = await fetch(offset)
        except Exception as error:  # any failure of the Bot API: wait, then poll again
            if fatal(error):
                raise
            wait = retry_after(error)
            if wait is None:
                log.error("getUpdates failed - %s: %s; again in %.1f s", type(error).__name__, error, pause)
                wait, pause = pause, min(pause * 1.5, LONGEST_PAUSE)
            await asyncio.sleep(wait)
            continue
        pause = FIRST_PAUSE
        if updates:
            await apply_in_sender_order(updates, apply)
            offset = updates[-1].update_id + 1


async def poll_until_signalled(
    fetch: Callable[[int | None], Awaitable[Sequence[U]]],
    apply: Callable[[U], Awaitable[object]],
    retry_after: Callable[[Exception], float | None],
    fatal: Callable[[Exception], bool],
) -> int:
    """Poll until SIGINT or SIGTERM (0) or until a fatal error stops polling (logged; 2)."""
    from bot.webhook import until_signalled

    polling = asyncio.create_task(poll(fetch, apply, retry_after, fatal))
    signalled = asyncio.create_task(until_signalled())
    try:
        await asyncio.wait({polling, signalled}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (polling, signalled):
            task.cancel()
        await asyncio.gather(polling, signalled, return_exceptions=True)
    error = polling.exception() if polling.done() and not polling.cancelled() else None
    if error is None:
        return 0
    log.error("%s (%s)", REFUSED_TOKEN, type(error).__name__)
    return 2

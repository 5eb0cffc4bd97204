"""Long polling for aiogram that applies a batch of updates before confirming it, senders in parallel.

aiogram's own polling either handles updates one after another (``handle_as_tasks=False``: safe,
but every update waits for the one before it, Bot API reply included) or as tasks it does not wait
for (fast, but the next getUpdates confirms updates not yet applied, and a crash loses them). Here
each batch is applied in full before the next getUpdates confirms it; inside a batch, each
sender's updates keep their order and different senders go at once. A crash mid-batch makes
Telegram hand the whole batch out again, and the applied-update record drops what was done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.transports.telegram_common import apply_in_sender_order

log = logging.getLogger(__name__)
POLL_TIMEOUT = 10  # seconds, as aiogram's own polling: a stalled connection is noticed soon
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)


def sender_of(update: Update) -> Hashable:
    """Whose update this is: updates of one chat and person are applied in order."""
    if update.message is not None:
        user = update.message.from_user
        return (update.message.chat.id, user.id if user else None)
    if update.callback_query is not None:
        message = update.callback_query.message
        return (message.chat.id if message is not None else None, update.callback_query.from_user.id)
    return update.update_id


async def apply_batch(dispatcher: Dispatcher, bot: Bot, updates: list[Update]) -> None:
    """Apply every update of a batch: in order per sender, senders concurrently."""
    await apply_in_sender_order(updates, sender_of, lambda update: dispatcher.feed_update(bot, update))


async def poll(dispatcher: Dispatcher, bot: Bot) -> None:
    """Fetch, apply, confirm, for ever (cancel the task to stop)."""
    backoff = Backoff(config=BACKOFF)
    get_updates = GetUpdates(timeout=POLL_TIMEOUT)
    # The request must be allowed to last longer than the long poll itself.
    request_timeout = int(bot.session.timeout + POLL_TIMEOUT) if bot.session.timeout else None
    while True:
        try:
            updates = await bot(get_updates, request_timeout=request_timeout)
        except TelegramRetryAfter as error:
            log.warning("getUpdates: retry after %s s", error.retry_after)
            await asyncio.sleep(error.retry_after)
            continue
        except Exception as error:  # any failure of the Bot API: wait, then poll again
            log.error("getUpdates failed - %s: %s; again in %.1f s", type(error).__name__, error, backoff.next_delay)
            await backoff.asleep()
            continue
        backoff.reset()
        if not updates:
            continue
        await apply_batch(dispatcher, bot, updates)
        get_updates.offset = updates[-1].update_id + 1

"""Long polling for python-telegram-bot that applies a batch of updates before confirming it.

PTB's Updater puts fetched updates in a queue and confirms them with its next getUpdates, whether
they were applied or not: a crash in between loses them. Here each batch is applied in full
(each sender's updates in order, different senders at once) before the next getUpdates confirms
it; after a crash Telegram hands the batch out again and the applied-update record drops what was
already done. (``bot/transports/aiogram_polling.py`` is the same for aiogram.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Hashable
from typing import Any

from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import Application

from bot.transports.telegram_common import apply_in_sender_order

log = logging.getLogger(__name__)
POLL_TIMEOUT = 10  # seconds: a stalled connection is noticed soon
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 5.0


def retry_seconds(error: RetryAfter) -> float:
    """Return the wait a 429 asked for, in seconds (PTB gives an int or a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that the int form is deprecated
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def sender_of(update: Update) -> Hashable:
    """Whose update this is: updates of one chat and person are applied in order."""
    if update.message is not None:
        user = update.message.from_user
        return (update.message.chat.id, user.id if user else None)
    if update.callback_query is not None:
        message = update.callback_query.message
        return (message.chat.id if message is not None else None, update.callback_query.from_user.id)
    return update.update_id


async def poll(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Fetch, apply, confirm, for ever (cancel the task to stop)."""
    offset: int | None = None
    pause = FIRST_PAUSE
    while True:
        try:
            updates = await application.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT)
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error))
            continue
        except Exception as error:  # any failure of the Bot API: wait, then poll again
            log.error("getUpdates failed - %s: %s; again in %.1f s", type(error).__name__, error, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, LONGEST_PAUSE)
            continue
        pause = FIRST_PAUSE
        if not updates:
            continue
        await apply_in_sender_order(list(updates), sender_of, application.process_update)
        offset = updates[-1].update_id + 1

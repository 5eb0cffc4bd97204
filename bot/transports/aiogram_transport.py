"""The aiogram 3 transport (the default): updates → ``Incoming``, ``Reply`` → Bot API calls.

No magic filters on the hot path: aiogram runs synchronous filters in a worker thread, which costs
about three times the dispatch itself; one plain handler per event type is enough since the core
does all the routing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from bot.app import App
from bot.delivery_errors import Permanent, RetryAfter, Transient
from bot.transports.telegram_common import keyboard_rows, reply_from_row, split_text
from bot.transports.telegram_polling import POLL_TIMEOUT, REFUSED_TOKEN, poll_until_signalled
from bot.webhook import serve
from locales.core_protocol import Handler
from locales.messages import Incoming, IncomingFile, Reply
from storage.plans.document import MAX_FILE_BYTES

log = logging.getLogger(__name__)
TRANSPORT = "telegram"
SEND_ATTEMPTS = 5


def make_bot(token: str, api_url: str | None, timeout: float | None = None) -> Bot:
    """Create the Bot, pointed at a local Bot API server or emulator when ``api_url`` is set."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    if timeout:
        session.timeout = timeout
    return Bot(token=token, session=session, default=DefaultBotProperties())


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
        for row in keyboard_rows(reply.buttons)
    ])


def _chat_type(raw: str) -> str:
    return "group" if raw in ("group", "supergroup") else "private"


async def incoming_from_message(bot: Bot, update_id: int, message: Message) -> Incoming:
    """Turn a message into the core's ``Incoming`` (documents are downloaded for plan imports)."""
    user = message.from_user
    file: IncomingFile | None = None
    document = message.document
    if document is not None:
        name = document.file_name or "plan"
        if document.file_size and document.file_size > MAX_FILE_BYTES:
            file = IncomingFile(name=name, content=b"")  # not fetched: the core says it is too large
        else:
            buffer = await bot.download(document.file_id)
            if buffer is not None:
                file = IncomingFile(name=name, content=buffer.read())
    return Incoming(
        transport=TRANSPORT, update_id=str(update_id), chat_id=str(message.chat.id),
        user_id=str(user.id if user else message.chat.id), text=message.text or message.caption,
        chat_type="group" if _chat_type(message.chat.type) == "group" else "private",
        user_name=user.full_name if user else None, file=file,
    )


def incoming_from_callback(update_id: int, callback: CallbackQuery) -> Incoming:
    """Turn a button press into the core's ``Incoming``."""
    chat = callback.message.chat if callback.message is not None else None
    chat_id = str(chat.id) if chat is not None else str(callback.from_user.id)
    return Incoming(
        transport=TRANSPORT, update_id=str(update_id), chat_id=chat_id, user_id=str(callback.from_user.id),
        button=callback.data or "", chat_type="group" if chat is not None and _chat_type(chat.type) == "group"
        else "private", user_name=callback.from_user.full_name,
    )


async def _with_retries(call: Any) -> Any:
    """Run one Bot API call, waiting out 429s and retrying 5xx and network errors with backoff."""
    delay = 0.5
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except TelegramRetryAfter as error:
            await asyncio.sleep(error.retry_after)
        except (TelegramServerError, TelegramNetworkError):
            if attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
    return await call()


async def send_reply(bot: Bot, chat_id: str, reply: Reply) -> int | None:
    """Send one reply (split to Telegram's limit); returns the id of the last message sent."""
    target = reply.chat_id or chat_id
    if reply.attachment is not None:
        upload = BufferedInputFile(reply.attachment.content, filename=reply.attachment.name)
        caption = reply.text[:1024] if len(reply.text) <= 1024 else None
        if reply.attachment.kind == "photo":
            sent = await _with_retries(lambda: bot.send_photo(target, upload, caption=caption,
                                                             reply_markup=_markup(reply)))
        else:
            sent = await _with_retries(lambda: bot.send_document(target, upload, caption=caption,
                                                                reply_markup=_markup(reply)))
        if caption is not None:
            return int(sent.message_id)
    pieces = split_text(reply.text)
    last_id: int | None = None
    for index, piece in enumerate(pieces):
        markup = _markup(reply) if index == len(pieces) - 1 else None
        sent = await _with_retries(lambda p=piece, m=markup: bot.send_message(target, p, reply_markup=m))
        last_id = int(sent.message_id)
    return last_id


def build_dispatcher(core: Handler) -> Dispatcher:
    """Wire the core into an aiogram Dispatcher: one handler for messages, one for button presses."""
    dispatcher = Dispatcher()

    async def on_message(message: Message, bot: Bot, event_update: Update) -> None:
        incoming = await incoming_from_message(bot, event_update.update_id, message)
        for reply in await core.handle(incoming):
            await send_reply(bot, incoming.chat_id, reply)

    async def on_callback(callback: CallbackQuery, bot: Bot, event_update: Update) -> None:
        incoming = incoming_from_callback(event_update.update_id, callback)
        replies = await core.handle(incoming)
        try:
            await callback.answer()
        except TelegramBadRequest:
            log.info("callback query %s too old to answer", callback.id)
        for reply in replies:
            await send_reply(bot, incoming.chat_id, reply)

    dispatcher.message.register(on_message)
    dispatcher.callback_query.register(on_callback)
    return dispatcher


class TelegramDeliver:
    """Pushes outbox rows through aiogram, mapping Bot API failures to the sender's error kinds."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def __call__(self, message: Any) -> str | None:
        """Deliver one outbox row; raise RetryAfter, Transient or Permanent on failure."""
        reply = reply_from_row(message)
        try:
            sent = await send_once(self._bot, message.chat_id, reply)
        except TelegramRetryAfter as error:
            raise RetryAfter(error.retry_after) from error
        except (TelegramServerError, TelegramNetworkError) as error:
            raise Transient(str(error)) from error
        except (TelegramForbiddenError, TelegramBadRequest) as error:
            raise Permanent(str(error)) from error
        return str(sent) if sent is not None else None


async def send_once(bot: Bot, chat_id: str, reply: Reply) -> int | None:
    """Send a reply without retrying (the outbox sender owns the retry schedule)."""
    if reply.attachment is not None:
        upload = BufferedInputFile(reply.attachment.content, filename=reply.attachment.name)
        if reply.attachment.kind == "photo":
            sent = await bot.send_photo(chat_id, upload, caption=reply.text[:1024], reply_markup=_markup(reply))
        else:
            sent = await bot.send_document(chat_id, upload, caption=reply.text[:1024], reply_markup=_markup(reply))
        return int(sent.message_id)
    last: int | None = None
    pieces = split_text(reply.text)
    for index, piece in enumerate(pieces):
        sent = await bot.send_message(chat_id, piece,
                                      reply_markup=_markup(reply) if index == len(pieces) - 1 else None)
        last = int(sent.message_id)
    return last


async def run(app: App, webhook: bool = False) -> int:
    """Run the bot by long polling (or behind a webhook) until interrupted; 2 when Telegram refuses
    the token (at start or later: polling again cannot help, as PTB stops too)."""
    settings = app.settings
    if not settings.bot_token:
        log.error("BOT_TOKEN is not set")
        return 2
    bot = make_bot(settings.bot_token, settings.bot_api_url, settings.bot_api_timeout)
    try:
        try:
            await bot.get_me()
        except TelegramUnauthorizedError:
            log.error(REFUSED_TOKEN)
            return 2
        except (TelegramServerError, TelegramNetworkError, TelegramRetryAfter) as error:
            # Telegram unreachable for now: polling retries; only a refused token stops the bot.
            log.warning("getMe failed - %s; going on", type(error).__name__)
        dispatcher = build_dispatcher(app.core)
        background = await app.start_background(TRANSPORT, TelegramDeliver(bot))
        try:
            if webhook:
                await serve_aiogram_webhook(app, bot, dispatcher)
                return 0
            # Each batch is applied before the next getUpdates confirms it (see telegram_polling).
            # Many workers: use --webhook.
            # The request must be allowed to last longer than the long poll itself.
            request_timeout = int(bot.session.timeout + POLL_TIMEOUT) if bot.session.timeout else None

            async def fetch(offset: int | None) -> list[Update]:
                return await bot(GetUpdates(offset=offset, timeout=POLL_TIMEOUT), request_timeout=request_timeout)

            return await poll_until_signalled(
                fetch, lambda update: dispatcher.feed_update(bot, update),
                lambda error: error.retry_after if isinstance(error, TelegramRetryAfter) else None,
                lambda error: isinstance(error, TelegramUnauthorizedError))
        finally:
            await background.stop()
    finally:
        await bot.session.close()


async def serve_aiogram_webhook(app: App, bot: Bot, dispatcher: Dispatcher) -> None:
    """Serve the webhook with aiogram: each update is fed to the dispatcher inside its request."""
    async def feed(data: dict[str, Any]) -> bool:
        try:
            await dispatcher.feed_update(bot, Update.model_validate(data, context={"bot": bot}))
        except Exception:
            log.exception("update %s failed; Telegram will deliver it again", data.get("update_id"))
            return False
        return True

    async def set_webhook(url: str, secret: str) -> object:
        return await bot.set_webhook(url, secret_token=secret)

    await serve(app.settings, feed, set_webhook)

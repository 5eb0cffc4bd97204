"""The python-telegram-bot 22 transport (``baocao run --framework ptb``): mirrors the aiogram transport.

PTB Update → ``Incoming``, ``Reply`` → Bot API calls through PTB's Bot. One plain handler per event
type (new messages, button presses); the core does all the routing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.app import App
from bot.delivery_errors import Permanent, Transient
from bot.delivery_errors import RetryAfter as RetryLater
from bot.transports.telegram_common import keyboard_rows, reply_from_row, split_text
from bot.transports.telegram_polling import POLL_TIMEOUT, REFUSED_TOKEN, poll_until_signalled
from bot.webhook import serve
from locales.core_protocol import Handler
from locales.messages import Attachment, Incoming, IncomingFile, Reply
from storage.plans.document import MAX_FILE_BYTES

log = logging.getLogger(__name__)
TRANSPORT = "telegram"
SEND_ATTEMPTS = 5
MAX_DOWNLOAD = MAX_FILE_BYTES
T = TypeVar("T")
PtbApplication = Application[Any, Any, Any, Any, Any, Any]
# bot_data key: ids of updates whose handling failed (the webhook answers 500 so Telegram retries).
FAILED_UPDATES = "baocao_failed_updates"


def make_application(
    token: str, api_url: str | None, timeout: float | None = None, concurrent: bool = True
) -> PtbApplication:
    """Build the PTB Application, pointed at a local Bot API server or emulator when ``api_url`` is set."""
    builder = Application.builder().token(token)
    if timeout:
        builder = builder.connect_timeout(timeout).read_timeout(timeout).write_timeout(timeout)
    if api_url:
        base = api_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    # Like aiogram's dispatcher, handle updates concurrently: the dialog state is row-locked in the DB.
    return builder.concurrent_updates(concurrent).build()


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = keyboard_rows(reply.buttons)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _is_group(chat_type: str) -> bool:
    return chat_type in ("group", "supergroup")


async def incoming_from_message(update_id: int, message: Message) -> Incoming:
    """Turn a message into the core's ``Incoming`` (documents are downloaded for plan imports)."""
    user = message.from_user
    file: IncomingFile | None = None
    document = message.document
    if document is not None:
        name = document.file_name or "plan"
        if document.file_size and document.file_size > MAX_DOWNLOAD:
            file = IncomingFile(name=name, content=b"")  # not fetched: the core says it is too large
        else:
            remote = await document.get_file()
            content = await remote.download_as_bytearray()
            file = IncomingFile(name=name, content=bytes(content))
    return Incoming(
        transport=TRANSPORT,
        update_id=str(update_id),
        chat_id=str(message.chat.id),
        user_id=str(user.id if user else message.chat.id),
        text=message.text or message.caption,
        chat_type="group" if _is_group(message.chat.type) else "private",
        user_name=user.full_name if user else None,
        file=file,
    )


def incoming_from_callback(update: Update) -> Incoming:
    """Turn a button press into the core's ``Incoming``."""
    query = update.callback_query
    assert query is not None
    chat = query.message.chat if query.message is not None else None
    return Incoming(
        transport=TRANSPORT,
        update_id=str(update.update_id),
        chat_id=str(chat.id) if chat is not None else str(query.from_user.id),
        user_id=str(query.from_user.id),
        button=query.data or "",
        chat_type="group" if chat is not None and _is_group(chat.type) else "private",
        user_name=query.from_user.full_name,
    )


def retry_seconds(error: RetryAfter) -> float:
    """Return the wait a 429 asked for, in seconds (PTB gives an int or a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that the int form is deprecated
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _transient(error: TelegramError) -> bool:
    # PTB reports 5xx, time-outs and dropped connections as NetworkError, but BadRequest inherits it too.
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def _with_retries(call: Callable[[], Awaitable[T]]) -> T:
    """Run one Bot API call, waiting out 429s and retrying 5xx and network errors with backoff."""
    delay = 0.5
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error))
        except NetworkError as error:
            if not _transient(error) or attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
    return await call()


async def _send_attachment(
    bot: Bot, chat_id: str, attachment: Attachment, caption: str | None, markup: InlineKeyboardMarkup | None
) -> Message:
    upload = InputFile(attachment.content, filename=attachment.name)
    if attachment.kind == "photo":
        return await bot.send_photo(chat_id, upload, caption=caption, reply_markup=markup)
    return await bot.send_document(chat_id, upload, caption=caption, reply_markup=markup)


def _sender(bot: Bot, chat_id: str, text: str, markup: InlineKeyboardMarkup | None) -> Callable[[], Awaitable[Message]]:
    return lambda: bot.send_message(chat_id, text, reply_markup=markup)


async def send_reply(bot: Bot, chat_id: str, reply: Reply) -> int | None:
    """Send one reply (split to Telegram's limit), with retries; return the id of the last message sent."""
    target = reply.chat_id or chat_id
    if reply.attachment is not None:
        attachment = reply.attachment
        caption = reply.text if len(reply.text) <= 1024 else None
        sent = await _with_retries(lambda: _send_attachment(bot, target, attachment, caption, _markup(reply)))
        if caption is not None:
            return int(sent.message_id)
    pieces = split_text(reply.text)
    last_id: int | None = None
    for index, piece in enumerate(pieces):
        markup = _markup(reply) if index == len(pieces) - 1 else None
        message = await _with_retries(_sender(bot, target, piece, markup))
        last_id = int(message.message_id)
    return last_id


async def send_once(bot: Bot, chat_id: str, reply: Reply) -> int | None:
    """Send a reply without retrying (the outbox sender owns the retry schedule)."""
    if reply.attachment is not None:
        sent = await _send_attachment(bot, chat_id, reply.attachment, reply.text[:1024], _markup(reply))
        return int(sent.message_id)
    last: int | None = None
    pieces = split_text(reply.text)
    for index, piece in enumerate(pieces):
        markup = _markup(reply) if index == len(pieces) - 1 else None
        message = await bot.send_message(chat_id, piece, reply_markup=markup)
        last = int(message.message_id)
    return last


def build_application(core: Handler, application: PtbApplication) -> PtbApplication:
    """Wire the core into a PTB Application: one handler for messages, one for button presses."""

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        incoming = await incoming_from_message(update.update_id, update.message)
        for reply in await core.handle(incoming):
            await send_reply(context.bot, incoming.chat_id, reply)

    async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = incoming_from_callback(update)
        replies = await core.handle(incoming)
        assert update.callback_query is not None
        try:
            await update.callback_query.answer()
        except BadRequest:
            log.info("callback query %s too old to answer", update.callback_query.id)
        for reply in replies:
            await send_reply(context.bot, incoming.chat_id, reply)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling an update failed", exc_info=context.error)
        if isinstance(update, Update):
            context.application.bot_data.setdefault(FAILED_UPDATES, set()).add(update.update_id)

    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_error_handler(on_error)
    return application


class PtbDeliver:
    """Pushes outbox rows through PTB, mapping Bot API failures to the sender's error kinds."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def __call__(self, message: Any) -> str | None:
        """Deliver one outbox row; raise RetryAfter, Transient or Permanent on failure."""
        reply = reply_from_row(message)
        try:
            sent = await send_once(self._bot, message.chat_id, reply)
        except RetryAfter as error:
            raise RetryLater(retry_seconds(error)) from error
        except TelegramError as error:
            if _transient(error):
                raise Transient(str(error)) from error
            raise Permanent(str(error)) from error
        return str(sent) if sent is not None else None


async def run(app: App, webhook: bool = False) -> int:
    """Run the bot by long polling (or behind a webhook) until SIGINT or SIGTERM; 2 when Telegram
    refuses the token, at start or later, with a message that does not print it."""
    settings = app.settings
    if not settings.bot_token:
        log.error("BOT_TOKEN is not set")
        return 2
    application = build_application(
        app.core, make_application(settings.bot_token, settings.bot_api_url, settings.bot_api_timeout)
    )
    try:
        await application.initialize()  # getMe
    except InvalidToken:
        log.error(REFUSED_TOKEN)
        return 2
    async with application:  # initialized already ... shutdown
        background = await app.start_background(TRANSPORT, PtbDeliver(application.bot))
        try:
            if webhook:
                await serve_ptb_webhook(app, application)
                return 0
            await application.start()
            bot = application.bot

            async def fetch(offset: int | None) -> Sequence[Update]:
                updates: Sequence[Update] = await bot.get_updates(offset=offset, timeout=POLL_TIMEOUT)
                return updates

            try:
                return await poll_until_signalled(
                    fetch, application.process_update,
                    lambda error: retry_seconds(error) if isinstance(error, RetryAfter) else None,
                    lambda error: isinstance(error, InvalidToken))
            finally:
                await application.stop()
        finally:
            await background.stop()


async def serve_ptb_webhook(app: App, application: PtbApplication) -> None:
    """Serve the webhook with python-telegram-bot: each update is processed inside its request."""
    failed: set[int] = application.bot_data.setdefault(FAILED_UPDATES, set())

    async def feed(data: dict[str, Any]) -> bool:
        update = Update.de_json(data, application.bot)
        await application.process_update(update)  # PTB catches handler errors: its error handler notes them
        if update.update_id in failed:
            failed.discard(update.update_id)
            return False
        return True

    async def set_webhook(url: str, secret: str) -> object:
        return await application.bot.set_webhook(url, secret_token=secret)

    await serve(app.settings, feed, set_webhook)

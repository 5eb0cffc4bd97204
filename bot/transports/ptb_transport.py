"""The python-telegram-bot 22 transport (``baocao run --framework ptb``): mirrors the aiogram transport.

PTB Update → ``Incoming``, ``Reply`` → Bot API calls through PTB's Bot. One plain handler per event
type (new messages, button presses); the core does all the routing.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.app import App
from bot.delivery_errors import DeliveryError, Permanent, Transient
from bot.delivery_errors import RetryAfter as RetryLater
from bot.transports.outlet import FileLinks, NoFileLinks, deliver_row, send_reply
from bot.transports.telegram_common import incoming_file, keyboard_rows
from bot.transports.telegram_polling import POLL_TIMEOUT, REFUSED_TOKEN, poll_until_signalled
from bot.webhook import serve
from locales.core_protocol import Handler
from locales.messages import Button, Incoming
from locales.profiles import TransportProfile, profile_of
from locales.rendering import OutMessage
from storage.models.outbox import OutboxMessage

log = logging.getLogger(__name__)
TRANSPORT = "telegram"
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


def _markup(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in keyboard_rows(buttons)]
    )


def _is_group(chat_type: str) -> bool:
    return chat_type in ("group", "supergroup")


async def incoming_from_message(update_id: int, message: Message) -> Incoming:
    """Turn a message into the core's ``Incoming`` (documents are downloaded for plan imports)."""
    user = message.from_user
    document = message.document
    file = None
    if document is not None:
        async def fetch() -> bytes:
            return bytes(await (await document.get_file()).download_as_bytearray())

        file = await incoming_file(document.file_name, document.file_size, fetch)
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


class PtbOutlet:
    """Sends rendered messages through PTB's Bot, one Bot API call each."""

    files: FileLinks = NoFileLinks()  # Telegram takes uploads: nothing goes by link

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    @property
    def profile(self) -> TransportProfile:
        """Telegram's profile."""
        return profile_of(TRANSPORT)

    async def send_one(self, chat_id: str, message: OutMessage) -> str | None:
        """Send one message: a text, an upload with its caption, or a picture by URL."""
        markup = _markup(message.buttons)
        caption = message.text or None
        if message.upload is not None:
            upload = InputFile(message.upload.content, filename=message.upload.name)
            send = self._bot.send_photo if message.upload.kind == "photo" else self._bot.send_document
            sent = await send(chat_id, upload, caption=caption, reply_markup=markup)
        elif message.photo_url is not None:
            sent = await self._bot.send_photo(chat_id, message.photo_url, caption=caption, reply_markup=markup)
        else:
            sent = await self._bot.send_message(chat_id, message.text, reply_markup=markup)
        return str(sent.message_id)

    def classify(self, error: BaseException) -> DeliveryError | None:
        """Map PTB's errors to the sender's kinds."""
        if isinstance(error, RetryAfter):
            return RetryLater(retry_seconds(error), str(error))
        if isinstance(error, TelegramError):
            return Transient(str(error)) if _transient(error) else Permanent(str(error))
        return None


def build_application(core: Handler, application: PtbApplication) -> PtbApplication:
    """Wire the core into a PTB Application: one handler for messages, one for button presses."""

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        incoming = await incoming_from_message(update.update_id, update.message)
        for reply in await core.handle(incoming):
            await send_reply(PtbOutlet(context.bot), incoming.chat_id, reply)

    async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = incoming_from_callback(update)
        replies = await core.handle(incoming)
        assert update.callback_query is not None
        try:
            await update.callback_query.answer()
        except BadRequest:
            log.info("callback query %s too old to answer", update.callback_query.id)
        for reply in replies:
            await send_reply(PtbOutlet(context.bot), incoming.chat_id, reply)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling an update failed", exc_info=context.error)
        if isinstance(update, Update):
            context.application.bot_data.setdefault(FAILED_UPDATES, set()).add(update.update_id)

    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_error_handler(on_error)
    return application


class PtbDeliver:
    """Pushes outbox rows through PTB (the shared send path; errors as the sender's kinds)."""

    def __init__(self, bot: Bot) -> None:
        self._outlet = PtbOutlet(bot)

    async def __call__(self, message: OutboxMessage) -> str | None:
        """Deliver one outbox row; raise RetryAfter, Transient or Permanent on failure."""
        return await deliver_row(self._outlet, message)


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

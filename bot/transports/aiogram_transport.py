"""The aiogram 3 transport (the default): updates → ``Incoming``, ``Reply`` → Bot API calls.

No magic filters on the hot path: aiogram runs synchronous filters in a worker thread, which costs
about three times the dispatch itself; one plain handler per event type is enough since the core
does all the routing.
"""

from __future__ import annotations

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
from bot.delivery_errors import DeliveryError, Permanent, RetryAfter, Transient
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


def make_bot(token: str, api_url: str | None, timeout: float | None = None) -> Bot:
    """Create the Bot, pointed at a local Bot API server or emulator when ``api_url`` is set."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else AiohttpSession()
    if timeout:
        session.timeout = timeout
    return Bot(token=token, session=session, default=DefaultBotProperties())


def _markup(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
        for row in keyboard_rows(buttons)
    ])


def _chat_type(raw: str) -> str:
    return "group" if raw in ("group", "supergroup") else "private"


async def incoming_from_message(bot: Bot, update_id: int, message: Message) -> Incoming:
    """Turn a message into the core's ``Incoming`` (documents are downloaded for plan imports)."""
    user = message.from_user
    document = message.document
    file = None
    if document is not None:
        async def fetch() -> bytes | None:
            buffer = await bot.download(document.file_id)
            return None if buffer is None else buffer.read()

        file = await incoming_file(document.file_name, document.file_size, fetch)
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


class AiogramOutlet:
    """Sends rendered messages through aiogram's Bot, one Bot API call each."""

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
            upload = BufferedInputFile(message.upload.content, filename=message.upload.name)
            send = self._bot.send_photo if message.upload.kind == "photo" else self._bot.send_document
            sent = await send(chat_id, upload, caption=caption, reply_markup=markup)
        elif message.photo_url is not None:
            sent = await self._bot.send_photo(chat_id, message.photo_url, caption=caption, reply_markup=markup)
        else:
            sent = await self._bot.send_message(chat_id, message.text, reply_markup=markup)
        return str(sent.message_id)

    def classify(self, error: BaseException) -> DeliveryError | None:
        """Map aiogram's errors to the sender's kinds."""
        if isinstance(error, TelegramRetryAfter):
            return RetryAfter(error.retry_after, str(error))
        if isinstance(error, TelegramServerError | TelegramNetworkError):
            return Transient(str(error))
        if isinstance(error, TelegramForbiddenError | TelegramBadRequest):
            return Permanent(str(error))
        return None


def build_dispatcher(core: Handler) -> Dispatcher:
    """Wire the core into an aiogram Dispatcher: one handler for messages, one for button presses."""
    dispatcher = Dispatcher()

    async def on_message(message: Message, bot: Bot, event_update: Update) -> None:
        incoming = await incoming_from_message(bot, event_update.update_id, message)
        for reply in await core.handle(incoming):
            await send_reply(AiogramOutlet(bot), incoming.chat_id, reply)

    async def on_callback(callback: CallbackQuery, bot: Bot, event_update: Update) -> None:
        incoming = incoming_from_callback(event_update.update_id, callback)
        replies = await core.handle(incoming)
        try:
            await callback.answer()
        except TelegramBadRequest:
            log.info("callback query %s too old to answer", callback.id)
        for reply in replies:
            await send_reply(AiogramOutlet(bot), incoming.chat_id, reply)

    dispatcher.message.register(on_message)
    dispatcher.callback_query.register(on_callback)
    return dispatcher


class TelegramDeliver:
    """Pushes outbox rows through aiogram (the shared send path; errors as the sender's kinds)."""

    def __init__(self, bot: Bot) -> None:
        self._outlet = AiogramOutlet(bot)

    async def __call__(self, message: OutboxMessage) -> str | None:
        """Deliver one outbox row; raise RetryAfter, Transient or Permanent on failure."""
        return await deliver_row(self._outlet, message)


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

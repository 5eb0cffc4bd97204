"""Everything the bot sends on Zalo: replies and outbox rows, through the shared send path.

Zalo has no buttons (the renderer turns them into numbered lines in replies, and the words to type
in pushed messages), no documents and photos only by URL, so an attachment is published on the
bot's own web endpoint first (``FileLinks``) and sent as a photo (a picture) or as a link under the
text (a spreadsheet). A text longer than Zalo's limit goes out as several messages. What is left
here is the one Bot API call per rendered message.
"""

from __future__ import annotations

from typing import Any

from bot.delivery_errors import DeliveryError
from bot.send_retry import NO_RETRY
from bot.transports.outlet import FileLinks, NoFileLinks, deliver_row, send_reply
from bot.transports.zalo_api import ZaloBotApi
from bot.transports.zalo_updates import TRANSPORT
from locales.messages import Reply
from locales.profiles import TransportProfile, profile_of
from locales.rendering import OutMessage
from storage.models.outbox import OutboxMessage

__all__ = ["FileLinks", "NoFileLinks", "ZaloSender"]


class ZaloSender:
    """Sends ``Reply`` objects and outbox rows through one ``ZaloBotApi``."""

    def __init__(self, api: ZaloBotApi, files: FileLinks | None = None) -> None:
        self.api = api
        self.files: FileLinks = files or NoFileLinks()

    @property
    def profile(self) -> TransportProfile:
        """Zalo's profile."""
        return profile_of(TRANSPORT)

    async def send_one(self, chat_id: str, message: OutMessage) -> str | None:
        """Send one rendered message: a text, or a picture by URL with its caption (no retrying here:
        the send path retries)."""
        if message.photo_url is not None:
            result = await self.api.send_photo(chat_id, message.photo_url, message.text or None, retry=NO_RETRY)
        else:
            result = await self.api.send_message(chat_id, message.text, retry=NO_RETRY)
        return _message_id(result)

    def classify(self, error: BaseException) -> DeliveryError | None:
        """Zalo's client raises typed errors already (``zalo_api.error_for``)."""
        return None

    async def send_reply(self, default_chat: str, reply: Reply) -> str | None:
        """Send a core ``Reply`` (to its own chat if it names one); return the first message's id.
        Without a file endpoint an attachment is left out and the text still goes."""
        ids = await send_reply(self, default_chat, reply)
        return next((i for i in ids if i is not None), None)

    async def deliver(self, message: OutboxMessage) -> str | None:
        """The outbox sender's ``Deliver`` for Zalo rows: raises RetryAfter, Transient or Permanent."""
        return await deliver_row(self, message)

    async def __call__(self, message: OutboxMessage) -> str | None:
        """Make the sender usable directly as the outbox's ``Deliver``."""
        return await self.deliver(message)


def _message_id(result: Any) -> str | None:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return None

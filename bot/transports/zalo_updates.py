"""Turning Zalo Bot Platform events into the core's ``Incoming``, and checking a webhook's secret.

An event is ``{"event_name": ..., "message": {...}}`` with ``event_name`` one of
``message.text.received``, ``message.image.received``, ``message.sticker.received`` and
``message.unsupported.received``; the message carries ``message_id``, ``from.id`` (and a display
name), ``chat.id``, ``chat.chat_type`` (``PRIVATE`` or ``GROUP``), ``date`` in milliseconds and
``text``. Zalo events have no ``update_id``: the ``message_id`` is what makes a redelivered event
recognisable, so it becomes the ``Incoming.update_id`` the core records once.

A picture, a sticker or anything Zalo cannot show the bot becomes an ``Incoming`` without text, so
the core can ask the user to type instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.webhook import same_secret
from locales.messages import ChatType, Incoming
from locales.vietnamese import fold, nfc

TRANSPORT = "zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
"""The header Zalo puts the webhook's secret token in (OpenClaw docs/channels/zalo.md)."""

TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
STICKER_EVENT = "message.sticker.received"
UNSUPPORTED_EVENT = "message.unsupported.received"
EVENTS = (TEXT_EVENT, IMAGE_EVENT, STICKER_EVENT, UNSUPPORTED_EVENT)


def _text_id(value: object) -> str | None:
    """Return an id as a string (Zalo sends strings; numbers are tolerated), or None if missing."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        text = str(value).strip()
        return text or None
    return None


def _chat_type(chat: Mapping[str, Any]) -> ChatType:
    return "group" if str(chat.get("chat_type", "")).upper() == "GROUP" else "private"


def _user_name(sender: Mapping[str, Any]) -> str | None:
    for key in ("display_name", "name"):
        value = sender.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def strip_mention(text: str, bot_name: str | None) -> str:
    """Drop a leading "@<bot name>" (how a group member addresses the bot), whatever the case or accents."""
    if not bot_name:
        return text
    text = nfc(text).lstrip()
    mention = nfc("@" + bot_name.strip())
    if len(text) >= len(mention) and fold(text[: len(mention)]) == fold(mention):
        rest = text[len(mention) :]
        if not rest or not rest[0].isalnum():  # "@Báo cáo bot" is not "@Báo cáo"
            return rest.lstrip(" ,:;-\u00a0")
    return text


def parse_update(update: Mapping[str, Any], bot_name: str | None = None) -> Incoming | None:
    """Return the ``Incoming`` an event stands for, or None for an event that is not a user's
    message (unknown kinds, or one missing its sender or chat). In a group, a leading mention of
    ``bot_name`` is dropped so "@Báo cáo /tonghop" reads as "/tonghop"."""
    event = update.get("event_name")
    message = update.get("message")
    if event not in EVENTS or not isinstance(message, Mapping):
        return None
    sender = message.get("from")
    chat = message.get("chat")
    if not isinstance(sender, Mapping) or not isinstance(chat, Mapping):
        return None
    user_id = _text_id(sender.get("id"))
    chat_id = _text_id(chat.get("id"))
    if user_id is None or chat_id is None or sender.get("is_bot") is True:
        return None
    message_id = _text_id(message.get("message_id"))
    # Without a message id a redelivery cannot be recognised; chat, sender and time come closest.
    update_id = message_id or f"{chat_id}:{user_id}:{message.get('date', '')}"
    text: str | None = None
    if event == TEXT_EVENT:
        raw = message.get("text")
        text = raw if isinstance(raw, str) and raw.strip() else None
        if text is not None and _chat_type(chat) == "group":
            text = strip_mention(text, bot_name) or None
    return Incoming(
        transport=TRANSPORT,
        update_id=update_id,
        chat_id=chat_id,
        user_id=user_id,
        text=text,
        chat_type=_chat_type(chat),
        user_name=_user_name(sender),
    )


def secret_matches(headers: Mapping[str, str], expected: str) -> bool:
    """Return whether a webhook request carries ``expected`` in ``X-Bot-Api-Secret-Token``
    (compared in constant time, so the secret cannot be guessed byte by byte)."""
    return same_secret(headers.get(SECRET_HEADER), expected)

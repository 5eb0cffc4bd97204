"""Act as Telegram users against the emulator: send text and files, press buttons, read the bot's replies."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

_group_ids = itertools.count(1)


@dataclass(frozen=True)
class User:
    """A Telegram user (not a bot)."""

    id: int
    first_name: str
    username: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the Bot API ``User`` object."""
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            out["username"] = self.username
        return out


@dataclass
class BotMessage:
    """A message the bot sent, as it is now in the emulator (edits applied)."""

    message_id: int
    chat_id: int
    text: str
    buttons: list[list[tuple[str, str]]]
    photo: str | None
    document: dict[str, Any] | None
    edited: bool
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> BotMessage:
        """Build from the emulator's Telegram ``Message`` JSON."""
        rows = (raw.get("reply_markup") or {}).get("inline_keyboard") or []
        photos = raw.get("photo") or []
        return cls(
            message_id=int(raw["message_id"]),
            chat_id=int(raw["chat"]["id"]),
            text=str(raw.get("text") or raw.get("caption") or ""),
            buttons=[[(b["text"], str(b.get("callback_data", ""))) for b in row] for row in rows],
            photo=photos[-1]["file_id"] if photos else None,
            document=raw.get("document"),
            edited="edit_date" in raw,
            raw=raw,
        )

    def button(self, label_part: str) -> str:
        """Return the callback data of the one button whose label contains ``label_part``."""
        found = [data for row in self.buttons for label, data in row if label_part.lower() in label.lower()]
        if len(found) != 1:
            raise AssertionError(f"expected one button matching {label_part!r}, buttons are {self.buttons}")
        return found[0]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Emulator:
    """The emulator seen by one test: one bot token, HTTP calls through one aiohttp session."""

    def __init__(self, url: str, token: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.token = token
        self.session = session
        self._message_ids = itertools.count(1)

    @property
    def api_url(self) -> str:
        """The base URL a bot passes as its Bot API server."""
        return self.url

    async def _get(self, path: str, **params: Any) -> Any:
        query = {"token": self.token, **{k: str(v) for k, v in params.items()}}
        async with self.session.get(f"{self.url}{path}", params=query) as resp:
            resp.raise_for_status()
            body = await resp.json()
        return body["result"]

    async def _post_update(self, route: str, body: dict[str, Any]) -> None:
        async with self.session.post(f"{self.url}{route}", json={"botToken": self.token, **body}) as resp:
            resp.raise_for_status()

    def private(self, user: User) -> Chat:
        """The private chat between ``user`` and the bot."""
        return Chat(self, chat={"id": user.id, "type": "private", "first_name": user.first_name}, user=user)

    def group(self, title: str, chat_id: int | None = None) -> Chat:
        """A group chat with the bot; say who speaks with ``Chat.as_user``."""
        cid = chat_id if chat_id is not None else -(10**12 + next(_group_ids))
        return Chat(self, chat={"id": cid, "type": "group", "title": title}, user=None)

    async def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Every Bot API call the bot made with this token (optionally only ``method``), in order."""
        result: list[dict[str, Any]] = await (
            self._get("/baocao/calls", method=method) if method else self._get("/baocao/calls")
        )
        return result

    async def pending(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet."""
        result: list[dict[str, Any]] = await self._get("/baocao/pending")
        return result

    async def webhook(self) -> dict[str, Any]:
        """The webhook set for this token and every delivery attempt."""
        result: dict[str, Any] = await self._get("/baocao/webhook")
        return result

    async def file(self, file_id: str) -> bytes:
        """The bytes of a file the bot sent."""
        async with self.session.get(f"{self.url}/baocao/files/{file_id}") as resp:
            resp.raise_for_status()
            return await resp.read()

    async def upload(self, name: str, content: bytes, mime_type: str) -> dict[str, Any]:
        """Store a file in the emulator so a user can send it; return its Bot API ``Document``."""
        params = {"filename": name, "mime_type": mime_type}
        async with self.session.post(f"{self.url}/baocao/upload", params=params, data=content) as resp:
            resp.raise_for_status()
            body = await resp.json()
        result: dict[str, Any] = body["result"]
        return result

    async def wait_consumed(self, timeout: float = 10.0) -> None:
        """Wait until the bot has confirmed every update sent so far."""
        deadline = time.monotonic() + timeout
        while await self.pending():
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not confirm its updates within {timeout}s")
            await asyncio.sleep(0.05)


class Chat:
    """One chat with the bot, seen by a user: send, press, read what the bot sent."""

    def __init__(
        self, emulator: Emulator, chat: dict[str, Any], user: User | None, cursor: list[int] | None = None
    ) -> None:
        self.emulator = emulator
        self.chat = chat
        self.user = user
        # The highest message id new_messages() returned; shared by every member's view of a group.
        self._cursor = cursor if cursor is not None else [0]

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.chat["id"])

    def as_user(self, user: User) -> Chat:
        """The same chat, with ``user`` speaking (sharing what was read so far)."""
        return Chat(self.emulator, self.chat, user, self._cursor)

    def _sender(self) -> User:
        if self.user is None:
            raise ValueError("say who speaks in this group with as_user()")
        return self.user

    async def send(self, text: str) -> None:
        """Send a text message; a leading /command carries its ``bot_command`` entity, as Telegram does."""
        message: dict[str, Any] = {
            "from": self._sender().as_json(),
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        await self.emulator._post_update("/sendMessage", message)

    async def send_document(self, name: str, content: bytes, mime_type: str, caption: str | None = None) -> None:
        """Send a file, as a user who attaches a document."""
        document = await self.emulator.upload(name, content, mime_type)
        message: dict[str, Any] = {
            "from": self._sender().as_json(),
            "chat": self.chat,
            "date": int(time.time()),
            "document": document,
        }
        if caption:
            message["caption"] = caption
        await self.emulator._post_update("/sendMessage", message)

    async def press(self, message: BotMessage, data: str) -> None:
        """Press the inline button carrying ``data`` under ``message``."""
        if not any(data == d for row in message.buttons for _, d in row):
            raise AssertionError(f"no button with data {data!r} under message {message.message_id}")
        await self.emulator._post_update(
            "/sendCallback",
            {
                "from": self._sender().as_json(),
                "message": message.raw,
                "data": data,
                "chat_instance": f"ci{self.id}",
            },
        )

    async def messages(self) -> list[BotMessage]:
        """Every message the bot has sent to this chat, as it is now."""
        raw = await self.emulator._get("/baocao/messages", chat_id=self.id)
        return [BotMessage.from_json(m) for m in raw]

    async def new_messages(self, count: int = 1, timeout: float = 10.0, settle: float = 0.2) -> list[BotMessage]:
        """Wait for at least ``count`` messages not returned before, then ``settle`` seconds for more."""
        deadline = time.monotonic() + timeout
        fresh: list[BotMessage] = []
        while True:
            fresh = [m for m in await self.messages() if m.message_id > self._cursor[0]]
            if len(fresh) >= count:
                break
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} new bot message(s) in chat {self.id} within "
                    f"{timeout}s, got {[m.text for m in fresh]}"
                )
            await asyncio.sleep(0.03)
        if settle > 0:
            await asyncio.sleep(settle)
            fresh = [m for m in await self.messages() if m.message_id > self._cursor[0]]
        if fresh:
            self._cursor[0] = max(m.message_id for m in fresh)
        return fresh

    async def reply(self, timeout: float = 10.0) -> BotMessage:
        """Wait for the bot's next message and return it (the last one, if several came)."""
        return (await self.new_messages(1, timeout=timeout))[-1]

    async def ask(self, text: str, timeout: float = 10.0) -> BotMessage:
        """Send ``text`` and return the bot's answer."""
        await self.send(text)
        return await self.reply(timeout=timeout)

    async def wait_edit(self, message_id: int, timeout: float = 10.0) -> BotMessage:
        """Wait until the bot edits message ``message_id`` and return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in await self.messages():
                if m.message_id == message_id and m.edited:
                    return m
            await asyncio.sleep(0.03)
        raise AssertionError(f"message {message_id} was not edited within {timeout}s")

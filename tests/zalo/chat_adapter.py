"""A Zalo chat seen the way the Telegram end-to-end scenarios see a chat, so they run unchanged on Zalo.

Zalo has no buttons: the bot writes them as numbered lines under the text. ``press(message, data)``
therefore does what a Zalo user does: reads the numbered lines, finds the one whose label is the
button's, and types its number. The label of a button's data is what the core shows for it (from the
Vietnamese catalog), so the check is on what the user really reads.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

from locales.i18n import _, set_language
from tests.zalo.server import ZaloTestServer

# What the core labels each button it offers (msgids of ``conversations/report_dialog.py``).
BUTTON_MSGIDS = {"confirm": "Confirm", "edit": "Edit an item", "cancel": "Cancel"}
_CHOICE = re.compile(r"^(\d+)\. (.+)$")


@dataclass(frozen=True)
class ZaloMessage:
    """A message the bot sent into a Zalo chat (text, or a photo by URL with its caption)."""

    message_id: str
    chat_id: str
    text: str
    photo: str | None = None
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)  # never any on Zalo

    def choices(self) -> dict[int, str]:
        """The numbered lines at the end of the text: what stands in for buttons."""
        found: dict[int, str] = {}
        for line in reversed(self.text.splitlines()):
            match = _CHOICE.match(line.strip())
            if not match:
                break
            found[int(match.group(1))] = match.group(2)
        return found


def button_label(data: str) -> str:
    """The Vietnamese label the core gives the button carrying ``data``."""
    if data not in BUTTON_MSGIDS:
        raise AssertionError(f"no known label for button data {data!r}")
    set_language("vi")
    return _(BUTTON_MSGIDS[data])


class ZaloChat:
    """One chat with the bot on the Zalo test server, as one user; mirrors the Telegram ``Chat``."""

    def __init__(
        self,
        zalo: ZaloTestServer,
        token: str,
        user_id: str,
        chat_id: str | None = None,
        group: bool = False,
        cursor: list[int] | None = None,
    ) -> None:
        self.zalo = zalo
        self.token = token
        self.user_id = user_id
        self.chat_id = chat_id or user_id
        self.group = group
        self._cursor = cursor if cursor is not None else [0]

    @property
    def id(self) -> str:
        """The chat id."""
        return self.chat_id

    def as_user(self, user_id: str) -> ZaloChat:
        """The same chat with ``user_id`` speaking (sharing what was read so far)."""
        return ZaloChat(self.zalo, self.token, user_id, self.chat_id, self.group, self._cursor)

    async def send(self, text: str) -> None:
        """Send a text message."""
        await self.zalo.send_text(self.token, self.user_id, text, chat_id=self.chat_id, group=self.group)

    async def messages(self) -> list[ZaloMessage]:
        """Every message the bot has sent to this chat."""
        return [
            ZaloMessage(s.message_id, s.chat_id, s.text or "", s.photo_url)
            for s in self.zalo.sent(self.token, self.chat_id)
        ]

    async def new_messages(self, count: int = 1, timeout: float = 10.0, settle: float = 0.2) -> list[ZaloMessage]:
        """Wait for at least ``count`` messages not returned before, then ``settle`` seconds for more."""
        deadline = time.monotonic() + timeout
        while len(await self.messages()) - self._cursor[0] < count:
            if time.monotonic() > deadline:
                fresh = [m.text for m in (await self.messages())[self._cursor[0] :]]
                raise AssertionError(f"expected {count} new bot message(s) in {self.chat_id}, got {fresh}")
            await asyncio.sleep(0.03)
        if settle > 0:
            await asyncio.sleep(settle)
        fresh_messages = (await self.messages())[self._cursor[0] :]
        self._cursor[0] += len(fresh_messages)
        return fresh_messages

    async def reply(self, timeout: float = 10.0) -> ZaloMessage:
        """Wait for the bot's next message and return it (the last one, if several came)."""
        return (await self.new_messages(1, timeout=timeout))[-1]

    async def ask(self, text: str, timeout: float = 10.0) -> ZaloMessage:
        """Send ``text`` and return the bot's answer."""
        await self.send(text)
        return await self.reply(timeout=timeout)

    async def press(self, message: ZaloMessage, data: str) -> None:
        """Type the number of the line that stands for the button carrying ``data``."""
        label = button_label(data)
        numbers = [n for n, text in message.choices().items() if text == label]
        if len(numbers) != 1:
            raise AssertionError(f"no numbered line {label!r} under the message:\n{message.text}")
        await self.send(str(numbers[0]))

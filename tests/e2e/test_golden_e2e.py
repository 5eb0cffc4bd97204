"""The golden transcripts (``tests/golden``) end to end: the real bot on aiogram and on python-telegram-bot
against the Telegram emulator, its replies compared with the recorded ones (``tests/golden/e2e_player.py``).

One bot process and database per world (``tests/golden/worlds.json``) and framework; the bot's clock is
pinned to the scripts' moment (``BAOCAO_CLOCK``), so the transcripts do not depend on today's date.
"""

from __future__ import annotations

import itertools

import pytest

from locales.messages import Button
from locales.profiles import PROFILES
from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import Chat, Emulator, User
from tests.golden.e2e_player import (
    BOT_ENV,
    DEMO_CLOCK,
    Message,
    Player,
    clone_invites,
    world_scripts,
)
from tests.golden.transcripts import worlds

pytestmark = pytest.mark.e2e

_user_ids = itertools.count(8_100_001)


class TelegramSide:
    """Actors as Telegram users of the emulator: private chats, and groups named by the scripts."""

    profile = PROFILES["telegram"]

    def __init__(self, tg: Emulator) -> None:
        self.tg = tg
        self.users: dict[str, User] = {}
        self.groups: dict[str, Chat] = {}

    def _user(self, actor: str) -> User:
        if actor not in self.users:
            self.users[actor] = User(next(_user_ids), actor.split("-", 1)[-1])
        return self.users[actor]

    def _chat(self, actor: str | None, chat: str) -> Chat:
        if chat == actor or (actor is None and chat not in self.groups):
            return self.tg.private(self._user(chat))
        if chat not in self.groups:
            self.groups[chat] = self.tg.group(chat)
        return self.groups[chat] if actor is None else self.groups[chat].as_user(self._user(actor))

    async def say(self, actor: str, chat: str, text: str) -> None:
        """Type ``text``."""
        await self._chat(actor, chat).send(text)

    async def press(self, actor: str, chat: str, data: str, shown: list[Message], offered: list[Button]) -> None:
        """Press the button under the latest message that has it."""
        under = next(m for m in reversed(shown) if any(d == data for _, d in m.buttons))
        await self._chat(actor, chat).press(under.raw, data)

    async def send_file(self, actor: str, chat: str, name: str, content: bytes) -> None:
        """Attach a document."""
        await self._chat(actor, chat).send_document(name, content, "text/plain")

    async def messages(self, chat: str) -> list[Message]:
        """The bot's messages in ``chat``."""
        found = await self._chat(None, chat).messages()
        return [Message(m.text, tuple(b for row in m.buttons for b in row),
                        "photo" if m.photo else "document" if m.document else None, m) for m in found]



@pytest.mark.parametrize("world", sorted(worlds()))
async def test_golden_world(tg: Emulator, bots: BotRunner, framework: str, world: str) -> None:
    """Every script of the world, played in order by one bot, gets the recorded replies."""
    scripts = world_scripts(world)
    db = await bots.database("sqlite", env={"BAOCAO_CLOCK": DEMO_CLOCK})
    codes = await clone_invites(db.url, db.codes.hamlets, db.codes.admin, db.codes.leader, len(scripts))
    bot = await bots.start(framework, db, extra_env={**BOT_ENV, "BAOCAO_CLOCK": scripts[0].clock.isoformat()},
                           wait=False)
    await bot.wait_ready(tg, timeout=90)  # a loaded CI machine (-n 4) can take long to start a bot
    player = Player(TelegramSide(tg))
    for script, script_codes in zip(scripts, codes, strict=True):
        await player.play(script, script_codes)
    await player.settle()
    assert bot.stop() == 0, bot.log()

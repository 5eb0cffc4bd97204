"""The golden transcripts (``tests/golden``) end to end on Zalo: the real ``baocao run --transport zalo``
against the Zalo test server, its replies compared with the recorded ones (``tests/golden/e2e_player.py``).

Zalo has no buttons: the recorded buttons are expected as the numbered lines its profile renders
(``render_reply``) and a press is typing the button's number. Zalo has no documents either (its
profile says so), so scripts that send a file are not played here; a file the bot sends is a link.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from locales.messages import Button
from locales.profiles import PROFILES
from tests.e2e.support.bot_process import create_database
from tests.golden.e2e_player import (
    BOT_ENV,
    DEMO_CLOCK,
    Message,
    Player,
    clone_invites,
    world_scripts,
)
from tests.golden.transcripts import worlds
from tests.zalo.bot_process import BotProcess, free_port, wait_for
from tests.zalo.server import ZaloTestServer

pytestmark = pytest.mark.e2e


class ZaloSide:
    """Actors as Zalo users of the test server: private chats, and groups named by the scripts."""

    profile = PROFILES["zalo"]

    def __init__(self, zalo: ZaloTestServer, token: str) -> None:
        self.zalo = zalo
        self.token = token

    async def say(self, actor: str, chat: str, text: str) -> None:
        """Type ``text``."""
        await self.zalo.send_text(self.token, actor, text, chat_id=chat, group=chat != actor)

    async def press(self, actor: str, chat: str, data: str, shown: list[Message], offered: list[Button]) -> None:
        """Type the number of the line that stands for the button (numbered as the transport numbers them)."""
        number = next(n for n, button in enumerate(offered, start=1) if button.data == data)
        await self.say(actor, chat, str(number))

    async def send_file(self, actor: str, chat: str, name: str, content: bytes) -> None:
        """Zalo passes no documents to bots: such scripts are not played here."""
        raise AssertionError("Zalo has no documents")

    async def messages(self, chat: str) -> list[Message]:
        """The bot's messages in ``chat`` (a photo's caption is its text)."""
        return [Message(s.text or "", (), "photo" if s.kind == "photo" else None, s)
                for s in self.zalo.sent(self.token, chat)]



@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer() as server:
        yield server


@pytest.mark.parametrize("world", sorted(worlds()))
async def test_golden_world_on_zalo(zalo: ZaloTestServer, tmp_path: Path, world: str) -> None:
    """Every script of the world Zalo can play, in order, by one bot, gets the recorded replies."""
    scripts = world_scripts(world, documents=PROFILES["zalo"].documents)
    db = await create_database("sqlite", tmp_path, env={"BAOCAO_CLOCK": DEMO_CLOCK})
    codes = await clone_invites(db.url, db.codes.hamlets, db.codes.admin, db.codes.leader, len(scripts))
    # The group scripts are played by a bot in Zalo's group testing (getMe: can_join_groups); an
    # ordinary Zalo bot answers /ketnoi with an explanation instead (tests/groups/test_command_table.py).
    token = zalo.add_bot(can_join_groups=True)
    port = free_port()
    env = {
        **BOT_ENV,
        "BAOCAO_CLOCK": scripts[0].clock.isoformat(),
        "DATABASE_URL": db.url,
        "ZALO_BOT_TOKEN": token,
        "ZALO_API_URL": zalo.base_url,
        "BAOCAO_LANGUAGE": "vi",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "BAOCAO_FILES_DIR": str(tmp_path / "files"),
    }
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    try:
        await wait_for(lambda: zalo.calls(token, "getUpdates") > 0, timeout=90, what="the bot to poll")
        player = Player(ZaloSide(zalo, token))
        for script, script_codes in zip(scripts, codes, strict=True):
            await player.play(script, script_codes)
        await player.settle()
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()
    assert "Traceback" not in bot.log(), bot.log()

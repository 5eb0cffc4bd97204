"""End to end on Zalo, in a group: the admin connects a Zalo group, which asks for the summary (text and
its chart, a picture Zalo fetches from the bot's own file endpoint) and the Excel file (a link).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.support.bot_process import create_database
from tests.e2e.support.scenarios import vi
from tests.zalo.bot_process import BotProcess, free_port, wait_for
from tests.zalo.chat_adapter import ZaloChat, ZaloMessage
from tests.zalo.server import ZaloTestServer

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]

BOUND_LEADERS = (
    "This group is now the leaders' group of {commune}. I will post here a summary the day after "
    "each reporting deadline and every Monday morning: who reported, who is late, the totals "
    "against the targets, with a chart. Type /tonghop for a summary and /xuatexcel for an Excel "
    "file at any time."
)
NOT_BOUND = (
    "This group is not connected to a commune yet. A commune admin creates a code with "
    "/maketnoi in a private chat with the bot, then types /ketnoi followed by the code here."
)
_BIND = re.compile(r"/ketnoi ([A-Z0-9]{6})")
_LINK = re.compile(r"(http://127\.0\.0\.1:\d+/files/\S+)")


def expect(message: ZaloMessage, *parts: str) -> ZaloMessage:
    """Check that every part occurs in the message's text."""
    missing = [p for p in parts if p not in message.text]
    assert not missing, f"{missing} not in the bot's message:\n{message.text}"
    return message


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer() as server:
        yield server


async def test_group_bound_on_zalo_gets_the_summary_chart_and_excel_by_url(
    zalo: ZaloTestServer, tmp_path: Path
) -> None:
    db = await create_database("sqlite", tmp_path)
    # A bot in Zalo's group testing: its getMe says it can join groups (ordinary bots cannot, and
    # then /ketnoi explains that summaries come privately: tests/groups/test_command_table.py).
    token = zalo.add_bot(can_join_groups=True)
    port = free_port()
    env = {
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
        await wait_for(lambda: zalo.calls(token, "getUpdates") > 0, what="the bot to poll")
        admin = ZaloChat(zalo, token, "zalo-admin")
        expect(await admin.ask(db.codes.admin), vi("Registered: you are the {role} of {unit}."))
        codes = await admin.ask("/maketnoi lanhdao")
        match = _BIND.search(codes.text)
        assert match, codes.text
        group = ZaloChat(zalo, token, "zalo-admin", chat_id="zalo-group-leaders", group=True)
        expect(await group.ask(f"/ketnoi {match.group(1)}"), vi(BOUND_LEADERS))
        await group.send("/tonghop")
        messages = await group.new_messages(2, timeout=30, settle=1.0)
        [chart] = [m for m in messages if m.photo]
        expect(chart, vi("Chart: {period}"))
        [sent_chart] = [s for s in zalo.sent(token, "zalo-group-leaders") if s.kind == "photo"]
        assert sent_chart.photo is not None and sent_chart.photo.startswith(b"\x89PNG")
        assert sent_chart.photo_type == "image/png"
        excel = await group.ask("/xuatexcel", timeout=30)
        link = _LINK.search(excel.text)
        assert link, excel.text
        async with aiohttp.ClientSession() as http, http.get(link.group(1)) as answer:
            assert answer.status == 200
            assert (await answer.read()).startswith(b"PK")  # an .xlsx is a zip
            assert "spreadsheetml" in answer.content_type
        # A stranger in another group is told to connect first; nothing leaks.
        stranger = ZaloChat(zalo, token, "zalo-x", chat_id="zalo-group-other", group=True)
        expect(await stranger.ask("/tonghop"), vi(NOT_BOUND))
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()
    assert "Traceback" not in bot.log(), bot.log()

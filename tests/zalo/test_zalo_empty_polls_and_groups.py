"""Regressions: getUpdates answering "Request timeout" (any code, or none) is an empty poll, not a
failure; getMe's ``can_join_groups`` decides whether Zalo counts as a transport with groups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from bot.send_retry import RetryPolicy
from bot.transports.zalo import ZaloBot, identify
from bot.transports.zalo_api import ZaloBotApi
from bot.transports.zalo_out import ZaloSender
from locales.messages import Incoming, Reply
from locales.profiles import profile_of, reset_declarations
from tests.zalo.server import ZaloTestServer

FAST = RetryPolicy(attempts=3, base_delay=0.01)


class Echo:
    """A core that answers every message with its text."""

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Echo."""
        return [Reply(f"echo: {incoming.text}")]


@pytest.fixture(params=[408, None], ids=["code-408", "no-code"])
async def zalo(request: pytest.FixtureRequest) -> AsyncIterator[ZaloTestServer]:
    """A Zalo test server whose empty polls say "Request timeout" with code 408, or with no code."""
    async with ZaloTestServer(poll_timeout_code=request.param) as server:
        yield server


async def test_request_timeout_is_an_empty_poll(zalo: ZaloTestServer) -> None:
    token = zalo.add_bot()
    async with ZaloBotApi(token, zalo.base_url, retry=FAST) as api:
        assert await api.get_updates(timeout=1) == []


async def test_polling_through_empty_polls_logs_nothing_and_never_backs_off(
    zalo: ZaloTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    token = zalo.add_bot()
    caplog.set_level(logging.INFO)
    async with ZaloBotApi(token, zalo.base_url, retry=FAST) as api:
        bot = ZaloBot(Echo(), api, ZaloSender(api))
        stop = asyncio.Event()
        polling = asyncio.create_task(bot.run_polling(stop, poll_timeout=1))
        await asyncio.sleep(2.5)  # two polls end empty
        loop = asyncio.get_running_loop()
        started = loop.time()
        await zalo.send_text(token, "u1", "còn đó không")
        [answer] = await zalo.wait_sent(token, "u1", 1, timeout=5)
        answered_in = loop.time() - started
        stop.set()
        await asyncio.wait_for(polling, 5)
    assert answer.text == "echo: còn đó không"
    assert answered_in < 1.0  # polling went straight on: no backoff after an empty poll
    assert zalo.calls(token, "getUpdates") >= 3
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_get_me_decides_whether_zalo_has_groups() -> None:
    async with ZaloTestServer() as zalo:
        ordinary, grouped = zalo.add_bot(), zalo.add_bot(can_join_groups=True)
        try:
            async with ZaloBotApi(ordinary, zalo.base_url, retry=FAST) as api:
                await identify(api)
            assert not profile_of("zalo").groups
            async with ZaloBotApi(grouped, zalo.base_url, retry=FAST) as api:
                me = await identify(api)
            assert me.can_join_groups is True and profile_of("zalo").groups
        finally:
            reset_declarations()
    assert not profile_of("zalo").groups

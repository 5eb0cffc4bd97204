"""The Zalo bot token never reaches an error's text: aiohttp quotes the request URL (``…/bot<token>/…``)
in some of its errors, and that text is logged and stored with a failed outbox row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
from aiohttp import web

from bot.send_retry import NO_RETRY
from bot.transports.zalo_api import ZaloBotApi, ZaloNetworkError

TOKEN = "1234567890:zalo-secret-part-ABCdef"


@pytest.fixture
async def redirect_loop() -> AsyncIterator[str]:
    """A server that redirects every request to itself: aiohttp gives up with the URL in its error."""

    async def handle(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def test_a_network_error_quoting_the_url_holds_no_token(redirect_loop: str) -> None:
    async with ZaloBotApi(TOKEN, redirect_loop, retry=NO_RETRY) as api:
        with pytest.raises(ZaloNetworkError) as caught:
            await api.get_me()
    text = str(caught.value)
    assert "TooManyRedirects" in text and "/bot***/getMe" in text
    for form in (TOKEN, quote(TOKEN, safe=""), "zalo-secret-part"):
        assert form not in text

"""The Zalo transport in one process: polling, the webhook and its secret, the file endpoint.

The core here is a hand-written fake (it records what it got and answers with buttons); the real
core runs in the end-to-end tests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.send_retry import RetryPolicy
from bot.transports.public_files import PublicFiles
from bot.transports.zalo import ZaloBot
from bot.transports.zalo_api import ZaloBotApi, ZaloUnauthorized
from bot.transports.zalo_out import ZaloSender
from bot.transports.zalo_updates import SECRET_HEADER
from locales.messages import Attachment, Button, Incoming, Reply
from tests.zalo.server import ZaloTestServer

SECRET = "webhook-secret-123"


@dataclass
class EchoCore:
    """Answers every text with an echo and two buttons; a picture or sticker gets "type please"."""

    seen: list[Incoming] = field(default_factory=list)
    delay: float = 0.0

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Record and answer."""
        self.seen.append(incoming)
        if self.delay:
            await asyncio.sleep(self.delay)
        if incoming.text is None:
            return [Reply("type please")]
        return [Reply(f"echo: {incoming.text}", [[Button("Đúng", "yes")], [Button("Sai", "no")]])]


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer(webhook_retry_delay=0.05) as server:
        yield server


async def _app(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def test_polling_answers_each_chat_in_order(zalo: ZaloTestServer) -> None:
    token = zalo.add_bot()
    core = EchoCore(delay=0.05)
    async with ZaloBotApi(token, zalo.base_url, retry=RetryPolicy(attempts=3, base_delay=0.01)) as api:
        bot = ZaloBot(core, api, ZaloSender(api))
        stop = asyncio.Event()
        polling = asyncio.create_task(bot.run_polling(stop, poll_timeout=1))
        for n in range(3):
            await zalo.send_text(token, "u1", f"tin {n}")
        await zalo.send_text(token, "u2", "nhóm", chat_id="g1", group=True)
        await zalo.send_sticker(token, "u2", chat_id="g1", group=True)
        private = await zalo.wait_sent(token, "u1", 3)
        group = await zalo.wait_sent(token, "g1", 2)
        stop.set()
        await asyncio.wait_for(polling, 5)
    assert [m.text for m in private] == [f"echo: tin {n}\n\n1. Đúng\n2. Sai" for n in range(3)]
    assert [m.text for m in group] == ["echo: nhóm\n\n1. Đúng\n2. Sai", "type please"]
    assert {(i.chat_type, i.transport) for i in core.seen if i.chat_id == "g1"} == {("group", "zalo")}


async def test_polling_survives_server_errors_and_stops_on_a_bad_token(zalo: ZaloTestServer) -> None:
    token = zalo.add_bot()
    zalo.fail_next(token, "getUpdates", error_code=502, times=2)
    core = EchoCore()
    async with ZaloBotApi(token, zalo.base_url) as api:
        bot = ZaloBot(core, api, ZaloSender(api))
        stop = asyncio.Event()
        polling = asyncio.create_task(bot.run_polling(stop, poll_timeout=1))
        await zalo.send_text(token, "u1", "vẫn tới")
        [answer] = await zalo.wait_sent(token, "u1", 1, timeout=15)
        stop.set()
        await asyncio.wait_for(polling, 5)
    assert answer.text is not None and answer.text.startswith("echo: vẫn tới")
    async with ZaloBotApi("1:wrong", zalo.base_url) as stranger:
        with pytest.raises(ZaloUnauthorized):
            await ZaloBot(core, stranger, ZaloSender(stranger)).run_polling(asyncio.Event(), poll_timeout=1)


async def test_webhook_refuses_a_wrong_secret_and_answers_zalo_events(zalo: ZaloTestServer) -> None:
    token = zalo.add_bot()
    core = EchoCore()
    async with ZaloBotApi(token, zalo.base_url) as api:
        bot = ZaloBot(core, api, ZaloSender(api))
        app = web.Application()
        bot.add_webhook_route(app, "/zalo/hook", SECRET)
        runner, base = await _app(app)
        try:
            async with aiohttp.ClientSession() as http:
                forged = {
                    "event_name": "message.text.received",
                    "message": {
                        "message_id": "m1",
                        "from": {"id": "evil"},
                        "chat": {"id": "evil", "chat_type": "PRIVATE"},
                        "date": 1,
                        "text": "/xem",
                    },
                }
                for headers in ({}, {SECRET_HEADER: "not-the-secret"}):
                    async with http.post(f"{base}/zalo/hook", json=forged, headers=headers) as answer:
                        assert answer.status == 401
                async with http.post(f"{base}/zalo/hook", data=b"{", headers={SECRET_HEADER: SECRET}) as answer:
                    assert answer.status == 400
            assert core.seen == []
            await api.set_webhook(f"{base}/zalo/hook", SECRET)
            await zalo.send_text(token, "u1", "qua webhook")
            [sent] = await zalo.wait_sent(token, "u1", 1)
        finally:
            await runner.cleanup()
    assert sent.text is not None and sent.text.startswith("echo: qua webhook")
    assert [i.text for i in core.seen] == ["qua webhook"]


async def test_webhook_redelivery_after_downtime_loses_nothing(zalo: ZaloTestServer) -> None:
    token = zalo.add_bot()
    core = EchoCore()
    async with ZaloBotApi(token, zalo.base_url) as api:
        bot = ZaloBot(core, api, ZaloSender(api))
        app = web.Application()
        bot.add_webhook_route(app, "/zalo/hook", SECRET)
        runner, base = await _app(app)
        port = runner.addresses[0][1]
        await api.set_webhook(f"{base}/zalo/hook", SECRET)
        await runner.cleanup()  # the bot is down
        await zalo.send_text(token, "u1", "lúc bot tắt")
        await asyncio.sleep(0.3)
        assert 200 not in zalo.bot(token).webhook_answers
        app2 = web.Application()
        bot.add_webhook_route(app2, "/zalo/hook", SECRET)
        runner2 = web.AppRunner(app2, access_log=None)
        await runner2.setup()
        await web.TCPSite(runner2, "127.0.0.1", port).start()
        try:
            [answer] = await zalo.wait_sent(token, "u1", 1)
        finally:
            await runner2.cleanup()
    assert answer.text is not None and answer.text.startswith("echo: lúc bot tắt")


async def test_public_files_serve_until_they_expire(tmp_path: Path) -> None:
    now = [dt.datetime(2026, 6, 1, tzinfo=dt.UTC)]
    files = PublicFiles(tmp_path / "files", "https://bot.example.vn/", ttl=dt.timedelta(hours=1), clock=lambda: now[0])
    app = web.Application()
    files.add_routes(app)
    runner, base = await _app(app)
    try:
        url = await files.link("Tổng hợp tháng 6.xlsx", b"PK\x03\x04data", "document")
        assert url.startswith("https://bot.example.vn/files/")
        local = base + url.removeprefix("https://bot.example.vn")
        async with aiohttp.ClientSession() as http:
            async with http.get(local) as answer:
                assert answer.status == 200 and await answer.read() == b"PK\x03\x04data"
                assert answer.content_type.endswith("spreadsheetml.sheet")
            token = url.split("/")[4]
            async with http.get(local.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))) as guess:
                assert guess.status == 404
            now[0] += dt.timedelta(hours=2)
            async with http.get(local) as late:
                assert late.status == 410
        assert files.purge_expired() == 1
        assert list((tmp_path / "files").iterdir()) == []
    finally:
        await runner.cleanup()


async def test_a_picture_reply_is_published_and_fetched_by_zalo(zalo: ZaloTestServer, tmp_path: Path) -> None:
    token = zalo.add_bot()
    zalo.add_chat(token, "g1", group=True)
    files = PublicFiles(tmp_path, "http://127.0.0.1:1")
    app = web.Application()
    files.add_routes(app)
    runner, base = await _app(app)
    files.public_base_url = base
    try:
        async with ZaloBotApi(token, zalo.base_url) as api:
            await ZaloSender(api, files).send_reply(
                "g1", Reply("Biểu đồ", attachment=Attachment("c.png", b"\x89PNG..", "photo"))
            )
        [photo] = zalo.sent(token, "g1")
    finally:
        await runner.cleanup()
    assert photo.photo == b"\x89PNG.." and photo.photo_type == "image/png" and photo.text == "Biểu đồ"


async def test_polling_throughput_with_one_event_per_get_updates(zalo: ZaloTestServer) -> None:
    """Measures the transport's own cost: 300 messages from 30 users, echoed, through the test server.

    Zalo hands out one event per getUpdates call, so a poller pays one HTTP round trip per event;
    the figure printed is what one process reaches on 127.0.0.1 (the core here costs nothing).
    """
    token = zalo.add_bot()
    core = EchoCore()
    users, per_user = 30, 10
    async with ZaloBotApi(token, zalo.base_url) as api:
        bot = ZaloBot(core, api, ZaloSender(api))
        for n in range(per_user):
            for u in range(users):
                await zalo.send_text(token, f"u{u}", f"tin {n}")
        stop = asyncio.Event()
        started = asyncio.get_running_loop().time()
        polling = asyncio.create_task(bot.run_polling(stop, poll_timeout=1))
        for u in range(users):
            await zalo.wait_sent(token, f"u{u}", per_user, timeout=60)
        elapsed = asyncio.get_running_loop().time() - started
        stop.set()
        await asyncio.wait_for(polling, 5)
    rate = users * per_user / elapsed
    print(f"\nZalo polling: {users * per_user} events in {elapsed:.2f}s = {rate:.0f} events/s")
    for u in range(users):  # each chat's answers in the order its messages were sent
        texts = [m.text or "" for m in zalo.sent(token, f"u{u}")]
        assert [t.split("\n")[0] for t in texts] == [f"echo: tin {n}" for n in range(per_user)]
    assert rate > 20

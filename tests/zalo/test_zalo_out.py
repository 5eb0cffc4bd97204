"""Sending replies and outbox rows on Zalo: numbered buttons, splitting, pictures and files by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.delivery_errors import Permanent, Transient
from bot.send_retry import RetryPolicy
from bot.transports.outlet import NoFileLinks
from bot.transports.zalo_api import ZaloBotApi
from bot.transports.zalo_out import ZaloSender
from locales.messages import Attachment, Button, Reply
from storage.models.outbox import OutboxMessage
from tests.zalo.server import ZaloTestServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32


class LocalFiles:
    """A real little file endpoint on 127.0.0.1: what the bot's own web endpoint does, minus expiry."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.base = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Serve on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_get("/f/{name}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.Response:
        content, kind = self.files[request.match_info["name"]]
        return web.Response(body=content, content_type="image/png" if kind == "photo" else "application/octet-stream")

    async def link(self, name: str, content: bytes, kind: str) -> str:
        """Publish ``content``; return its URL."""
        key = f"{len(self.files)}-{name}"
        self.files[key] = (content, kind)
        return f"{self.base}/f/{key}"


@pytest.fixture
async def setup() -> AsyncIterator[tuple[ZaloTestServer, str, ZaloSender, LocalFiles]]:
    """A server with a bot and two chats, a sender for it, and a file endpoint."""
    files = LocalFiles()
    await files.start()
    async with ZaloTestServer() as zalo:
        token = zalo.add_bot()
        zalo.add_chat(token, "u1")
        zalo.add_chat(token, "g1", group=True)
        policy = RetryPolicy(attempts=3, base_delay=0.01)
        async with ZaloBotApi(token, zalo.base_url, request_timeout=2.0, retry=policy) as api:
            yield zalo, token, ZaloSender(api, files), files
    await files.stop()


async def test_reply_with_buttons_is_text_with_numbered_lines(
    setup: tuple[ZaloTestServer, str, ZaloSender, LocalFiles],
) -> None:
    zalo, token, sender, _ = setup
    reply = Reply("Gửi báo cáo tháng 6?", buttons=[[Button("Xác nhận", "yes"), Button("Sửa", "edit")]])
    await sender.send_reply("u1", reply)
    assert [s.text for s in zalo.sent(token, "u1")] == ["Gửi báo cáo tháng 6?\n\n1. Xác nhận\n2. Sửa"]


async def test_reply_to_another_chat_and_a_long_reply(
    setup: tuple[ZaloTestServer, str, ZaloSender, LocalFiles],
) -> None:
    zalo, token, sender, _ = setup
    long_text = "\n".join(f"Ấp {i}: đã nộp báo cáo, số liệu đầy đủ." for i in range(150))
    await sender.send_reply("u1", Reply(long_text, chat_id="g1"))
    pieces = [s.text for s in zalo.sent(token, "g1")]
    assert len(pieces) >= 3 and "\n".join(p or "" for p in pieces) == long_text
    assert zalo.sent(token, "u1") == []


async def test_picture_goes_as_photo_by_url_with_the_text_as_caption(
    setup: tuple[ZaloTestServer, str, ZaloSender, LocalFiles],
) -> None:
    zalo, token, sender, _ = setup
    await sender.send_reply("g1", Reply("Tổng hợp tháng 6", attachment=Attachment("chart.png", PNG, "photo")))
    [photo] = zalo.sent(token, "g1")
    assert photo.kind == "photo" and photo.photo == PNG and photo.text == "Tổng hợp tháng 6"


async def test_spreadsheet_goes_as_a_link_under_the_text(
    setup: tuple[ZaloTestServer, str, ZaloSender, LocalFiles],
) -> None:
    zalo, token, sender, files = setup
    await sender.send_reply("g1", Reply("Bảng tổng hợp", attachment=Attachment("bang.xlsx", b"PK\x03\x04", "document")))
    [message] = zalo.sent(token, "g1")
    assert message.kind == "text" and message.text is not None
    text, url = message.text.split("\n")
    assert text == "Bảng tổng hợp" and url.startswith(files.base)


async def test_outbox_row_first_message_is_not_retried_here(
    setup: tuple[ZaloTestServer, str, ZaloSender, LocalFiles],
) -> None:
    zalo, token, sender, _ = setup
    row = OutboxMessage(
        transport="zalo",
        chat_id="u1",
        chat_type="private",
        text="Nhắc: hạn báo cáo là ngày 20.",
        buttons=[[{"label": "Báo cáo ngay", "data": "report"}]],
        dedupe_key="k1",
    )
    zalo.fail_next(token, "sendMessage", error_code=502)
    with pytest.raises(Transient):
        await sender.deliver(row)
    assert zalo.calls(token, "sendMessage") == 1 and zalo.sent(token) == []
    message_id = await sender(row)
    [sent] = zalo.sent(token, "u1")
    assert sent.text == "Nhắc: hạn báo cáo là ngày 20.\n\nGõ “Báo cáo ngay”" and message_id == sent.message_id


async def test_outbox_later_pieces_are_retried_here(
    setup: tuple[ZaloTestServer, str, ZaloSender, LocalFiles],
) -> None:
    zalo, token, sender, _ = setup
    row = OutboxMessage(
        transport="zalo", chat_id="g1", chat_type="group", text=("Số liệu. " * 400).strip(), dedupe_key="k2"
    )
    zalo.fail_next(token, "sendMessage", error_code=500)  # hits the first piece: raised to the sender
    with pytest.raises(Transient):
        await sender.deliver(row)
    zalo.fail_next(token, "sendMessage", error_code=500, skip=1)  # now the second piece fails once
    await sender.deliver(row)  # ... and is retried here, so the first is not sent again
    assert len(zalo.sent(token, "g1")) == 2
    assert zalo.calls(token, "sendMessage") == 4


async def test_outbox_photo_by_reference_and_a_blocked_chat(
    setup: tuple[ZaloTestServer, str, ZaloSender, LocalFiles],
) -> None:
    zalo, token, sender, files = setup
    url = await files.link("c.png", PNG, "photo")
    row = OutboxMessage(
        transport="zalo",
        chat_id="g1",
        chat_type="group",
        text="Biểu đồ",
        attachment_ref=url,
        attachment_kind="photo",
        dedupe_key="k3",
    )
    await sender.deliver(row)
    assert zalo.sent(token, "g1")[0].photo == PNG
    zalo.fail_next(token, "sendMessage", error_code=403, description="Forbidden: bot was blocked")
    with pytest.raises(Permanent):
        await sender.deliver(OutboxMessage(transport="zalo", chat_id="u1", text="x", dedupe_key="k4"))


async def test_without_a_file_endpoint_an_attachment_is_a_permanent_failure() -> None:
    with pytest.raises(Permanent, match="PUBLIC_BASE_URL"):
        await NoFileLinks().link("a.png", PNG, "photo")


async def test_without_a_file_endpoint_a_reply_still_sends_its_text(
    setup: tuple[ZaloTestServer, str, ZaloSender, LocalFiles],
) -> None:
    zalo, token, sender, _ = setup
    bare = ZaloSender(sender.api)
    await bare.send_reply("g1", Reply("Biểu đồ tháng 6", attachment=Attachment("c.png", PNG, "photo")))
    [message] = zalo.sent(token, "g1")
    assert message.kind == "text" and message.text == "Biểu đồ tháng 6"

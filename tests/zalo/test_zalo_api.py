"""The Zalo client, text fitting and update parsing, exercised against the Zalo test server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.delivery_errors import Permanent, RetryAfter, Transient
from bot.send_retry import NO_RETRY, RetryPolicy
from bot.transports.zalo_api import (
    ZaloBadRequest,
    ZaloBotApi,
    ZaloConflict,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloNotFound,
    ZaloRetryAfter,
    ZaloServerError,
    ZaloUnauthorized,
    error_for,
)
from bot.transports.zalo_updates import SECRET_HEADER, parse_update, secret_matches
from locales import rendering
from locales.messages import Button
from locales.profiles import PROFILES
from locales.rendering import render_buttons, utf16_len
from tests.zalo.server import ZaloTestServer

ZALO_TEXT_LIMIT = PROFILES["zalo"].text_limit

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=1.0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer(webhook_retry_delay=0.02) as server:
        yield server


@pytest.fixture
async def bot(zalo: ZaloTestServer) -> AsyncIterator[tuple[str, ZaloBotApi]]:
    """A bot on the server, its private chat with user "u1" open, and a client for it."""
    token = zalo.add_bot()
    zalo.add_chat(token, "u1")
    async with ZaloBotApi(token, zalo.base_url, request_timeout=2.0, retry=FAST) as api:
        yield token, api


async def _local_app(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


# ----- splitting and buttons (the shared renderer, at Zalo's limit) ----------------------------


def split_text(text: str) -> list[str]:
    """The renderer's split at Zalo's limit."""
    return rendering.split_text(text, ZALO_TEXT_LIMIT)


def reply_pieces(text: str, buttons: list[list[Button]]) -> list[str]:
    """The renderer's buttons-as-lines and split at Zalo's limit."""
    return rendering.reply_pieces(text, buttons, ZALO_TEXT_LIMIT)


def test_short_text_is_one_piece_and_empty_text_none() -> None:
    assert split_text("Xin chào") == ["Xin chào"]
    assert split_text("  \n ") == []


def test_long_text_is_cut_between_paragraphs() -> None:
    paragraph = "Ấp Một đã báo cáo đủ chỉ tiêu tháng này. " * 30  # ~1,230 characters
    text = "\n\n".join([paragraph.strip()] * 3)
    pieces = split_text(text)
    assert len(pieces) == 3
    assert all(piece == paragraph.strip() for piece in pieces)


def test_one_long_line_is_cut_after_a_sentence() -> None:
    sentence = "Số người sử dụng trái phép chất ma túy được quản lý là 12 người. "
    text = sentence * 60
    pieces = split_text(text)
    assert len(pieces) >= 2
    assert all(utf16_len(p) <= ZALO_TEXT_LIMIT for p in pieces)
    assert all(p.endswith("người.") for p in pieces)
    assert " ".join(pieces) == text.strip()


def test_text_without_spaces_is_cut_hard_at_the_limit() -> None:
    pieces = split_text("x" * 4500)
    assert [len(p) for p in pieces] == [2000, 2000, 500]


def test_emoji_count_two_units_and_never_split_in_half() -> None:
    pieces = split_text("😀" * 1500)
    assert [utf16_len(p) for p in pieces] == [2000, 1000]
    assert "".join(pieces) == "😀" * 1500


def test_buttons_become_numbered_lines_row_by_row() -> None:
    buttons = [[Button("Xác nhận", "confirm"), Button("Sửa", "edit")], [Button("Hủy", "cancel")]]
    assert render_buttons("Gửi báo cáo?", buttons) == "Gửi báo cáo?\n\n1. Xác nhận\n2. Sửa\n3. Hủy"
    assert render_buttons("Gửi báo cáo?", []) == "Gửi báo cáo?"


def test_a_label_already_numbered_is_not_numbered_twice() -> None:
    buttons = [[Button("1. Có, giữ 40", "yes")], [Button("2. Không, nhập lại", "no")], [Button("3 xã", "x")]]
    assert render_buttons("Chắc chưa?", buttons) == "Chắc chưa?\n\n1. Có, giữ 40\n2. Không, nhập lại\n3. 3 xã"


def test_reply_with_buttons_is_split_with_the_lines_kept_whole() -> None:
    text = ("Dòng thông tin. " * 120).strip()
    pieces = reply_pieces(text, [[Button("Xác nhận", "yes")], [Button("Hủy", "no")]])
    assert pieces[-1].endswith("1. Xác nhận\n2. Hủy")
    assert all(utf16_len(p) <= ZALO_TEXT_LIMIT for p in pieces)


# ----- error mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "retryable"),
    [
        (400, ZaloBadRequest, False),
        (401, ZaloUnauthorized, False),
        (403, ZaloForbidden, False),
        (404, ZaloNotFound, False),
        (409, ZaloConflict, False),
        (422, ZaloBadRequest, False),
        (429, ZaloRetryAfter, True),
        (500, ZaloServerError, True),
        (502, ZaloServerError, True),
        (None, ZaloNetworkError, True),
    ],
)
def test_error_codes_map_to_typed_errors(code: int | None, kind: type, retryable: bool) -> None:
    error = error_for("sendMessage", code, "x")
    assert type(error) is kind
    assert error.retryable is retryable
    # The outbox sender acts on its own three kinds: each Zalo error must be exactly one of them.
    sender_kinds = [k for k in (RetryAfter, Transient, Permanent) if isinstance(error, k)]
    assert sender_kinds == [RetryAfter if code == 429 else Transient if retryable else Permanent]


def test_retry_after_comes_from_the_header_or_the_description() -> None:
    from_header = error_for("sendMessage", 429, "Too Many Requests", "7")
    from_text = error_for("sendMessage", 429, "Too Many Requests: retry after 3")
    assert isinstance(from_header, ZaloRetryAfter) and from_header.retry_after == 7
    assert isinstance(from_text, ZaloRetryAfter) and from_text.retry_after == 3
    assert from_text.seconds == 3  # what the outbox sender reads


# ----- the client against the server -------------------------------------------------------------


async def test_get_me_and_a_wrong_token(zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]) -> None:
    token, api = bot
    me = await api.get_me()
    assert me.id == token.split(":")[0] and me.account_name == "Báo cáo"
    async with ZaloBotApi("999:nope", zalo.base_url, retry=FAST) as stranger:
        with pytest.raises(ZaloUnauthorized):
            await stranger.get_me()


async def test_send_message_and_permanent_errors_are_not_retried(
    zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]
) -> None:
    token, api = bot
    await api.send_message("u1", "Chào anh")
    assert [s.text for s in zalo.sent(token, "u1")] == ["Chào anh"]
    with pytest.raises(ZaloBadRequest, match="chat not found"):
        await api.send_message("nobody", "Chào")
    with pytest.raises(ZaloBadRequest, match="too long"):
        await api.send_message("u1", "x" * (ZALO_TEXT_LIMIT + 1))
    assert zalo.calls(token, "sendMessage") == 3


async def test_server_errors_are_retried_until_delivered_once(
    zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]
) -> None:
    token, api = bot
    zalo.fail_next(token, "sendMessage", error_code=500, times=2)
    await api.send_message("u1", "Nhắc việc")
    assert zalo.calls(token, "sendMessage") == 3
    assert [s.text for s in zalo.sent(token, "u1")] == ["Nhắc việc"]


async def test_429_waits_the_hinted_delay(zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]) -> None:
    token, api = bot
    zalo.fail_next(token, "sendMessage", error_code=429, retry_after=0.3)
    started = time.monotonic()
    await api.send_message("u1", "Tổng hợp")
    assert time.monotonic() - started >= 0.3
    assert len(zalo.sent(token, "u1")) == 1
    zalo.fail_next(token, "sendMessage", error_code=429, retry_after=5)
    with pytest.raises(ZaloRetryAfter) as caught:
        await api.send_message("u1", "Tổng hợp", retry=NO_RETRY)
    assert caught.value.retry_after == 5


async def test_time_outs_and_dropped_connections_are_retried(zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]) -> None:
    token, api = bot
    zalo.timeout_next(token, "sendMessage", delay=3.0)
    zalo.drop_next(token, "sendMessage")
    await api.send_message("u1", "Lần thứ ba")
    assert zalo.calls(token, "sendMessage") == 3
    assert [s.text for s in zalo.sent(token, "u1")] == ["Lần thứ ba"]


async def test_retries_are_bounded_and_the_last_error_raised(zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]) -> None:
    token, api = bot
    zalo.fail_next(token, "sendMessage", error_code=503, times=10)
    with pytest.raises(ZaloServerError):
        await api.send_message("u1", "Không tới")
    assert zalo.calls(token, "sendMessage") == FAST.attempts
    assert zalo.sent(token) == []


async def test_a_connection_lost_after_delivery_is_a_network_error(
    zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]
) -> None:
    """Pins why the outbox must treat a network error as "maybe sent": the message did arrive."""
    token, api = bot
    zalo.drop_next(token, "sendMessage", after_work=True)
    with pytest.raises(ZaloNetworkError):
        await api.send_message("u1", "Có thể đã gửi", retry=NO_RETRY)
    assert [s.text for s in zalo.sent(token, "u1")] == ["Có thể đã gửi"]


async def test_long_message_is_sent_in_pieces_the_server_accepts(
    zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]
) -> None:
    token, api = bot
    text = "\n".join(f"{i}. Ấp {i}: đã báo cáo đầy đủ các chỉ tiêu của tháng." for i in range(1, 120))
    await api.send_long_message("u1", text)
    pieces = [s.text or "" for s in zalo.sent(token, "u1")]
    assert len(pieces) >= 3
    assert "\n".join(pieces) == text


async def test_photo_by_url_is_fetched_from_the_bot_endpoint(zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]) -> None:
    token, api = bot

    async def chart(_: web.Request) -> web.Response:
        """The bot's chart."""
        return web.Response(body=PNG, content_type="image/png")

    app = web.Application()
    app.router.add_get("/files/abc.png", chart)
    async for base in _local_app(app):
        await api.send_photo("u1", f"{base}/files/abc.png", caption="Biểu đồ tháng 6")
        with pytest.raises(ZaloBadRequest, match="failed to get photo"):
            await api.send_photo("u1", f"{base}/files/expired.png")
    [photo] = zalo.sent(token, "u1")
    assert photo.kind == "photo" and photo.photo == PNG and photo.photo_type == "image/png"
    assert photo.text == "Biểu đồ tháng 6"


async def test_chat_action(zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]) -> None:
    token, api = bot
    await api.send_chat_action("u1")
    assert zalo.bot(token).actions == [("u1", "typing")]


# ----- updates -----------------------------------------------------------------------------------


async def test_long_poll_times_out_empty_then_hands_out_one_event_per_call(
    zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]
) -> None:
    token, api = bot
    started = time.monotonic()
    assert await api.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9
    await zalo.send_text(token, "u2", "/start")
    await zalo.send_text(token, "u2", "MOI-1234")
    first = await api.get_updates(timeout=1)
    second = await api.get_updates(timeout=1)
    assert [u["message"]["text"] for u in first + second] == ["/start", "MOI-1234"]


async def test_a_poll_waiting_when_a_message_arrives_returns_at_once(
    zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]
) -> None:
    token, api = bot
    poll = asyncio.create_task(api.get_updates(timeout=20))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await zalo.send_text(token, "u3", "xem")
    [update] = await poll
    assert time.monotonic() - started < 2
    assert update["message"]["text"] == "xem"


async def test_a_poller_that_goes_away_takes_no_event_with_it(
    zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]
) -> None:
    token, api = bot
    poll = asyncio.create_task(api.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    await asyncio.sleep(0.3)
    await zalo.send_text(token, "u3", "gửi khi bot đang tắt")
    await asyncio.sleep(0.3)
    [update] = await api.get_updates(timeout=1)
    assert update["message"]["text"] == "gửi khi bot đang tắt"


async def test_every_event_kind_parses(zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]) -> None:
    token, api = bot
    await zalo.send_text(token, "u4", "Báo cáo", user_name="Chị Lan")
    await zalo.send_text(token, "u5", "/tonghop", chat_id="g1", group=True)
    await zalo.send_image(token, "u4")
    await zalo.send_sticker(token, "u4", chat_id="g1", group=True)
    await zalo.send_unsupported(token, "u4")
    parsed = []
    for _ in range(5):
        [update] = await api.get_updates(timeout=1)
        incoming = parse_update(update)
        assert incoming is not None and incoming.update_id == update["message"]["message_id"]
        parsed.append((incoming.transport, incoming.chat_id, incoming.user_id, incoming.text, incoming.chat_type))
    assert parsed == [
        ("zalo", "u4", "u4", "Báo cáo", "private"),
        ("zalo", "g1", "u5", "/tonghop", "group"),
        ("zalo", "u4", "u4", None, "private"),
        ("zalo", "g1", "u4", None, "group"),
        ("zalo", "u4", "u4", None, "private"),
    ]
    first = await zalo.send_text(token, "u4", "x", user_name="Chị Lan")
    incoming = parse_update(first)
    assert incoming is not None and incoming.user_name == "Chị Lan"


@pytest.mark.parametrize(
    "update",
    [
        {"event_name": "user.follow", "message": {}},
        {"event_name": "message.text.received"},
        {"event_name": "message.text.received", "message": {"chat": {"id": "c"}, "text": "x"}},
        {
            "event_name": "message.text.received",
            "message": {"from": {"id": "b", "is_bot": True}, "chat": {"id": "c"}, "text": "x"},
        },
    ],
)
def test_events_that_are_no_users_message_are_ignored(update: dict[str, Any]) -> None:
    assert parse_update(update) is None


def test_numeric_ids_and_a_missing_message_id_still_parse() -> None:
    update = {
        "event_name": "message.text.received",
        "message": {"from": {"id": 42}, "chat": {"id": 42, "chat_type": "PRIVATE"}, "date": 1, "text": "hi"},
    }
    incoming = parse_update(update)
    assert incoming is not None
    assert (incoming.chat_id, incoming.user_id, incoming.update_id) == ("42", "42", "42:42:1")


# ----- webhook -----------------------------------------------------------------------------------


async def test_webhook_gets_events_with_the_secret_and_redelivers_until_accepted(
    zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]
) -> None:
    token, api = bot
    secret = "s3cret-token-for-tests"
    received: list[str] = []
    refused_once: list[bool] = []

    async def hook(request: web.Request) -> web.Response:
        """The bot's webhook: refuses a wrong secret, fails the first delivery."""
        if not secret_matches(request.headers, secret):
            return web.Response(status=401)
        if not refused_once:  # the bot is restarting: the first delivery fails
            refused_once.append(True)
            return web.Response(status=503)
        incoming = parse_update(await request.json())
        assert incoming is not None
        received.append(incoming.text or "")
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/zalo/hook", hook)
    async for base in _local_app(app):
        await api.set_webhook(f"{base}/zalo/hook", secret)
        assert (await api.get_webhook_info())["url"] == f"{base}/zalo/hook"
        with pytest.raises(ZaloConflict):
            await api.get_updates(timeout=1)
        await zalo.send_text(token, "u6", "một")
        await zalo.send_text(token, "u6", "hai")
        for _ in range(200):
            if len(received) == 2:
                break
            await asyncio.sleep(0.02)
        assert received == ["một", "hai"]
        assert zalo.bot(token).webhook_answers[:2] == [503, 200]
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{base}/zalo/hook", json={}, headers={SECRET_HEADER: "wrong-secret"}) as forged,
        ):
            assert forged.status == 401
        await api.delete_webhook()
        await zalo.send_text(token, "u6", "ba")
        [update] = await api.get_updates(timeout=1)
        assert update["message"]["text"] == "ba"


async def test_webhook_secret_and_url_are_checked(zalo: ZaloTestServer, bot: tuple[str, ZaloBotApi]) -> None:
    _, api = bot
    with pytest.raises(ValueError, match="8-256"):
        await api.set_webhook("https://bot.example.vn/zalo", "short")
    with pytest.raises(ZaloBadRequest, match="https"):
        await api.call("setWebhook", {"url": "http://bot.example.vn/zalo", "secret_token": "long-enough"})
    assert not secret_matches({SECRET_HEADER: "abc"}, "")
    assert not secret_matches({}, "abcdefgh")
    assert secret_matches({SECRET_HEADER: "abcdefgh"}, "abcdefgh")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Báo cáo /tonghop", "/tonghop"),
        ("@bao cao, /tonghop 11/2026", "/tonghop 11/2026"),
        ("@Báo cáo", None),
        ("@Báo cáoXYZ /tonghop", "@Báo cáoXYZ /tonghop"),  # another name that starts the same
        ("/tonghop", "/tonghop"),
    ],
)
def test_a_group_mention_of_the_bot_is_dropped(text: str, expected: str | None) -> None:
    update: dict[str, Any] = {
        "event_name": "message.text.received",
        "message": {"message_id": "m", "from": {"id": "u"}, "chat": {"id": "g", "chat_type": "GROUP"}, "text": text},
    }
    incoming = parse_update(update, bot_name="Báo cáo")
    assert incoming is not None and incoming.text == expected
    private = {**update, "message": {**update["message"], "chat": {"id": "u", "chat_type": "PRIVATE"}}}
    assert (parse_update(private, bot_name="Báo cáo") or incoming).text == text  # only in groups

"""Each compatibility fix and addition of e2e/emulator.js, observed through plain Bot API HTTP calls."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.support.client import Emulator, User

pytestmark = pytest.mark.e2e

ALICE = User(101, "Alice", "alice")


async def call(tg: Emulator, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """POST a Bot API method as a framework does (form fields, JSON-encoded objects)."""
    data = {k: json.dumps(v) if isinstance(v, dict | list) else str(v) for k, v in params.items()}
    async with tg.session.post(f"{tg.url}/bot{tg.token}/{method}", data=data) as resp:
        return resp.status, await resp.json()


async def result(tg: Emulator, method: str, **params: Any) -> Any:
    """Call ``method`` and return its result, failing on an error answer."""
    status, body = await call(tg, method, **params)
    assert status == 200 and body["ok"] is True, body
    return body["result"]


KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}, {"text": "No", "callback_data": "no"}]]}


async def test_get_me_says_it_is_a_bot_with_the_tokens_id(tg: Emulator) -> None:
    """F1: getMe carries is_bot and the id the token starts with."""
    me = await result(tg, "getMe")
    assert me["is_bot"] is True
    assert me["id"] == int(tg.token.split(":")[0])


async def test_sent_message_is_a_message_dated_in_seconds(tg: Emulator) -> None:
    """F2: sendMessage answers a Message whose date is Unix seconds, and a negative chat id is a group."""
    before = int(time.time())
    sent = await result(tg, "sendMessage", chat_id=ALICE.id, text="xin chào", reply_markup=KEYBOARD)
    assert before - 1 <= sent["date"] <= int(time.time()) + 1
    assert sent["chat"] == {"id": ALICE.id, "type": "private", "first_name": "User"}
    assert sent["reply_markup"] == KEYBOARD and sent["text"] == "xin chào"
    assert "chat_id" not in sent  # the raw request is not echoed back as the Message
    group = await result(tg, "sendMessage", chat_id=-100500, text="tổng hợp")
    assert group["chat"]["type"] == "group"


async def test_callback_query_keeps_chat_instance(tg: Emulator) -> None:
    """F3: a button press reaches the bot with chat_instance and the message it was under."""
    chat = tg.private(ALICE)
    await result(tg, "sendMessage", chat_id=ALICE.id, text="Chọn", reply_markup=KEYBOARD)
    [shown] = await chat.new_messages(1, settle=0)
    await chat.press(shown, "yes")
    [update] = await result(tg, "getUpdates")
    query = update["callback_query"]
    assert query["chat_instance"] == f"ci{ALICE.id}"
    assert query["data"] == "yes"
    assert query["message"]["message_id"] == shown.message_id
    assert query["from"]["id"] == ALICE.id


async def test_edits_and_callback_answers_return_what_telegram_returns(tg: Emulator) -> None:
    """F4: editMessageText answers the edited Message, answerCallbackQuery and deleteMessage answer True."""
    sent = await result(tg, "sendMessage", chat_id=ALICE.id, text="Bước 1", reply_markup=KEYBOARD)
    edited = await result(tg, "editMessageText", chat_id=ALICE.id, message_id=sent["message_id"], text="Bước 2")
    assert edited["text"] == "Bước 2" and "edit_date" in edited
    assert "reply_markup" not in edited  # an edit that does not repeat the keyboard removes it, as on Telegram
    status, body = await call(tg, "editMessageText", chat_id=ALICE.id, message_id=sent["message_id"], text="Bước 2")
    assert status == 400 and "not modified" in body["description"]
    marked = await result(
        tg, "editMessageReplyMarkup", chat_id=ALICE.id, message_id=sent["message_id"], reply_markup=KEYBOARD
    )
    assert marked["reply_markup"] == KEYBOARD and marked["text"] == "Bước 2"
    assert await result(tg, "answerCallbackQuery", callback_query_id="1", text="ok") is True
    assert await result(tg, "deleteMessage", chat_id=ALICE.id, message_id=sent["message_id"]) is True
    status, _ = await call(tg, "deleteMessage", chat_id=ALICE.id, message_id=sent["message_id"])
    assert status == 400
    assert await tg.private(ALICE).messages() == []


async def test_updates_stay_until_an_offset_confirms_them(tg: Emulator) -> None:
    """F5: getUpdates redelivers until offset confirms; limit and a negative offset work."""
    chat = tg.private(ALICE)
    for text in ("một", "hai", "ba"):
        await chat.send(text)
    first = await result(tg, "getUpdates")
    assert [u["message"]["text"] for u in first] == ["một", "hai", "ba"]
    again = await result(tg, "getUpdates", limit=2)  # not confirmed: delivered again (a crashed bot loses nothing)
    assert [u["update_id"] for u in again] == [u["update_id"] for u in first[:2]]
    rest = await result(tg, "getUpdates", offset=first[0]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["hai", "ba"]
    last = await result(tg, "getUpdates", offset=-1)
    assert [u["message"]["text"] for u in last] == ["ba"]
    assert await result(tg, "getUpdates", offset=first[-1]["update_id"] + 1) == []
    assert await tg.pending() == []


async def test_get_updates_long_polls(tg: Emulator) -> None:
    """F5: with a timeout, getUpdates waits for the next update instead of answering empty at once."""
    started = time.monotonic()
    assert await result(tg, "getUpdates", timeout=1) == []
    assert time.monotonic() - started >= 0.9

    async def later() -> None:
        await asyncio.sleep(0.3)
        await tg.private(ALICE).send("đến rồi")

    started = time.monotonic()
    sender = asyncio.create_task(later())
    updates = await result(tg, "getUpdates", timeout=10)
    await sender
    assert [u["message"]["text"] for u in updates] == ["đến rồi"]
    assert 0.25 <= time.monotonic() - started < 3


async def test_commands_carry_their_entity(tg: Emulator) -> None:
    """The client marks a /command as Telegram does (python-telegram-bot's CommandHandler needs it)."""
    await tg.private(ALICE).send("/xem tháng 6")
    [update] = await result(tg, "getUpdates")
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 4}]
    assert "botToken" not in update["message"]


async def _webhook_receiver(answers: list[int]) -> tuple[web.AppRunner, str, list[tuple[str | None, Any]]]:
    got: list[tuple[str | None, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        got.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/hook", got


async def test_webhook_sends_the_secret_and_retries_until_2xx(tg: Emulator) -> None:
    """F6: updates go to the webhook with the secret token header and are retried after a failure."""
    runner, url, got = await _webhook_receiver([500])
    try:
        assert await result(tg, "setWebhook", url=url, secret_token="s3cret") is True
        status, body = await call(tg, "getUpdates")
        assert status == 409 and body["error_code"] == 409
        await tg.private(ALICE).send("qua webhook")
        deadline = time.monotonic() + 5
        while len(got) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert [secret for secret, _ in got] == ["s3cret", "s3cret"]
        assert got[0][1] == got[1][1] and got[1][1]["message"]["text"] == "qua webhook"
        info = await tg.webhook()
        assert [d["status"] for d in info["deliveries"]] == [500, 200] and info["has_secret"]
        assert await tg.pending() == []
        assert await result(tg, "deleteWebhook") is True
        assert await result(tg, "getUpdates") == []
    finally:
        await runner.cleanup()


async def test_photo_and_document_uploads_are_kept_for_the_test(tg: Emulator) -> None:
    """sendPhoto and sendDocument (multipart, as both frameworks upload) reach the chat with their bytes."""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big") + b"..."
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ALICE.id))
    form.add_field("caption", "Biểu đồ")
    form.add_field("photo", "attach://f1")  # aiogram's way: the file rides in another field
    form.add_field("f1", png, filename="chart.png", content_type="image/png")
    async with tg.session.post(f"{tg.url}/bot{tg.token}/sendPhoto", data=form) as resp:
        photo_msg = (await resp.json())["result"]
    assert photo_msg["photo"][0]["width"] == 640 and photo_msg["caption"] == "Biểu đồ"

    form = aiohttp.FormData()
    form.add_field("chat_id", str(ALICE.id))
    form.add_field("document", b"a;b\n1;2\n", filename="bao-cao.csv", content_type="text/csv")  # PTB's way
    async with tg.session.post(f"{tg.url}/bot{tg.token}/sendDocument", data=form) as resp:
        doc_msg = (await resp.json())["result"]
    assert doc_msg["document"]["file_name"] == "bao-cao.csv"

    photo, doc = await tg.private(ALICE).new_messages(2, settle=0)
    assert photo.text == "Biểu đồ" and photo.photo is not None
    assert await tg.file(photo.photo) == png
    assert doc.document is not None and await tg.file(doc.document["file_id"]) == b"a;b\n1;2\n"
    [upload] = (await tg.calls("sendDocument"))[0]["files"]
    assert upload == {"field": "document", "filename": "bao-cao.csv", "size": 8}


async def test_chat_action_and_commands_are_recorded(tg: Emulator) -> None:
    """sendChatAction and setMyCommands exist, and the calls log returns them in order."""
    commands = [{"command": "baocao", "description": "Gửi báo cáo"}, {"command": "xem", "description": "Xem"}]
    assert await result(tg, "sendChatAction", chat_id=ALICE.id, action="typing") is True
    assert await result(tg, "setMyCommands", commands=commands) is True
    assert await result(tg, "getMyCommands") == commands
    methods = [c["method"] for c in await tg.calls()]
    assert methods == ["sendChatAction", "setMyCommands", "getMyCommands"]
    [action] = await tg.calls("sendChatAction")
    assert action["params"]["action"] == "typing"


async def test_user_documents_can_be_downloaded_by_the_bot(tg: Emulator) -> None:
    """A document a user sends is fetched with getFile and the file URL, as the frameworks do."""
    await tg.private(ALICE).send_document("ke-hoach.docx", b"PK\x03\x04plan", "application/octet-stream")
    [update] = await result(tg, "getUpdates")
    file_id = update["message"]["document"]["file_id"]
    info = await result(tg, "getFile", file_id=file_id)
    async with tg.session.get(f"{tg.url}/file/bot{tg.token}/{info['file_path']}") as resp:
        assert await resp.read() == b"PK\x03\x04plan"


async def test_telegram_limits_are_enforced(tg: Emulator) -> None:
    """Texts over 4096 characters, empty texts and callback data over 64 bytes are refused, as on Telegram."""
    status, body = await call(tg, "sendMessage", chat_id=ALICE.id, text="x" * 4097)
    assert status == 400 and "too long" in body["description"]
    status, _ = await call(tg, "sendMessage", chat_id=ALICE.id, text="")
    assert status == 400
    too_long = {"inline_keyboard": [[{"text": "a", "callback_data": "đ" * 33}]]}
    status, body = await call(tg, "sendMessage", chat_id=ALICE.id, text="a", reply_markup=too_long)
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]
    assert await result(tg, "sendMessage", chat_id=ALICE.id, text="x" * 4096)


async def test_group_members_share_one_chat(tg: Emulator) -> None:
    """In a group, each member's messages carry their own sender and the group chat."""
    group = tg.group("Ban chỉ đạo xã")
    bob = User(202, "Bob")
    await group.as_user(ALICE).send("chào")
    await group.as_user(bob).send("chào cả nhà")
    updates = await result(tg, "getUpdates")
    assert [(u["message"]["from"]["id"], u["message"]["chat"]["id"]) for u in updates] == [
        (ALICE.id, group.id),
        (bob.id, group.id),
    ]
    assert updates[0]["message"]["chat"]["type"] == "group"


async def test_messages_route_filters_by_chat_and_since(tg: Emulator) -> None:
    """The tests' read-back route: one chat, or every chat after a message id (what the load test polls)."""
    bob = User(202, "Bob")
    first = await result(tg, "sendMessage", chat_id=ALICE.id, text="một")
    await result(tg, "sendMessage", chat_id=bob.id, text="hai")
    await result(tg, "sendMessage", chat_id=ALICE.id, text="ba")
    assert [m.text for m in await tg.private(ALICE).messages()] == ["một", "ba"]
    later = await tg._get("/baocao/messages", since=first["message_id"])
    assert [(m["chat"]["id"], m["text"]) for m in later] == [(bob.id, "hai"), (ALICE.id, "ba")]

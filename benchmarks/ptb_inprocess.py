"""python-telegram-bot without a network, for the report-step benchmark: an in-process Bot API
(``BaseRequest``) that answers what a step calls, and updates built as Telegram sends them."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.transports.ptb_transport import PtbApplication

TOKEN = "42:BENCH"


class InProcessApi(BaseRequest):
    """Answers the Bot API calls a step makes (getMe, sendMessage, answerCallbackQuery) without a network."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.sent = 0
        self.last_text: str | None = None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No time-outs in-process."""
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Answer one call as Telegram would."""
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        result: Any
        if name == "getMe":
            result = {"id": 42, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif name == "sendMessage":
            self.sent += 1
            self.last_text = str(params.get("text"))
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "text": params.get("text"),
                "chat": {"id": int(str(params["chat_id"])), "type": "private"},
            }
        elif name == "answerCallbackQuery":
            result = True
        else:
            raise AssertionError(f"unexpected Bot API call {name}")
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Updates:
    """Builds the JSON of text updates from one user in a private chat."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        # Update ids are unique per transport: each user gets a range of its own.
        self.ids = itertools.count(user_id * 1_000_000)

    def text(self, text: str) -> dict[str, Any]:
        """One text message as Telegram sends it."""
        user = {"id": self.user_id, "is_bot": False, "first_name": "Cán bộ"}
        message: dict[str, Any] = {
            "message_id": next(self.ids),
            "date": int(time.time()),
            "text": text,
            "chat": {"id": self.user_id, "type": "private"},
            "from": user,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self.ids), "message": message}


def application() -> tuple[PtbApplication, InProcessApi]:
    """A PTB Application talking to the in-process API."""
    api = InProcessApi()
    app = Application.builder().token(TOKEN).request(api).get_updates_request(InProcessApi()).build()
    return app, api


async def feed(app: PtbApplication, data: dict[str, Any]) -> None:
    """Parse and process one update as the webhook does."""
    await app.process_update(Update.de_json(data, app.bot))

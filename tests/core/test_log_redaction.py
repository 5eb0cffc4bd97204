"""Logs never hold the bot token or the webhook secret, in any spelling."""

from __future__ import annotations

import io
import logging
import sys
import threading
from urllib.parse import quote

import pytest

from bot.app import setup_logging
from bot.redaction import RedactingFilter
from bot.settings import Settings

TOKEN = "123456:SECRET-TOKEN_abcdef"
SECRET = "hook secret/with+odd:chars"


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("aiohttp", logging.INFO, __file__, 1, msg, args or None, exc_info)


def _shown(record: logging.LogRecord) -> str:
    return logging.Formatter("%(message)s").format(record)


def test_token_is_redacted_from_log_records() -> None:
    record = _record("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    assert RedactingFilter([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    assert "***" in record.getMessage()


@pytest.mark.parametrize("spelling", [
    TOKEN,
    quote(TOKEN, safe=""),  # what httpx logs for PTB's file downloads: 123456%3ASECRET…
    quote(TOKEN, safe="").lower().replace("secret-token_abcdef", "SECRET-TOKEN_abcdef"),  # %3a
    quote(quote(TOKEN, safe=""), safe=""),  # encoded twice
    "123456%253ASECRET-TOKEN_abcdef",
])
def test_the_url_encoded_token_in_a_download_url_is_redacted(spelling: str) -> None:
    """PTB logs ``…/file/bot123456%3ASECRET…/documents/file_1.docx`` at INFO; the filter matched only the typed form."""
    record = _record('HTTP Request: GET http://127.0.0.1/file/bot%s/documents/file_1.docx "HTTP/1.1 200 OK"', spelling)
    RedactingFilter([TOKEN]).filter(record)
    shown = _shown(record)
    assert "SECRET-TOKEN_abcdef" not in shown and "123456%3A" not in shown
    assert "/file/bot***" in shown or "/file/bot123456" in shown


def test_a_traceback_holding_the_token_is_redacted() -> None:
    """aiogram's failed download raises with the file URL (token inside) in the exception's text."""
    try:
        raise RuntimeError(f"500 from http://127.0.0.1/file/bot{TOKEN}/documents/file_1.docx")
    except RuntimeError as error:
        record = _record("a polled update failed", exc=error)
    RedactingFilter([TOKEN]).filter(record)
    shown = _shown(record)
    assert "RuntimeError" in shown and "Traceback" in shown
    assert TOKEN not in shown and "SECRET-TOKEN" not in shown


def test_a_chained_exception_and_the_stack_are_redacted() -> None:
    try:
        try:
            raise ValueError(quote(TOKEN, safe=""))
        except ValueError as inner:
            raise KeyError(SECRET) from inner
    except KeyError as error:
        record = _record("failed", exc=error)
    record.stack_info = f"Stack (most recent call last):\n  token={TOKEN}"
    RedactingFilter([TOKEN, SECRET]).filter(record)
    shown = _shown(record)
    assert "SECRET-TOKEN" not in shown and SECRET not in shown


def test_the_webhook_secret_is_redacted_as_typed_and_encoded() -> None:
    record = _record("POST /telegram?s=%s and %s and %s", SECRET, quote(SECRET, safe=""), quote(SECRET))
    RedactingFilter([SECRET]).filter(record)
    shown = _shown(record)
    assert SECRET not in shown and quote(SECRET, safe="") not in shown and quote(SECRET) not in shown


def test_a_message_that_is_not_a_string_is_redacted() -> None:
    record = _record("%s", RuntimeError(f"Unauthorized: token {TOKEN} rejected"))
    RedactingFilter([TOKEN]).filter(record)
    assert TOKEN not in _shown(record)


def test_no_secret_leaves_records_alone() -> None:
    record = _record("getUpdates %s", 5)
    assert RedactingFilter(["", ""]).filter(record)
    assert record.args == (5,) and _shown(record) == "getUpdates 5"


def test_setup_logging_redacts_every_secret_and_uncaught_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Telegram and Zalo tokens and the webhook secret; a crash's traceback goes through logging too."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    zalo = "987654321:zalo-secret-part-xyz"
    try:
        setup_logging(Settings(bot_token=TOKEN, zalo_bot_token=zalo, webhook_secret=SECRET))
        logging.getLogger("httpx").info("HTTP Request: GET http://x/file/bot%s/a", quote(TOKEN, safe=""))
        logging.getLogger("zalo").warning("POST https://bot-api/bot%s/getMe", zalo)
        logging.getLogger("aiohttp.access").info("secret %s", SECRET)
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.captureWarnings(False)
    out = stream.getvalue()
    assert "was rejected by the server" in out
    for leaked in ("SECRET-TOKEN", "zalo-secret-part", SECRET, quote(SECRET, safe="")):
        assert leaked not in out

"""Logs never hold the bot token."""

from __future__ import annotations

import logging

from bot.app import RedactingFilter


def test_token_is_redacted_from_log_records() -> None:
    token = "123456:SECRET-TOKEN"
    record = logging.LogRecord("aiohttp", logging.INFO, __file__, 1, "GET https://api.telegram.org/bot%s/getMe",
                               (token,), None)
    assert RedactingFilter([token]).filter(record)
    assert token not in record.getMessage()
    assert "***" in record.getMessage()

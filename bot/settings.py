"""Typed settings read once from the environment by the composition root."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from storage.clock import parse_moment

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///baocao.db"
DEFAULT_BOT_USERNAME = "baocao_bot"


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs from outside; built by ``Settings.from_env``."""

    database_url: str = DEFAULT_DATABASE_URL
    bot_token: str | None = None
    # The Telegram bot's username (without "@"): the deep links and QR codes of invite cards point to it.
    telegram_bot_username: str = DEFAULT_BOT_USERNAME
    bot_api_url: str | None = None
    bot_api_timeout: float | None = None  # seconds per Bot API request; None: the framework's default
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    public_base_url: str | None = None
    zalo_bot_token: str | None = None
    zalo_api_url: str | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    language: str = "vi"
    # When this process's sender holds pushed messages back ("HH:MM-HH:MM", local time; "off": never).
    quiet_hours: str = "21:00-07:00"
    # BAOCAO_CLOCK: the moment the program clock starts at (a demo of "the 1st", a test's pinned date).
    clock_start: dt.datetime | None = None
    # BAOCAO_SCHEDULER=off: this process sends the outbox but decides no reminders or summaries (another
    # worker, or an operator's ``baocao remind``, does).
    scheduler: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (the process environment by default)."""
        source = dict(os.environ if env is None else env)

        def opt(name: str) -> str | None:
            value = source.get(name, "").strip()
            return value or None

        return cls(
            database_url=opt("DATABASE_URL") or DEFAULT_DATABASE_URL,
            bot_token=opt("BOT_TOKEN"),
            telegram_bot_username=(opt("TELEGRAM_BOT_USERNAME") or DEFAULT_BOT_USERNAME).lstrip("@"),
            bot_api_url=opt("BOT_API_URL"),
            bot_api_timeout=float(opt("BOT_API_TIMEOUT") or 0) or None,
            webhook_url=opt("WEBHOOK_URL"),
            webhook_secret=opt("WEBHOOK_SECRET"),
            webhook_host=opt("WEBHOOK_HOST") or "127.0.0.1",
            webhook_port=int(opt("WEBHOOK_PORT") or "8080"),
            public_base_url=opt("PUBLIC_BASE_URL"),
            zalo_bot_token=opt("ZALO_BOT_TOKEN"),
            zalo_api_url=opt("ZALO_API_URL"),
            timezone=opt("BAOCAO_TIMEZONE") or "Asia/Ho_Chi_Minh",
            language=opt("BAOCAO_LANGUAGE") or "vi",
            quiet_hours=opt("BAOCAO_QUIET_HOURS") or "21:00-07:00",
            clock_start=parse_moment(clock_text) if (clock_text := opt("BAOCAO_CLOCK")) else None,
            scheduler=(opt("BAOCAO_SCHEDULER") or "on").lower() not in ("off", "0", "no", "false"),
        )

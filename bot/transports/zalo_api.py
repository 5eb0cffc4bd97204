"""A small async client for Zalo's Bot Platform HTTP API, with errors typed like Telegram's.

What Zalo's documentation and the clients written against it say (found with the project's search):

- Every call is ``POST <base>/bot<TOKEN>/<method>`` with a JSON body; the token is ``id:secret``
  (chat-sdk.dev/adapters/community/zalo: "Bot Token (format: 12345689:abc-xyz)"). The documented
  base is ``https://bot-api.zaloplatforms.com`` (OpenClaw's client, extensions/zalo/src/api.ts,
  "@see https://bot.zaloplatforms.com/docs"); the official SDK still uses the legacy host
  ``https://bot-api.zapps.me``. ``ZALO_API_URL`` points the bot at another server (a test one).
- Answers are ``{"ok", "result", "error_code", "description"}``.
- ``getUpdates`` takes ``timeout`` (seconds, sent as a string) and returns ONE update per call, not
  a list as on Telegram, and there is no ``offset``; when nothing arrives within the timeout it
  answers ``ok: false`` with ``error_code`` 408 and the description "Request timeout" (OpenClaw:
  "Zalo returns a single update per call"; ``isPollingTimeout`` is ``errorCode === 408``; other
  clients match the description alone): an empty poll, not an error. Polling and a webhook are
  mutually exclusive.
- ``setWebhook(url, secret_token)``: the secret is 8-256 characters, the URL must be HTTPS, and Zalo
  sends each event with the header ``X-Bot-Api-Secret-Token`` (OpenClaw docs/channels/zalo.md).
- ``sendPhoto(chat_id, photo, caption)`` takes the photo as an http(s) URL; ``sendChatAction``
  takes ``typing`` or ``upload_photo``.
- No table of error codes was found, so errors are mapped as Telegram's are: 429 → retry after the
  hinted delay (``Retry-After`` header or "retry after N" in the description), 5xx, time-outs and
  dropped connections → retry with backoff, any other 4xx → permanent; the retrying itself is the
  one policy every transport shares (``bot.send_retry``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import aiohttp

from bot.delivery_errors import DeliveryError, Permanent, RetryAfter, Transient
from bot.redaction import secret_forms
from bot.send_retry import DEFAULT_RETRY, NO_RETRY, RetryPolicy, with_retries
from locales.profiles import PROFILES
from locales.rendering import split_text

DEFAULT_API_URL = "https://bot-api.zaloplatforms.com"
"""The documented Bot API host (the legacy ``https://bot-api.zapps.me`` answers the same paths)."""

POLLING_TIMEOUT_CODE = 408
"""``error_code`` of a long poll that ended with no update: not an error."""
POLLING_TIMEOUT_TEXT = "request timeout"
"""How the platform describes that empty poll, whatever code comes with it (clients written against
the live API match the description: ``"Request timeout" in description``)."""

ChatAction = Literal["typing", "upload_photo"]


class ZaloApiError(DeliveryError):
    """An answer with ``ok: false`` (or no usable answer at all) from the Bot API.

    Every subclass is also one of the outbox sender's ``RetryAfter`` / ``Transient`` /
    ``Permanent``, so the sender that serves Telegram serves Zalo unchanged.
    """

    retryable = False

    def __init__(self, method: str, error_code: int | None, description: str) -> None:
        Exception.__init__(self, f"{method}: {error_code} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description


class ZaloRetryAfter(ZaloApiError, RetryAfter):
    """429: too many requests; try again after ``retry_after`` seconds."""

    retryable = True

    def __init__(self, method: str, error_code: int | None, description: str, retry_after: float) -> None:
        super().__init__(method, error_code, description)
        self.retry_after = self.seconds = float(retry_after)


class ZaloServerError(ZaloApiError, Transient):
    """5xx: the platform failed; retry with backoff."""

    retryable = True


class ZaloNetworkError(ZaloApiError, Transient):
    """A time-out, a dropped connection or an unreadable answer; retry with backoff."""

    retryable = True


class ZaloBadRequest(ZaloApiError, Permanent):
    """400 (and any other 4xx without a class of its own): the request itself is wrong; never retried."""


class ZaloUnauthorized(ZaloApiError, Permanent):
    """401: the token is wrong or revoked."""


class ZaloForbidden(ZaloApiError, Permanent):
    """403: the bot may not do this (the user blocked it, the bot left the group)."""


class ZaloNotFound(ZaloApiError, Permanent):
    """404: unknown method or chat."""


class ZaloConflict(ZaloApiError, Permanent):
    """409: polling while a webhook is set (or the reverse)."""


def _empty_poll(error: ZaloApiError) -> bool:
    """Whether ``error`` is getUpdates saying that nothing came within its timeout (not a failure)."""
    return error.error_code == POLLING_TIMEOUT_CODE or error.description.strip().lower() == POLLING_TIMEOUT_TEXT


_BY_CODE: dict[int, type[ZaloApiError]] = {
    400: ZaloBadRequest,
    401: ZaloUnauthorized,
    403: ZaloForbidden,
    404: ZaloNotFound,
    409: ZaloConflict,
}
_RETRY_HINT = re.compile(r"retry after (\d+(?:\.\d+)?)", re.IGNORECASE)


def error_for(
    method: str, error_code: int | None, description: str, retry_after_header: str | None = None
) -> ZaloApiError:
    """Return the typed error for an ``ok: false`` answer (the mapping the outbox sender relies on)."""
    if error_code == 429:
        hint = _RETRY_HINT.search(description)
        delay = 1.0
        if retry_after_header and retry_after_header.strip().replace(".", "", 1).isdigit():
            delay = float(retry_after_header)
        elif hint:
            delay = float(hint.group(1))
        return ZaloRetryAfter(method, error_code, description, delay)
    if error_code is not None and error_code >= 500:
        return ZaloServerError(method, error_code, description)
    if error_code is not None and error_code in _BY_CODE:
        return _BY_CODE[error_code](method, error_code, description)
    if error_code is None:
        return ZaloNetworkError(method, error_code, description)
    return ZaloBadRequest(method, error_code, description)


def _not_ours(_error: BaseException) -> DeliveryError | None:
    """Every error of the Bot API is already typed (``error_for``): anything else is a bug, not retried."""
    return None


@dataclass(frozen=True)
class ZaloBotInfo:
    """What ``getMe`` says about the bot."""

    id: str
    account_name: str
    account_type: str | None = None
    can_join_groups: bool | None = None


class ZaloBotApi:
    """One bot's connection to the Bot API: every documented method, typed errors, bounded retries."""

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        request_timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if ":" not in token:
            raise ValueError("a Zalo bot token looks like '<id>:<secret>'")
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._request_timeout = request_timeout
        self._retry = retry or DEFAULT_RETRY
        self._session = session
        self._own_session = session is None

    @property
    def bot_id(self) -> str:
        """The numeric id at the front of the token."""
        return self._token.split(":", 1)[0]

    async def __aenter__(self) -> ZaloBotApi:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this client opened it."""
        if self._session is not None and self._own_session:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    def _scrub(self, text: str) -> str:
        """``text`` without the token, in any spelling."""
        for form in secret_forms(self._token):
            text = text.replace(form, "***")
        return text

    async def _call_once(self, method: str, payload: dict[str, Any], timeout: float) -> Any:
        url = f"{self._api_url}/bot{self._token}/{method}"
        try:
            async with self._http().post(url, json=payload, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                raw = await response.read()
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except TimeoutError as exc:
            raise ZaloNetworkError(method, None, f"timed out after {timeout:g}s") from exc
        except aiohttp.ClientError as exc:
            # aiohttp's errors may quote the URL, token included: the description (logged, stored with
            # an outbox row's failure) never holds it.
            raise ZaloNetworkError(method, None, self._scrub(f"{type(exc).__name__}: {exc}")) from exc
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            # No Bot API answer at all (a proxy's error page): the HTTP status is all there is.
            code = status if status >= 400 else None
            raise error_for(method, code, f"HTTP {status} without a Bot API answer", retry_after)
        if body.get("ok") is True:
            return body.get("result")
        code = body.get("error_code")
        error_code = int(code) if isinstance(code, int | str) and str(code).isdigit() else status
        raise error_for(method, error_code, str(body.get("description") or ""), retry_after)

    async def call(
        self,
        method: str,
        payload: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        """Call ``method`` and return its ``result``; retryable errors are retried per the policy,
        the last error (or the first permanent one) is raised."""
        return await with_retries(
            lambda: self._call_once(method, payload or {}, timeout or self._request_timeout),
            _not_ours, retry or self._retry,
        )

    async def get_me(self) -> ZaloBotInfo:
        """Return the bot's own identity (and prove the token works)."""
        result = await self.call("getMe")
        return ZaloBotInfo(
            id=str(result.get("id", "")),
            account_name=str(result.get("account_name") or result.get("name") or ""),
            account_type=result.get("account_type"),
            can_join_groups=result.get("can_join_groups"),
        )

    async def get_updates(self, timeout: int = 30) -> list[dict[str, Any]]:
        """Long-poll for up to ``timeout`` seconds; return the updates received (usually one, none
        when the poll timed out). A list is also accepted, should the platform ever batch."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10, retry=NO_RETRY)
        except ZaloApiError as error:
            if _empty_poll(error):
                return []
            raise
        if result is None:
            return []
        if isinstance(result, list):
            return [u for u in result if isinstance(u, dict)]
        return [result] if isinstance(result, dict) else []

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        """Have Zalo POST every event to ``url`` with ``secret_token`` in ``X-Bot-Api-Secret-Token``."""
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("Zalo's webhook secret token must be 8-256 characters")
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        """Remove the webhook so that ``getUpdates`` works again."""
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        """Return the webhook currently set (``url`` empty when none)."""
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def send_message(self, chat_id: str, text: str, *, retry: RetryPolicy | None = None) -> Any:
        """Send one text message within Zalo's text limit (split longer ones first)."""
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text}, retry=retry)

    async def send_long_message(self, chat_id: str, text: str, *, retry: RetryPolicy | None = None) -> list[Any]:
        """Send ``text`` as as many messages as Zalo's length limit needs, in order."""
        limit = PROFILES["zalo"].text_limit
        return [await self.send_message(chat_id, piece, retry=retry) for piece in split_text(text, limit)]

    async def send_photo(
        self, chat_id: str, photo_url: str, caption: str | None = None, *, retry: RetryPolicy | None = None
    ) -> Any:
        """Send the picture at ``photo_url`` (Zalo fetches it) with an optional caption."""
        if not photo_url.startswith(("http://", "https://")):
            raise ValueError("Zalo takes a photo as an http(s) URL")
        payload: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        return await self.call("sendPhoto", payload, retry=retry)

    async def send_chat_action(self, chat_id: str, action: ChatAction = "typing") -> Any:
        """Show "typing…" (or "sending a photo…") in the chat; failures here are not worth retrying."""
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action}, retry=NO_RETRY)

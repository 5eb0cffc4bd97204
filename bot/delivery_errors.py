"""The errors a transport raises when it cannot deliver a pushed message; the sender acts on each kind."""

from __future__ import annotations


class DeliveryError(Exception):
    """Base of every delivery failure a transport reports to the sender."""


class RetryAfter(DeliveryError):
    """The platform asked us to wait (HTTP 429 ``retry_after``); the row is retried after ``seconds``."""

    def __init__(self, seconds: float, message: str = "") -> None:
        super().__init__(message or f"retry after {seconds} s")
        self.seconds = float(seconds)


class Transient(DeliveryError):
    """A failure worth retrying with backoff: 5xx, a time-out, a dropped connection."""


class Permanent(DeliveryError):
    """A failure retrying cannot fix: the bot was removed from the chat or blocked, a bad request."""

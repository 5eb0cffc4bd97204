"""Secrets out of every log line and error text: the bot tokens and the webhook secret, in any spelling."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, quote_plus


def secret_forms(secret: str) -> list[str]:
    """Every way ``secret`` may be written into a log line, longest first: as typed, URL-encoded
    (``%3A``, ``%3a``, ``+`` for spaces, encoded twice) and, for a token ``<id>:<secret>``, the
    secret part alone, which covers any spelling of the colon."""
    if not secret:
        return []
    forms = {secret}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        forms.update((encoded, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)))
        forms.add(quote(encoded, safe=""))
    _id, colon, tail = secret.partition(":")
    if colon and len(tail) >= 8:
        forms.add(tail)
    return sorted(forms, key=len, reverse=True)


class RedactingFilter(logging.Filter):
    """Keep secrets (the bot tokens, the webhook secret) out of every log line: the message, its
    arguments, the traceback of an exception (URLs in its text included) and the stack."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._forms = sorted({form for s in secrets if s for form in secret_forms(s)}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return ``text`` with every form of every secret replaced by ``***``."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drop it."""
        if not self._forms:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it; keep its parts from leaking at least
            message = f"{record.msg!r} {record.args!r}"
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatted here, once: the handler's formatter keeps an ``exc_text`` already set.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

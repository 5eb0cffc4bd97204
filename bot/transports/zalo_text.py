"""Fitting a ``Reply`` into what Zalo can show: numbered lines instead of buttons, 2,000-character pieces.

Zalo's Bot Platform has no inline buttons, so every button becomes a numbered line ("1. Xác nhận")
under the text; the core accepts the number or the label typed back. Buttons are numbered row by
row, left to right, which is the order the core uses for typed equivalents.

The length limit: outbound text is chunked to 2,000 characters, "Zalo API limit" (OpenClaw's Zalo
channel documentation, docs/channels/zalo.md, "Limits"; its client also cuts photo captions at 2,000
UTF-16 units). Lengths are therefore counted in UTF-16 code units, which is never less than the
number of characters, so a piece within our limit is within Zalo's whichever way Zalo counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from locales.i18n import _
from locales.messages import Button

ZALO_TEXT_LIMIT = 2000
"""Longest text (and photo caption) Zalo accepts in one message, in UTF-16 code units."""

# Where a long text may be cut, best first: between paragraphs, between lines, after a sentence,
# after a clause, between words. A hard cut is the last resort.
_BREAKS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"(?<=[;:,])\s+"),
    re.compile(r"\s+"),
)


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _prefix_within(text: str, limit: int) -> int:
    """Return how many characters of ``text`` fit in ``limit`` UTF-16 units."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _cut_point(text: str, limit: int) -> tuple[int, int]:
    """Return (end of this piece, start of the next) for the best cut of ``text`` within ``limit``."""
    fits = _prefix_within(text, limit)
    window = text[: fits + 1]  # a break right after the last fitting character still counts
    for pattern in _BREAKS:
        best: re.Match[str] | None = None
        for match in pattern.finditer(window):
            if 0 < match.start() <= fits:
                best = match
        # A cut in the first fifth of the window would leave a tiny piece: try a finer break.
        if best is not None and best.start() >= fits // 5:
            return best.start(), best.end()
    return fits, fits


def split_text(text: str, limit: int = ZALO_TEXT_LIMIT) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` UTF-16 units, cutting at paragraph, line,
    sentence or word boundaries where possible; an empty text gives no pieces."""
    if limit < 2:
        raise ValueError("limit must allow at least one character")
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if utf16_len(rest) <= limit:
            pieces.append(rest)
            break
        end, start = _cut_point(rest, limit)
        piece = rest[:end].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[start:].lstrip()
    return pieces


def flatten_buttons(buttons: Sequence[Sequence[Button]]) -> list[Button]:
    """Return the buttons row by row, left to right: the order their numbers follow."""
    return [button for row in buttons for button in row]


def _numbered(number: int, label: str) -> str:
    """Return "N. label", unless the core already put that number in front of the label."""
    if re.match(rf"\s*{number}\s*[.)]\s", label):
        return label.strip()
    return f"{number}. {label}"


def render_buttons(text: str, buttons: Sequence[Sequence[Button]]) -> str:
    """Return ``text`` with every button appended as a numbered line ("1. Xác nhận")."""
    flat = flatten_buttons(buttons)
    if not flat:
        return text
    lines = [_numbered(number, button.label) for number, button in enumerate(flat, start=1)]
    body = text.rstrip()
    return f"{body}\n\n" + "\n".join(lines) if body else "\n".join(lines)


def render_typed(text: str, buttons: Sequence[Sequence[Button]]) -> str:
    """Return ``text`` with every button appended as the words to type (“Gõ “Bắt đầu báo cáo””).

    For pushed messages (reminders, summaries): no dialog is waiting for a number then, so a numbered
    line could not be answered by its number; the label itself is what the user types.
    """
    flat = flatten_buttons(buttons)
    if not flat:
        return text
    lines = [_("Type “{label}”").format(label=button.label) for button in flat]
    body = text.rstrip()
    return f"{body}\n\n" + "\n".join(lines) if body else "\n".join(lines)


def reply_pieces(
    text: str, buttons: Sequence[Sequence[Button]], limit: int = ZALO_TEXT_LIMIT, *, pushed: bool = False
) -> list[str]:
    """Return the messages one reply becomes on Zalo: buttons rendered as lines (numbered in a reply,
    as words to type in a ``pushed`` message), then split."""
    render = render_typed if pushed else render_buttons
    return split_text(render(text, buttons), limit)

"""A ``Reply`` fitted to one transport's profile, in one place: the messages it becomes, in order.

Every transport sends what ``render_reply`` returns and nothing else decides how a reply looks:

- Text is split at the profile's limit, best at a paragraph, then a line, a sentence, a clause, a
  word; a hard cut is the last resort. Lengths are counted in UTF-16 code units (an emoji outside
  the BMP counts 2), never fewer than characters, so a piece within our limit is within the
  platform's whichever way it counts (Zalo: 2,000 "Zalo API limit", OpenClaw docs/channels/zalo.md).
- Where the transport has no buttons, each button becomes a numbered line ("1. Xác nhận") under the
  text, row by row, left to right (the order the core reads a typed number in); in a pushed message
  (a reminder: no dialog is waiting for a number) it becomes the words to type instead.
- An attachment the transport can upload goes with the first piece as its caption when that fits
  the caption limit. One it cannot upload goes by the link the transport published it under: a
  picture by URL (caption as above), a file as a link under the text.
- Inline buttons go under the last message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from locales.i18n import _
from locales.messages import Attachment, Button, Reply
from locales.profiles import TransportProfile

# Where a long text may be cut, best first: between paragraphs, between lines, after a sentence,
# after a clause, between words. A hard cut is the last resort.
_BREAKS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"(?<=[;:,])\s+"),
    re.compile(r"\s+"),
)


@dataclass(frozen=True)
class OutMessage:
    """One message a transport sends: a text, an upload with a caption, or a picture by URL."""

    text: str  # the message, or the caption of the upload or picture ("" for none)
    buttons: list[list[Button]] = field(default_factory=list)  # inline buttons (only where the profile has them)
    upload: Attachment | None = None
    photo_url: str | None = None


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


def split_text(text: str, limit: int) -> list[str]:
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


def _with_lines(text: str, lines: list[str]) -> str:
    if not lines:
        return text
    body = text.rstrip()
    return f"{body}\n\n" + "\n".join(lines) if body else "\n".join(lines)


def render_buttons(text: str, buttons: Sequence[Sequence[Button]]) -> str:
    """Return ``text`` with every button appended as a numbered line ("1. Xác nhận")."""
    flat = flatten_buttons(buttons)
    return _with_lines(text, [_numbered(number, button.label) for number, button in enumerate(flat, start=1)])


def render_typed(text: str, buttons: Sequence[Sequence[Button]]) -> str:
    """Return ``text`` with every button appended as the words to type (“Gõ “Bắt đầu báo cáo””).

    For pushed messages (reminders, summaries): no dialog is waiting for a number then, so a numbered
    line could not be answered by its number; the label itself is what the user types.
    """
    return _with_lines(text, [_("Type “{label}”").format(label=button.label) for button in flatten_buttons(buttons)])


def reply_pieces(text: str, buttons: Sequence[Sequence[Button]], limit: int, *, pushed: bool = False) -> list[str]:
    """Return the messages a text with buttons becomes where there are no buttons: the buttons as
    lines (numbered in a reply, as words to type in a ``pushed`` message), then split at ``limit``."""
    render = render_typed if pushed else render_buttons
    return split_text(render(text, buttons), limit)


def by_link(attachment: Attachment, profile: TransportProfile) -> bool:
    """Whether ``attachment`` reaches a chat on this transport only as a link the bot serves."""
    return profile.pictures == "url" if attachment.kind == "photo" else not profile.documents


def _with_link(pieces: list[str], url: str, limit: int) -> list[str]:
    """Append ``url`` on its own line to the last piece, or as one more piece if it would not fit."""
    if pieces and utf16_len(pieces[-1]) + 1 + utf16_len(url) <= limit:
        return [*pieces[:-1], f"{pieces[-1]}\n{url}"]
    return [*pieces, url]


def render_reply(
    reply: Reply, profile: TransportProfile, *, pushed: bool = False, link: str | None = None
) -> list[OutMessage]:
    """Return the messages ``reply`` becomes on a transport with ``profile``, in sending order.

    ``link`` is where the transport published an attachment it cannot upload (see ``by_link``);
    without one such an attachment is left out and the text still goes.
    """
    buttons = [list(row) for row in reply.buttons if row]
    if profile.buttons:
        pieces = split_text(reply.text, profile.text_limit)
    else:
        pieces, buttons = reply_pieces(reply.text, buttons, profile.text_limit, pushed=pushed), []
    messages: list[OutMessage] = []
    attachment = reply.attachment
    if attachment is not None:
        linked = by_link(attachment, profile)
        if linked and link is not None and attachment.kind != "photo":
            pieces = _with_link(pieces, link, profile.text_limit)
        elif not linked or link is not None:
            caption = pieces.pop(0) if pieces and utf16_len(pieces[0]) <= profile.caption_limit else ""
            if linked:
                messages.append(OutMessage(caption, photo_url=link))
            else:
                messages.append(OutMessage(caption, upload=attachment))
    messages.extend(OutMessage(piece) for piece in pieces)
    if buttons and messages:
        last = messages[-1]
        messages[-1] = OutMessage(last.text, buttons, last.upload, last.photo_url)
    return messages

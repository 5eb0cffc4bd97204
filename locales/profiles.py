"""What each transport can do, stated once: the core renders replies to this and decides pushes by it.

Telegram is the richest; Zalo's Bot Platform (where officials are) has no buttons and no documents,
2,000-character messages, pictures only by URL, and ordinary bots cannot join groups (``getMe`` says
``can_join_groups: false``; group use is in internal testing). The console is the terminal chat.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal


@dataclass(frozen=True)
class TransportProfile:
    """The capabilities of one transport."""

    name: str
    text_limit: int  # longest message, counted in UTF-16 units (never fewer than characters)
    caption_limit: int  # longest caption of a picture or a file
    buttons: bool  # inline buttons; without them options are numbered and typed
    documents: bool  # files by upload; without them a file is a link to the bot's own endpoint
    pictures: Literal["upload", "url"]  # how a picture reaches the chat
    groups: bool  # the bot can be in a group chat and post there
    deep_links: bool  # "t.me/bot?start=CODE" links that open the bot with a code
    pushes: bool = True  # the bot can message someone unprompted (reminders); the console cannot


PROFILES: dict[str, TransportProfile] = {
    "telegram": TransportProfile(
        "telegram", text_limit=4096, caption_limit=1024, buttons=True, documents=True, pictures="upload",
        groups=True, deep_links=True,
    ),
    "zalo": TransportProfile(
        "zalo", text_limit=2000, caption_limit=2000, buttons=False, documents=False, pictures="url",
        groups=False, deep_links=False,
    ),
    "console": TransportProfile(
        "console", text_limit=4096, caption_limit=4096, buttons=True, documents=True, pictures="upload",
        groups=True, deep_links=False, pushes=False,  # nobody is listening between two typed lines
    ),
}
_overrides: dict[str, TransportProfile] = {}


def profile_of(transport: str) -> TransportProfile:
    """The profile of ``transport`` (an unknown one is treated as the poorest: Zalo's)."""
    return _overrides.get(transport) or PROFILES.get(transport) or replace(PROFILES["zalo"], name=transport)


def push_transports() -> tuple[str, ...]:
    """The transports that can push a message to a person (reminders, private summaries)."""
    return tuple(name for name in PROFILES if profile_of(name).pushes)


def declare_groups(transport: str, can_join: bool) -> None:
    """Record what the platform itself says (Zalo's ``getMe`` → ``can_join_groups``) for this process."""
    _overrides[transport] = replace(profile_of(transport), groups=can_join)


def reset_declarations() -> None:
    """Forget what platforms declared (tests)."""
    _overrides.clear()

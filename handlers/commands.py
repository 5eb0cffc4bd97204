"""What a command is: its words, who may use it where, its help line and its handler.

The table itself is ``handlers.command_table.COMMANDS``; this module holds the kinds it is made of
and the few rules that read it (how a typed command is split and found, who the sender counts as).
A command's words are folded (``fold``: lower case, no diacritics, "đ" as "d"), so "/Báocáo",
"/baocao" and "/BAOCAO@bot" are one word; Vietnamese and English words sit side by side.

Places: ``private`` (a chat with the bot), and the kinds of group chat: ``leaders`` and
``hamlets`` (a group bound to a commune for that purpose), ``unbound`` (a group bound to none).
Audiences: ``reporter``, ``officer``, ``police`` (an officer of the commune police, who compile
the hamlets' reports), ``leader``, ``admin``. Someone not registered is never routed to a command:
the front door answers them (registration).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Dialog, Outcome, State
from handlers.access import is_commune_police
from locales.messages import Incoming, Reply
from locales.vietnamese import fold
from storage.cache import ConfigCache
from storage.models import GroupBinding
from storage.people import Member

PRIVATE = "private"
GROUP_PLACES = ("leaders", "hamlets", "unbound", "province")  # province: a province leaders' group
PLACES = (PRIVATE, *GROUP_PLACES)
AUDIENCES = ("reporter", "officer", "police", "leader", "admin")
EVERYONE = frozenset(AUDIENCES)
# Those who read every hamlet of their commune (handlers/access.py ``reads_commune``).
COMMUNE_READERS = frozenset({"police", "leader", "admin"})


@dataclass
class Call:
    """One command as typed: who, where, what followed it, and what its handler may use."""

    session: AsyncSession
    incoming: Incoming
    member: Member
    argument: str
    now: dt.datetime
    place: str
    state: State[Any] | None = None
    # The group's binding (None in a private chat or a group bound to nothing).
    binding: GroupBinding | None = None
    dialogs: Mapping[str, Dialog] = field(default_factory=dict)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    cache: ConfigCache = field(default_factory=ConfigCache)


# A handler answers with replies (the dialog state stays), with an Outcome (it moves the state), or
# with None: not for it after all, the router goes on as if no command had been typed.
Handler = Callable[[Call], Awaitable["list[Reply] | Outcome | None"]]
HelpLine = Callable[[], str]
# (place, who asks: None for someone not registered) -> why not, in the asker's language.
Refusal = Callable[[str, "Member | None"], str]


@dataclass(frozen=True)
class Command:
    """One command, declared once: its words, who may use it where, its help lines and its handler."""

    name: str
    words: tuple[str, ...]
    # place -> the audiences allowed there; a place not named here refuses the command.
    access: Mapping[str, frozenset[str]]
    handler: Handler
    # Each a gettext call wrapped in a lambda: read in the asker's language, found by the extractor.
    help: tuple[HelpLine, ...] = ()
    # What someone refused hears (by default a plain "not for you here").
    refusal: Refusal | None = None
    # Button data that means the same as typing the command (a reminder's "Start the report").
    buttons: tuple[str, ...] = ()
    # Needs the bot inside a group chat: on a transport that cannot join groups it is explained instead.
    needs_groups: bool = False
    # Shows reports' figures: the access-matrix test (tests/groups/test_access_matrix.py) must ask it.
    figures: bool = False

    def allows(self, audience: str, place: str) -> bool:
        """Tell whether ``audience`` may use the command in ``place``."""
        return audience in self.access.get(place, frozenset())

    def runs_in(self, place: str) -> bool:
        """Tell whether the command is used in ``place`` at all (by anyone)."""
        return bool(self.access.get(place))

    def in_groups(self) -> bool:
        """Tell whether the command is meant for group chats."""
        return any(self.runs_in(place) for place in GROUP_PLACES)


class CommandTable:
    """The commands by word and by button; words must not repeat across commands."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self.commands = tuple(commands)
        self._by_word: dict[str, Command] = {}
        self._by_button: dict[str, Command] = {}
        for command in self.commands:
            for word in command.words:
                if word != fold(word) or " " in word or word in self._by_word:
                    raise ValueError(f"command word {word!r} of {command.name} is not folded or not unique")
                self._by_word[word] = command
            for data in command.buttons:
                self._by_button[data] = command

    def find(self, word: str | None) -> Command | None:
        """The command a folded word names (``None`` for plain text or an unknown command)."""
        return self._by_word.get(word) if word is not None else None

    def for_button(self, data: str | None) -> Command | None:
        """The command a button stands for, if any."""
        return self._by_button.get(data) if data is not None else None

    def __getitem__(self, name: str) -> Command:
        """The command named ``name``."""
        return next(command for command in self.commands if command.name == name)

    def __iter__(self) -> Iterator[Command]:
        """The commands in the order they were declared (the help's order)."""
        return iter(self.commands)


def split_command(text: str) -> tuple[str | None, str]:
    """Split ``/cmd@bot arg`` into (``cmd`` folded, ``arg``); (None, text) for plain text."""
    if not text.startswith("/"):
        return None, text
    head, _sep, rest = text[1:].partition(" ")
    return fold(head.split("@", 1)[0]), rest.strip()


def audience_of(member: Member) -> str:
    """Who ``member`` counts as for the command table (the commune police apart from other officers)."""
    return "police" if is_commune_police(member) else member.role


def audiences_of(member: Member) -> frozenset[str]:
    """Every audience ``member`` counts as: their highest seat's and their other seats' (a leader who reports)."""
    return frozenset({audience_of(member), *(audience_of(member.as_seat(seat)) for seat in member.seats)})

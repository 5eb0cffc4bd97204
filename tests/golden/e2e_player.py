"""Play golden scripts end to end: the real bot process, users on an emulator, replies compared with the
recorded ones after one documented normalisation per transport.

A *world* (``worlds.json``) is several scripts played in order by one bot process on one database,
so a transport pays for one start-up, not one per script. Every script gets invite codes of its own
(copies of the demo's, made before the bot starts) and users and chats of its own.

What may differ between the core and a transport, and only that, is normalised (``normalise``):
whitespace runs (a transport splits a long reply into several messages and trims them), clock times
(the pinned clock flows on in the bot process while the core's stands still) and the URLs of files
served by the bot (Zalo has no documents: a file is a link). What a recorded reply becomes on a
transport is the product's own ``locales.rendering.render_reply`` for the transport's profile: buttons
inline on Telegram, numbered lines under the text on Zalo (where a press is typing the number).
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import itertools
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from locales.messages import Attachment, Button, Reply
from locales.profiles import TransportProfile
from locales.rendering import OutMessage, render_reply
from tests.conftest import shared_dir
from tests.golden.transcripts import DEFAULT_CLOCK, Codes, Script, Step, load_script, read_recorded, worlds

DEMO_CLOCK = DEFAULT_CLOCK.isoformat()
"""``baocao demo`` runs at this moment (the core's demo is loaded at the same one)."""
BOT_ENV = {"BAOCAO_SCHEDULER": "off"}
"""No reminder or summary pushed into a transcript's chats while it plays."""
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_URL = re.compile(r"https?://127\.0\.0\.1:\d+/\S+")
_SPACE = re.compile(r"\s+")
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_ids = itertools.count(1)


def normalise(text: str) -> str:
    """What is compared: whitespace runs as one space, clock times as ``<time>``, bot file URLs as ``<url>``."""
    return _SPACE.sub(" ", _URL.sub("<url>", _TIME.sub("<time>", text))).strip()


@dataclass(frozen=True)
class Seen:
    """What one chat showed after one step, in comparable form."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    """One message a bot sent, as a transport-neutral tuple."""

    text: str
    buttons: tuple[tuple[str, str], ...]
    attachment: str | None
    raw: Any


class Side(Protocol):
    """One transport's user side: acts as an actor and reads a chat's new messages."""

    profile: TransportProfile  # what the transport can show: how recorded replies look there

    async def say(self, actor: str, chat: str, text: str) -> None:
        """Type ``text`` as ``actor`` in ``chat``."""
        ...

    async def press(self, actor: str, chat: str, data: str, shown: list[Message], offered: list[Button]) -> None:
        """Press the button ``data``: ``shown`` are the chat's messages so far, ``offered`` its last buttons."""
        ...

    async def send_file(self, actor: str, chat: str, name: str, content: bytes) -> None:
        """Send a document as ``actor`` in ``chat``."""
        ...

    async def messages(self, chat: str) -> list[Message]:
        """Every message the bot has sent into ``chat``."""
        ...


def expected_on(profile: TransportProfile, replies: list[dict[str, Any]]) -> Seen:
    """What the recorded replies become on a transport: the product's own ``render_reply`` for its profile
    (split texts, buttons inline or as numbered lines, uploads, or links shown as ``<url>``)."""
    messages = [m for r in replies for m in render_reply(_reply(r), profile, link="<url>")]
    return Seen(
        normalise("\n".join(m.text for m in messages)),
        tuple((b.label, b.data) for m in messages for row in m.buttons for b in row),
        tuple(kind for kind in map(_kind, messages) if kind),
    )


def _reply(raw: dict[str, Any]) -> Reply:
    """A recorded reply (the console's JSON) as a ``Reply``; an attachment's bytes do not matter here."""
    attachment = raw.get("attachment")
    return Reply(
        str(raw["text"]),
        [[Button(label, data) for label, data in row] for row in raw["buttons"]],
        Attachment(attachment["name"], b"", attachment["kind"]) if attachment else None,
    )


def _kind(message: OutMessage) -> str | None:
    if message.photo_url:
        return "photo"
    return message.upload.kind if message.upload else None


def seen(messages: list[Message]) -> Seen:
    """The comparable form of the messages a chat got."""
    return Seen(
        normalise("\n".join(m.text for m in messages)),
        tuple(b for m in messages for b in m.buttons),
        tuple(m.attachment for m in messages if m.attachment),
    )


def fresh_code() -> str:
    """A new invite code in the shape the bot recognises (eight characters, with a digit)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(7)) + secrets.choice("23456789")


async def clone_invites(url: str, hamlets: dict[str, str], admin: str, leader: str, count: int) -> list[Codes]:
    """Copy every demo invite ``count`` times: each script registers with codes nobody else used."""
    engine = create_async_engine(url)
    out = []
    try:
        async with engine.begin() as conn:
            for _ in range(count):
                mapping = {old: fresh_code() for old in [*hamlets.values(), admin, leader]}
                for old, new in mapping.items():
                    await conn.execute(text(
                        "INSERT INTO invites (code, unit_id, role, expires_at, created_at) "
                        "SELECT :new, unit_id, role, expires_at, created_at FROM invites WHERE code = :old"),
                        {"new": new, "old": old})
                out.append(Codes({h: mapping[c] for h, c in hamlets.items()}, mapping[admin], mapping[leader]))
    finally:
        await engine.dispose()
    return out


def world_scripts(world: str, documents: bool = True) -> list[Script]:
    """The scripts of ``world`` in order (without those sending files, where the transport has no documents)."""
    scripts = [load_script(name) for name in worlds()[world]]
    return [s for s in scripts if documents or not s.needs_documents]


class Player:
    """Plays scripts on one side, chat by chat, comparing each step's messages with the recorded replies."""

    def __init__(self, side: Side, timeout: float = 15.0) -> None:
        self.side = side
        self.timeout = timeout
        self.read: dict[str, int] = {}
        self.history: dict[str, list[Message]] = {}
        self.offered: dict[str, list[Button]] = {}

    async def play(self, script: Script, codes: Codes) -> None:
        """Play one script (its actors and chats named apart from every other script's)."""
        prefix = f"g{next(_ids)}"
        for number, (step, line) in enumerate(zip(script.steps, read_recorded(script), strict=True), start=1):
            where = f"{script.name}, step {number} ({line['in']})"
            chat = f"{prefix}-{step.chat}" if step.chat else f"{prefix}-{step.actor}"
            actor = f"{prefix}-{step.actor}"
            await self._act(step, actor, chat, codes)
            by_chat: dict[str, list[dict[str, Any]]] = {chat: []}
            for reply in line["out"]:
                target = str(reply.get("chat_id", "")).strip("<>")
                by_chat.setdefault(f"{prefix}-{target}" if target else chat, []).append(reply)
            for target, replies in by_chat.items():
                await self._wait(target, expected_on(self.side.profile, replies), codes, where, step)
                for reply in replies:
                    if reply["buttons"]:
                        self.offered[target] = [Button(lb, d) for row in reply["buttons"] for lb, d in row]

    async def _act(self, step: Step, actor: str, chat: str, codes: Codes) -> None:
        if step.say is not None:
            await self.side.say(actor, chat, codes.fill(step.say))
        elif step.press is not None:
            await self.side.press(actor, chat, step.press, self.history.get(chat, []), self.offered.get(chat, []))
        else:
            path = shared_dir() / str(step.file)
            await self.side.send_file(actor, chat, path.name, path.read_bytes())

    async def _wait(self, chat: str, expected: Seen, codes: Codes, where: str, step: Step) -> list[Message]:
        """Wait until the chat's new messages look like ``expected`` (or time runs out); check them."""
        deadline = time.monotonic() + (self.timeout if expected.text else 0.5)
        while True:
            fresh = (await self.side.messages(chat))[self.read.get(chat, 0):]
            if step.capture and fresh:
                with contextlib.suppress(AssertionError):  # the value may be in a message still to come
                    codes.capture(step, [m.text for m in fresh])
            got = self._masked(fresh, codes)
            if (expected.text and got == expected) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.03)
        self.read[chat] = self.read.get(chat, 0) + len(fresh)
        self.history.setdefault(chat, []).extend(fresh)
        assert got == expected, (f"{where}: the bot's messages differ from the recorded replies\n"
                                 f"{difference(expected, got)}")
        return fresh

    @staticmethod
    def _masked(messages: list[Message], codes: Codes) -> Seen:
        found = seen(messages)
        return Seen(normalise(codes.mask(found.text)), found.buttons, found.attachments)

    async def settle(self, chats: list[str] | None = None, wait: float = 0.5) -> None:
        """After the last step: nothing more arrives in any chat played."""
        await asyncio.sleep(wait)
        for chat in chats or list(self.read):
            extra = (await self.side.messages(chat))[self.read[chat]:]
            assert not extra, f"unexpected messages in {chat}: {[m.text for m in extra]}"


def difference(expected: Seen, got: Seen) -> str:
    """A readable difference of two chats' views (texts line by line, then buttons and attachments)."""
    lines = difflib.unified_diff(expected.text.split(". "), got.text.split(". "), "recorded", "bot", lineterm="")
    return "\n".join([*lines, f"buttons: {expected.buttons} / {got.buttons}",
                      f"attachments: {expected.attachments} / {got.attachments}"])

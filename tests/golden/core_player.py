"""Play a golden script on the core, wired as ``baocao run`` wires it, on a fresh demo database."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_app
from bot.settings import Settings
from locales.messages import Incoming, IncomingFile
from tests.conftest import shared_dir
from tests.core.chat import Clock, demo
from tests.golden.transcripts import DEFAULT_ACTOR, Codes, Script, transcript_line

_update_ids = itertools.count(7_000_000)


def user_id(actor: str) -> str:
    """The core's user id (and private chat id) of an actor."""
    return "golden-1" if actor == DEFAULT_ACTOR else f"golden-{actor}"


async def play_on_core(script: Script, engine: AsyncEngine, db_url: str) -> str:
    """Play ``script`` on the demo commune at its clock; return the transcript as recorded."""
    clock = Clock(script.clock)
    sessions, summary = await demo(engine, clock)
    codes = Codes({h.name: h.invite_code for h in summary.hamlets}, summary.admin_code, summary.leader_code)
    groups = {name: f"-100{index}" for index, name in enumerate(script.groups, start=1)}
    chats = {user_id(a): f"<{a}>" for a in script.actors} | {cid: f"<{g}>" for g, cid in groups.items()}
    lines = []
    async with build_app(Settings(database_url=db_url), clock=clock, migrate=False) as app:
        for step in script.steps:
            sender = user_id(step.actor)
            chat = groups[step.chat] if step.chat else sender
            incoming = Incoming(
                "telegram", str(next(_update_ids)), chat, sender,
                text=codes.fill(step.say) if step.say is not None else None,
                button=codes.fill(step.press) if step.press is not None else None,
                chat_type="group" if step.chat else "private",
                file=_file(step.file) if step.file else None,
            )
            replies = await app.core.handle(incoming)
            codes.capture(step, [r.text for r in replies])
            shown: list[dict[str, Any]] = []
            for reply in replies:
                raw = reply.as_json()
                raw["text"] = codes.mask(str(raw["text"]))
                if "chat_id" in raw:
                    raw["chat_id"] = chats.get(str(raw["chat_id"]), raw["chat_id"])
                shown.append(raw)
            lines.append(transcript_line(step.shown(script.named), shown))
    del sessions
    return "".join(lines)


def _file(relative: str) -> IncomingFile:
    path = shared_dir() / relative
    return IncomingFile(path.name, path.read_bytes())

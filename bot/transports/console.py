"""The console transport: chat with the core in a terminal, or line by line as JSON for scripts."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Iterable
from typing import TextIO

from locales.core_protocol import Handler
from locales.messages import Incoming, Reply
from locales.profiles import profile_of
from locales.rendering import render_reply

TRANSPORT = "console"


def render(reply: Reply) -> str:
    """Show a reply as plain text (rendered to the console's profile), buttons as labels in brackets."""
    lines: list[str] = []
    for message in render_reply(reply, profile_of(TRANSPORT)):
        lines.append(message.text)
        for row in message.buttons:
            lines.append("   " + "   ".join(f"[{button.label}]" for button in row))
        if message.upload is not None:
            lines.append(f"   <{message.upload.kind}: {message.upload.name}>")
    return "\n".join(lines) if lines else reply.text


def _incoming_from_line(line: str, user_id: str, seq: int, run_id: str, buttons: Iterable[Reply]) -> Incoming:
    text: str | None = line
    button: str | None = None
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            item = json.loads(stripped)
        except json.JSONDecodeError:
            item = None
        if isinstance(item, dict):
            text = item.get("text")
            label_or_data = item.get("button")
            if label_or_data is not None:
                button = _button_data(str(label_or_data), buttons)
                text = None
    return Incoming(transport=TRANSPORT, update_id=f"{run_id}:{seq}", chat_id=user_id, user_id=user_id,
                    text=text, button=button)


def _button_data(label_or_data: str, replies: Iterable[Reply]) -> str:
    """Accept a button by its label or its data, as the last replies offered it."""
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                if label_or_data in (button.label, button.data):
                    return button.data
    return label_or_data


async def run_console(
    core: Handler, user_id: str, jsonl: bool, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
    greeting: str | None = None,
) -> None:
    """Read lines until end of input (or "/quit"); answer each with the core's replies."""
    run_id = uuid.uuid4().hex[:12]
    last: list[Reply] = []
    seq = 0
    if greeting and not jsonl:
        print(greeting, file=stdout, flush=True)
    loop = asyncio.get_running_loop()
    while True:
        if not jsonl:
            print("> ", end="", file=stdout, flush=True)
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        line = line.rstrip("\n")
        if not jsonl and line.strip() in ("/quit", "/exit"):
            break
        seq += 1
        replies = await core.handle(_incoming_from_line(line, user_id, seq, run_id, last))
        if replies:
            last = replies
        if jsonl:
            print(json.dumps({"replies": [r.as_json() for r in replies]}, ensure_ascii=False), file=stdout, flush=True)
        else:
            for reply in replies:
                print(render(reply), file=stdout, flush=True)

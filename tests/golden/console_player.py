"""Play a golden script through the console transport: the real ``baocao chat --new --jsonl`` process, as
a trainer would run it, at the script's moment (``BAOCAO_CLOCK``), on a SQLite database made by
``baocao demo`` at the moment the recordings' demo commune was loaded (``DEMO_CLOCK``, as end to end:
the demo's past reports are dated from the day it is loaded, so a December script loading it in
December would find November already filed).

The console is one person in a private chat, so only scripts with the default actor alone, no group
and no file can be played (``unplayable`` says why another cannot). Each step is one JSON line in and
one out; the replies are compared with the recorded ones as the console shows them (``render_reply``
for its profile) after the end-to-end player's normalisation (``e2e_player.normalise``: whitespace,
clock times, file URLs), since the pinned clock flows on in the process while the core's stands still.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from locales.profiles import PROFILES
from tests.e2e.support.bot_process import baocao_command, parse_demo_output
from tests.golden.e2e_player import BOT_ENV, DEMO_CLOCK, Seen, difference, expected_on
from tests.golden.transcripts import DEFAULT_ACTOR, Codes, Script, Step, read_recorded

PROFILE = PROFILES["console"]
TIMEOUT = 60.0  # seconds for one process step (start-up included) on a loaded two-core machine


def unplayable(script: Script) -> str | None:
    """Why the console cannot play ``script`` (``None``: it can): it is one person in a private chat."""
    reasons = []
    others = [a for a in script.actors if a != DEFAULT_ACTOR]
    if others:
        reasons.append(f"other actors ({', '.join(others)})")
    if script.groups:
        reasons.append(f"group chats ({', '.join(script.groups)})")
    if script.needs_documents:
        reasons.append("files sent")
    if not reasons:
        return None
    return f"the console is one person in a private chat; {script.name} has " + ", ".join(reasons)


async def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = await asyncio.create_subprocess_exec(*baocao_command(), *args, cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=TIMEOUT)
    assert proc.returncode == 0, f"baocao {' '.join(args)} failed ({proc.returncode}):\n{err.decode()}"
    return out.decode()


def _line(step: Step, codes: Codes) -> str:
    """The JSON line the console reads for one step (JSON even for text, so a typed "{…}" stays text)."""
    if step.say is not None:
        return json.dumps({"text": codes.fill(step.say)}, ensure_ascii=False)
    return json.dumps({"button": codes.fill(str(step.press))}, ensure_ascii=False)


def _shown(replies: list[dict[str, Any]], codes: Codes) -> Seen:
    """What the console shows of the process's replies, codes masked as the recording masks them."""
    return expected_on(PROFILE, [{**r, "text": codes.mask(str(r["text"]))} for r in replies])


async def play_on_console(script: Script, directory: Path) -> None:
    """Play ``script`` through one ``baocao chat --new --jsonl`` process; fail at the first step that differs."""
    reason = unplayable(script)
    assert reason is None, reason
    env = {**os.environ, **BOT_ENV, "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'baocao.db'}",
           "BAOCAO_LANGUAGE": "vi", "BAOCAO_CLOCK": script.clock.isoformat()}
    demo = parse_demo_output(await _run(["demo"], {**env, "BAOCAO_CLOCK": DEMO_CLOCK}, directory))
    codes = Codes(demo.hamlets, demo.admin, demo.leader)
    proc = await asyncio.create_subprocess_exec(
        *baocao_command(), "chat", "--new", "--jsonl", cwd=directory, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        for number, (step, recorded) in enumerate(zip(script.steps, read_recorded(script), strict=True), start=1):
            proc.stdin.write((_line(step, codes) + "\n").encode())
            await proc.stdin.drain()
            raw = await asyncio.wait_for(proc.stdout.readline(), timeout=TIMEOUT)
            if not raw:
                raise AssertionError(f"the console ended at step {number}:\n{(await proc.stderr.read()).decode()}")
            replies: list[dict[str, Any]] = json.loads(raw)["replies"]
            codes.capture(step, [str(r["text"]) for r in replies])
            expected, got = expected_on(PROFILE, recorded["out"]), _shown(replies, codes)
            assert got == expected, (f"{script.name}, step {number} ({recorded['in']}): the console's replies differ "
                                     f"from the recorded ones\n{difference(expected, got)}")
        proc.stdin.close()
        assert await asyncio.wait_for(proc.wait(), timeout=TIMEOUT) == 0, (await proc.stderr.read()).decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

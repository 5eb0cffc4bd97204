"""A reporter asks, in their own words, what their hamlet must do under the commune's plan; aiogram and PTB.

The tasks in the answer must be the ones the demo plan document assigns (read from that document).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import storage
from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import Emulator, User
from tests.e2e.support.scenarios import HAMLET, register

pytestmark = pytest.mark.e2e

PLAN = Path(storage.__file__).with_name("demo_plan.md")
NUMBERED = re.compile(r"^\s*\d+\.\s+(.+?)\s*$", re.MULTILINE)


async def test_question_about_the_hamlets_tasks(tg: Emulator, bots: BotRunner, framework: str) -> None:
    """Free text, no command: the answer lists the hamlet's tasks as written in the plan."""
    db = await bots.database()
    await bots.start(framework, db)
    chat = tg.private(User(5558001, "Hoa"))
    await register(chat, db)
    answer = await chat.ask("Thôn mình có nhiệm vụ gì trong kế hoạch năm nay?")
    assert HAMLET in answer.text, answer.text
    tasks = NUMBERED.findall(answer.text)
    assert tasks, answer.text
    plan = " ".join(PLAN.read_text(encoding="utf-8").split())
    for task in tasks:
        assert " ".join(task.split()) in plan, f"not in the plan: {task}"

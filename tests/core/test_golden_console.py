"""The golden transcripts (``tests/golden``) through the console transport: every script that one person
plays in a private chat, typed into a real ``baocao chat --new --jsonl`` process on a database made
by ``baocao demo`` at the script's moment, gets the recorded replies as the console shows them
(``tests/golden/console_player.py``). The other scripts are skipped, each saying why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.console_player import play_on_console, unplayable
from tests.golden.transcripts import load_script, script_names

PRIVATE = {"as_officials_type", "back_and_cancel", "month_picker", "month_picker_buttons",
           "questions_and_stop_inside_the_dialog", "report_with_rejections"}


def _cases() -> list[object]:
    cases: list[object] = []
    for name in script_names():
        reason = unplayable(load_script(name))
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        cases.append(pytest.param(name, id=f"{name}-not-private" if reason else name, marks=marks))
    return cases


@pytest.mark.parametrize("name", _cases())
async def test_console_transcript(tmp_path: Path, name: str) -> None:
    """The console's replies to the script are the recorded ones."""
    await play_on_console(load_script(name), tmp_path)


def test_the_console_plays_every_private_script() -> None:
    """The scripts of one person in a private chat are played, not skipped (a broken check would hide them)."""
    played = {n for n in script_names() if unplayable(load_script(n)) is None}
    assert played >= PRIVATE, PRIVATE - played

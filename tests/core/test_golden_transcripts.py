"""Golden transcripts of every dialog path, played on the core: the scripts and their recorded replies are
data in ``tests/golden`` (see ``tests/golden/transcripts.py`` for the format), with a fixed clock.

When behaviour changes on purpose, rewrite them with ``UPDATE_GOLDEN=1 pytest tests/core`` and read
the diff before committing. The same scripts run end to end in ``tests/e2e/test_golden_e2e.py``
(aiogram, python-telegram-bot) and ``tests/zalo/test_zalo_golden_e2e.py`` (Zalo), and those of one person in a
private chat through the console in ``tests/core/test_golden_console.py``.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.golden.core_player import play_on_core
from tests.golden.transcripts import load_script, script_names, worlds


@pytest.mark.parametrize("name", script_names())
async def test_transcript(engine: AsyncEngine, db_url: str, name: str) -> None:
    """The core's replies to the script are the recorded ones."""
    script = load_script(name)
    played = await play_on_core(script, engine, db_url)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        script.recorded_path.write_text(played, encoding="utf-8")
    assert played == script.recorded_path.read_text(encoding="utf-8")


def test_every_script_is_played_end_to_end_once_at_one_clock() -> None:
    """Each script belongs to exactly one end-to-end world, whose scripts share one clock."""
    placed = [name for names in worlds().values() for name in names]
    assert sorted(placed) == script_names()
    for world, names in worlds().items():
        assert len({load_script(n).clock for n in names}) == 1, world

"""Load: many reporters file complete reports at once through the emulator (bounded in count and time).

Every report must be stored exactly once; the run prints throughput and p50/p99 step latency.
``BAOCAO_LOAD_REPORTERS`` sets the count (500 by default).
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import Emulator
from tests.e2e.support.fixtures import require_postgres
from tests.e2e.support.load import LOAD_HAMLET_PREFIX, MESSAGES_PER_REPORTER, add_hamlets, run_load

# Both 500-reporter runs in one xdist group: on 2 cores, overlapping them starves the emulator.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("load")]

REPORTERS = int(os.environ.get("BAOCAO_LOAD_REPORTERS", "500"))
STEP_TIMEOUT = 120.0


async def test_reporters_at_once(
    tg: Emulator, bots: BotRunner, framework: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """All reporters register and file at the same time, on PostgreSQL; each report is stored once."""
    require_postgres()
    db = await bots.database("postgres")
    codes = await add_hamlets(db.url, REPORTERS)
    bot = await bots.start(framework, db)
    result = await run_load(tg, codes, timeout=STEP_TIMEOUT)
    with capsys.disabled():
        print(f"\n[load {framework}/postgres] {result.summary()}")
    assert not result.failures, result.failures[:5]
    rows = await db.query(
        "SELECT u.name, count(r.id) FROM units u LEFT JOIN reports r ON r.unit_id = u.id "
        "WHERE u.name LIKE :prefix GROUP BY u.name",
        prefix=f"{LOAD_HAMLET_PREFIX}%",
    )
    assert len(rows) == REPORTERS and {count for _, count in rows} == {1}, sorted({c for _, c in rows})
    await tg.wait_consumed(timeout=30)
    expected = REPORTERS * MESSAGES_PER_REPORTER + result.asked_month
    assert len(await tg.calls("sendMessage")) == expected, "a message was lost or sent twice"
    assert bot.stop() == 0, bot.log()[-3000:]

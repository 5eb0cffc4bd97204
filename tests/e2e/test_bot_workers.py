"""Two bot workers on one PostgreSQL behind a balancer at the webhook URL, for aiogram and PTB.

Consecutive steps of one dialog land on alternate workers: the dialog state lives in the database,
so the report goes through, stored once, each message sent once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.support.balancer import Balancer
from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import Emulator, User
from tests.e2e.support.fixtures import require_postgres
from tests.e2e.support.scenarios import (
    check_stored_once,
    file_report_with_rejection_and_correction,
    register,
    reports_of,
    view_latest,
)

pytestmark = pytest.mark.e2e

SECRET = "two-workers-secret-42"


@pytest.fixture
async def balancer() -> AsyncIterator[Balancer]:
    """A round-robin balancer for the workers' webhooks."""
    front = await Balancer().start()
    yield front
    await front.close()


async def test_two_workers_share_one_dialog(tg: Emulator, bots: BotRunner, framework: str, balancer: Balancer) -> None:
    """The journey through two workers in turn: both serve updates, nothing is done twice."""
    require_postgres()
    db = await bots.database("postgres")
    public = f"{balancer.url}/telegram"
    workers = []
    for _ in range(2):
        worker = await bots.start(framework, db, webhook_secret=SECRET, public_url=public)
        assert worker.webhook_url is not None
        balancer.upstreams.append(worker.webhook_url.rsplit("/", 1)[0])
        workers.append(worker)
    chat = tg.private(User(5555001, "Mai"))
    await register(chat, db)
    before = await reports_of(db)
    await file_report_with_rejection_and_correction(chat)
    await view_latest(chat)
    await check_stored_once(db, before)
    await tg.wait_consumed()
    assert len(await tg.calls("sendMessage")) == len(await chat.messages()), "a message was sent twice"
    counts = [balancer.count(url) for url in balancer.upstreams]
    assert min(counts) >= 10, counts  # each worker carried its share of the dialog
    for worker in workers:
        assert worker.stop() == 0, worker.log()

"""Many reporters at once against the real bot: extra hamlets with invites, one shared inbox, latency figures."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
from sqlalchemy import select

from locales.vietnamese import fold
from storage.db import create_engine, session_factory
from storage.models import Unit
from storage.people import create_invite
from tests.e2e.support.client import BotMessage, Emulator, User
from tests.e2e.support.scenarios import ANSWERS, SKIP_WORD, period_choice, question_mark

LOAD_HAMLET_PREFIX = "Thôn Tải"
# What the bot sends one reporter: welcome, intro + first question, one per answer, summary, saved.
MESSAGES_PER_REPORTER = 1 + 2 + len(ANSWERS) + 1 + 1


async def add_hamlets(db_url: str, count: int) -> list[str]:
    """Add ``count`` hamlets to the demo commune, each with a reporter's invite; return the codes."""
    engine = create_engine(db_url)
    codes: list[str] = []
    try:
        async with session_factory(engine)() as session, session.begin():
            commune = (await session.execute(select(Unit).where(Unit.kind == "commune").limit(1))).scalar_one()
            now = dt.datetime.now(dt.UTC)
            for index in range(count):
                name = f"{LOAD_HAMLET_PREFIX} {index:04d}"
                unit = Unit(parent_id=commune.id, kind="hamlet", name=name, folded_name=fold(name))
                session.add(unit)
                await session.flush()
                invite = await create_invite(session, unit.id, "reporter", now, dt.timedelta(days=2))
                codes.append(invite.code)
    finally:
        await engine.dispose()
    return codes


class Inbox:
    """One poller for the bot's messages to every chat, handed out per chat (500 pollers would swamp node)."""

    LOOK_BACK = 300

    def __init__(self, tg: Emulator, interval: float = 0.05) -> None:
        self.tg = tg
        self.interval = interval
        self._queues: dict[int, asyncio.Queue[BotMessage]] = defaultdict(asyncio.Queue)
        self._since = 0
        self._seen: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self.poll_errors: list[str] = []

    def start(self) -> Inbox:
        """Begin polling."""
        self._task = asyncio.create_task(self._run())
        return self

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            if self._task.done() and not self._task.cancelled() and self._task.exception() is not None:
                raise AssertionError("the inbox stopped polling") from self._task.exception()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            # Look a little behind the highest id seen: under load a message with a lower id can be
            # stored after one with a higher id, and skipping it would shift a chat's queue by one.
            try:
                raw = await self.tg._get("/baocao/messages", since=max(0, self._since - self.LOOK_BACK))
            except (aiohttp.ClientError, TimeoutError) as error:
                # One failed poll of a busy emulator must not end the inbox (every reporter still
                # waiting would time out): count it, poll again.
                self.poll_errors.append(f"{type(error).__name__}: {error}")
                await asyncio.sleep(self.interval)
                continue
            for item in sorted(raw, key=lambda i: int(i["message_id"])):
                message = BotMessage.from_json(item)
                if message.message_id in self._seen:
                    continue
                self._seen.add(message.message_id)
                self._since = max(self._since, message.message_id)
                self._queues[message.chat_id].put_nowait(message)
            await asyncio.sleep(self.interval)

    async def take(self, chat_id: int, count: int, timeout: float) -> list[BotMessage]:
        """The next ``count`` messages the bot sent to ``chat_id``."""
        queue = self._queues[chat_id]
        return [await asyncio.wait_for(queue.get(), timeout) for _ in range(count)]


@dataclass
class LoadResult:
    """What a load run measured."""

    reporters: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    inbox_errors: list[str] = field(default_factory=list)
    # Reporters the bot first asked which month (the first days of a month): one message more each.
    asked_month: int = 0

    def percentile(self, q: float) -> float:
        """The ``q`` quantile of the step latencies, in seconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def summary(self) -> str:
        """One line of figures."""
        steps = len(self.latencies)
        return (
            f"{self.reporters} reporters, {steps} steps in {self.seconds:.1f} s: "
            f"{self.reporters / self.seconds:.1f} reports/s, {steps / self.seconds:.1f} steps/s, "
            f"step latency p50 {self.percentile(0.5) * 1000:.0f} ms, p99 {self.percentile(0.99) * 1000:.0f} ms, "
            f"mean {statistics.fmean(self.latencies) * 1000 if steps else float('nan'):.0f} ms"
            + (f"; {len(self.inbox_errors)} failed polls of the emulator" if self.inbox_errors else "")
        )


async def one_reporter(tg: Emulator, inbox: Inbox, user_id: int, code: str, result: LoadResult, timeout: float) -> None:
    """Register with ``code`` and file a complete report, timing every step (send → the bot's last answer)."""
    chat = tg.private(User(user_id, f"R{user_id}"))

    async def step(text: str | None, expected: int, press: tuple[BotMessage, str] | None = None) -> list[BotMessage]:
        started = time.monotonic()
        if press is not None:
            await chat.press(*press)
        else:
            assert text is not None
            await chat.send(text)
        got = await inbox.take(chat.id, expected, timeout)
        result.latencies.append(time.monotonic() - started)
        return got

    try:
        await step(f"/start {code}", 1)
        [asked] = await step("báo cáo", 1)
        choice = period_choice(asked)
        if choice is not None:  # early in a month the bot asks which month first
            result.asked_month += 1
            await step(None, 2, press=(asked, choice))
        elif question_mark(1) not in asked.text:  # the intro came first: the question follows
            await inbox.take(chat.id, 1, timeout)
        for value in ANSWERS:
            await step(str(value), 1)
        [summary] = await step(SKIP_WORD, 1)
        await step(None, 1, press=(summary, "confirm"))
    except (TimeoutError, AssertionError) as error:
        result.failures.append(f"{user_id}: {type(error).__name__} {error}")


async def run_load(tg: Emulator, codes: list[str], timeout: float = 120.0) -> LoadResult:
    """Every reporter at once; return the figures."""
    result = LoadResult(reporters=len(codes), seconds=0.0)
    inbox = Inbox(tg).start()
    started = time.monotonic()
    try:
        await asyncio.gather(
            *(one_reporter(tg, inbox, 7_000_000 + i, code, result, timeout) for i, code in enumerate(codes))
        )
    finally:
        result.seconds = time.monotonic() - started
        result.inbox_errors = inbox.poll_errors
        await inbox.stop()
    return result

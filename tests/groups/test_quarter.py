"""A controlled clock walks a commune through Q4 2026, hour by hour, with two workers deciding and sending.

Five hamlets behave differently each month (on time, the day before the deadline, late, never, in the
night); the test checks every outbox row and every delivery against the calendar: the right reminders,
at the right times, into the right chats, none at night, none after a report, none twice.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.rate_limit import Limits, RateLimiter
from bot.sender import OutboxSender
from handlers.reminders import due_messages, obsolete_reminders, write_due
from storage.calendar import TZ, CalendarRules, local
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage, Unit
from tests.groups.commune import HAMLETS_CHAT, LEADERS_CHAT, build_commune, file_report, random_values
from tests.groups.fakes import FakeDeliver

FAST = Limits(per_second=1000.0, chat_interval=0.0, group_limit=10_000, group_window=1.0)
START = dt.datetime(2026, 10, 1, 0, 0, tzinfo=TZ)
END = dt.datetime(2027, 1, 1, 0, 0, tzinfo=TZ)
# When each hamlet files its report of a month: (day of month, hour, minute) or None for never.
FILING = {"Xóm 1": (20, 10, 0), "Xóm 2": (24, 15, 0), "Xóm 3": (27, 9, 0), "Xóm 4": None, "Xóm 5": (23, 22, 30)}
# The private reminders each hamlet must get per month (days of the month), derived by hand from
# domain.md: due on the 25th; reminded 3 and 1 day before, on the day, then daily for 5 days.
EXPECTED_PRIVATE = {
    "Xóm 1": [], "Xóm 2": [22, 24], "Xóm 3": [22, 24, 25, 26, 27], "Xóm 4": [22, 24, 25, 26, 27, 28, 29, 30],
    "Xóm 5": [22],
}
EXPECTED_LEADERS = [
    ("2026-10-05", "weekly", "2026-09"), ("2026-10-12", "weekly", "2026-10"), ("2026-10-19", "weekly", "2026-10"),
    ("2026-10-26", "deadline", "2026-10"), ("2026-11-02", "weekly", "2026-10"), ("2026-11-09", "weekly", "2026-10"),
    ("2026-11-16", "weekly", "2026-11"), ("2026-11-23", "weekly", "2026-11"), ("2026-11-26", "deadline", "2026-11"),
    ("2026-11-30", "weekly", "2026-11"), ("2026-12-07", "weekly", "2026-11"), ("2026-12-14", "weekly", "2026-12"),
    ("2026-12-21", "weekly", "2026-12"), ("2026-12-26", "deadline", "2026-12"), ("2026-12-28", "weekly", "2026-12"),
]


async def test_a_quarter_of_reminders_and_summaries(engine: AsyncEngine, db_url: str) -> None:
    rng = random.Random(4)
    async with session_factory(engine)() as session, session.begin():
        built = await build_commune(session, hamlets=5)
        # Reminders become due at 06:30, inside the quiet hours: they must wait for 07:00.
        commune = await session.get(Unit, built.commune.id)
        assert commune is not None
        commune.settings = {"calendar": {"remind_time": "06:30", "summary_time": "08:00"}}
    rules = CalendarRules.from_settings({"calendar": {"remind_time": "06:30"}})
    by_name = {h.name: h for h in built.hamlets}
    filings = sorted(
        (dt.datetime(2026, month, when[0], when[1], when[2], tzinfo=TZ), name, f"2026-{month:02d}")
        for month in (10, 11, 12) for name, when in FILING.items() if when is not None
    )

    clock = {"now": START.astimezone(dt.UTC)}
    fake = FakeDeliver()
    other = create_engine(db_url)
    engines = (engine, other)
    senders = [
        OutboxSender(session_factory(e), fake, RateLimiter(FAST), quiet=rules.is_quiet, now=lambda: clock["now"])
        for e in engines
    ]
    delivered_at: dict[str, dt.datetime] = {}

    def note_delivery(_count: int) -> None:
        delivered_at.setdefault(fake.delivered[-1][1].dedupe_key, clock["now"])

    fake.on_delivery = note_delivery

    async def decide(e: AsyncEngine) -> None:
        async with session_factory(e)() as session, session.begin():
            await write_due(session, clock["now"], with_chart=False)

    try:
        moment = START
        while moment < END:
            clock["now"] = moment.astimezone(dt.UTC)
            while filings and filings[0][0] <= moment:
                at, name, period = filings.pop(0)
                async with session_factory(engine)() as session, session.begin():
                    await file_report(session, built, by_name[name], period, random_values(rng), at.astimezone(dt.UTC))
            # Two workers decide at the same moment, then two senders share the outbox.
            await asyncio.gather(*(decide(e) for e in engines))
            await asyncio.gather(*(s.drain(timeout=30) for s in senders))
            moment += dt.timedelta(hours=1)
    finally:
        await other.dispose()

    async with session_factory(engine)() as session:
        rows = list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())

    # none twice: every row delivered exactly once, right away (nothing waits in the outbox)
    counts = collections.Counter(fake.keys())
    assert set(counts) == {r.dedupe_key for r in rows} and max(counts.values()) == 1
    assert all(r.sent_at is not None for r in rows)
    # none in the quiet hours, neither decided nor delivered
    for row in rows:
        for moment in (row.created_at, delivered_at[row.dedupe_key]):
            assert dt.time(7, 0) <= local(moment).time() < dt.time(21, 0), (row.dedupe_key, moment)

    private = collections.defaultdict(list)
    group: list[tuple[str, str]] = []
    leaders: list[tuple[str, str, str]] = []
    chat_of = {h.id: built.reporter_chat[h.id] for h in built.hamlets}
    for row in rows:
        kind, sub, period = row.dedupe_key.split(":")[:3]
        day = local(row.created_at).date()
        if kind == "remind" and sub == "private":
            hamlet = next(h for h in built.hamlets if h.id == row.unit_id)
            assert row.chat_id == chat_of[hamlet.id] and row.chat_type == "private"
            assert row.buttons == [[{"label": "Bắt đầu báo cáo", "data": "report:start"}]]
            assert period == f"{day.year}-{day.month:02d}"
            private[hamlet.name].append((period, day.day))
            # the reminder time is 06:30, so the first moment out of the quiet hours: 07:00
            assert local(row.created_at).time() == dt.time(7, 0)
        elif kind == "remind":
            assert row.chat_id == HAMLETS_CHAT and row.chat_type == "group"
            group.append((period, day.isoformat()))
        else:
            assert kind == "summary" and row.chat_id == LEADERS_CHAT
            assert local(row.created_at).time() == dt.time(8, 0)
            leaders.append((day.isoformat(), sub, period))

    for name, days in EXPECTED_PRIVATE.items():
        expected = [(f"2026-{m:02d}", d) for m in (10, 11, 12) for d in days]
        assert sorted(private[name]) == expected, name
    group_days = sorted({(p, d) for p, d in group})
    assert len(group) == len(group_days) == 24  # Xóm 4 never reports: every reminder day of 3 months
    assert leaders == EXPECTED_LEADERS

    texts = {(r.dedupe_key.split(":")[2], local(r.created_at).date().day): r.text for r in rows
             if r.dedupe_key.startswith("remind:group")}
    assert all(f"Xóm {i}" in texts[("2026-11", 22)] for i in (2, 3, 4, 5))
    assert "Xóm 1" not in texts[("2026-11", 22)]
    on_deadline = texts[("2026-11", 25)]
    assert "Xóm 3" in on_deadline and "Xóm 4" in on_deadline
    assert all(f"Xóm {i}" not in on_deadline for i in (1, 2, 5))
    assert "25/11/2026" in on_deadline
    # the leaders' summary after the November deadline names who is missing and who was late
    summary = next(r.text for r in rows if r.dedupe_key.startswith("summary:deadline:2026-11"))
    assert "Chưa báo cáo (2): Xóm 3, Xóm 4" in summary


async def test_nothing_is_decided_in_the_quiet_hours(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await build_commune(session, hamlets=3)
    async with session_factory(engine)() as session:
        night = dt.datetime(2026, 11, 22, 21, 30, tzinfo=TZ).astimezone(dt.UTC)
        assert await due_messages(session, night, with_chart=False) == []
        early = dt.datetime(2026, 11, 23, 6, 59, tzinfo=TZ).astimezone(dt.UTC)
        assert await due_messages(session, early, with_chart=False) == []
        day = dt.datetime(2026, 11, 22, 20, 59, tzinfo=TZ).astimezone(dt.UTC)
        assert len(await due_messages(session, day, with_chart=False)) == 1 + 3  # group + 3 reporters


async def test_a_queued_reminder_is_dropped_when_the_report_comes_in_first(engine: AsyncEngine) -> None:
    day = dt.datetime(2026, 11, 22, 8, 0, tzinfo=TZ).astimezone(dt.UTC)
    async with session_factory(engine)() as session, session.begin():
        built = await build_commune(session, hamlets=2)
        written = await write_due(session, day, with_chart=False)
    assert sorted(p.dedupe_key.split(":")[1] for p in written) == ["group", "private", "private"]
    # Xóm 1 files while the reminders still wait in the outbox
    async with session_factory(engine)() as session, session.begin():
        await file_report(session, built, built.hamlets[0], "2026-11", random_values(random.Random(1)), day)
    fake = FakeDeliver()
    sender = OutboxSender(session_factory(engine), fake, RateLimiter(FAST), obsolete=obsolete_reminders,
                          now=lambda: day)
    await sender.drain(timeout=10)
    assert sorted(m.chat_id for _, m in fake.delivered) == sorted(
        [HAMLETS_CHAT, built.reporter_chat[built.hamlets[1].id]])
    async with session_factory(engine)() as session:
        dropped = (await session.scalars(select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None)))).all()
    assert [(r.unit_id, r.last_error) for r in dropped] == [(built.hamlets[0].id, "obsolete: no longer due")]


async def test_the_leaders_summary_comes_as_text_then_chart(engine: AsyncEngine) -> None:
    after_deadline = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ).astimezone(dt.UTC)
    async with session_factory(engine)() as session, session.begin():
        await build_commune(session, hamlets=3)
        written = await write_due(session, after_deadline)
    summary = [p for p in written if p.dedupe_key.startswith("summary:")]
    assert [p.dedupe_key.rsplit(":", 1)[-1] for p in summary] == [LEADERS_CHAT, "chart"]
    text, chart = summary
    assert chart.chat_id == text.chat_id == LEADERS_CHAT and chart.attachment_kind == "photo"
    assert chart.attachment is not None and chart.attachment[:4] == b"\x89PNG" and len(chart.text) < 1024
    assert "Chưa báo cáo (3): Xóm 1, Xóm 2, Xóm 3" in text.text and text.attachment is None

"""Zalo bots cannot join groups: a commune's leaders' summary goes to each leader privately there."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from handlers.reminders import due_messages
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import GroupBinding, Identity, Membership, Person
from tests.groups.commune import LEADERS_CHAT, build_commune, file_report

# Calendar-dependent: CI runs it again with the clock pinned at each moment (make test-dates).
pytestmark = pytest.mark.calendar

# The day after the 25/11 deadline, after the 08:00 summary time: the leaders' summary is due.
SUMMARY_DAY = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ).astimezone(dt.UTC)


async def _person(session: AsyncSession, commune_id: int, role: str, identities: dict[str, str]) -> None:
    person = Person(display_name=role, language="vi")
    session.add(person)
    await session.flush()
    for transport, external_id in identities.items():
        session.add(Identity(person_id=person.id, transport=transport, external_id=external_id))
    session.add(Membership(person_id=person.id, unit_id=commune_id, role=role))


async def test_each_zalo_leader_gets_the_summary_privately_and_the_telegram_group_keeps_its_own(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        built = await build_commune(session, hamlets=2, reporters=False)
        filed_at = dt.datetime(2026, 11, 20, 9, tzinfo=TZ)
        await file_report(session, built, built.hamlets[0], "2026-11", {"nghien": 3}, filed_at)
        await _person(session, built.commune.id, "leader", {"zalo": "z-chu-tich", "telegram": "t-chu-tich"})
        await _person(session, built.commune.id, "admin", {"zalo": "z-cong-an"})
        await _person(session, built.commune.id, "reporter", {"zalo": "z-thon"})  # not a leader
    async with sessions() as session:
        planned = [p for p in await due_messages(session, SUMMARY_DAY, with_chart=False)
                   if p.dedupe_key.startswith("summary:")]
    where = sorted((p.transport, p.chat_id, p.chat_type) for p in planned)
    assert where == [("telegram", LEADERS_CHAT, "group"), ("zalo", "z-chu-tich", "private"),
                     ("zalo", "z-cong-an", "private")], where
    texts = {p.text for p in planned}
    assert len(texts) == 1 and "1/2" in texts.pop()


async def test_a_zalo_group_bound_for_the_leaders_takes_the_place_of_the_private_copies(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        built = await build_commune(session, hamlets=2, reporters=False)
        await _person(session, built.commune.id, "leader", {"zalo": "z-chu-tich"})
        session.add(GroupBinding(transport="zalo", chat_id="zalo-group", unit_id=built.commune.id, purpose="leaders"))
    async with sessions() as session:
        planned = [p for p in await due_messages(session, SUMMARY_DAY, with_chart=False)
                   if p.dedupe_key.startswith("summary:")]
    assert sorted((p.transport, p.chat_id, p.chat_type) for p in planned) == [
        ("telegram", LEADERS_CHAT, "group"), ("zalo", "zalo-group", "group")]

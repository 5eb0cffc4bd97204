"""Group commands through the real dispatcher: codes only from admins, binding, /tonghop, /xuatexcel."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.dispatch import Core
from locales.messages import Incoming, Reply
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import GroupBinding, Identity, Membership, Person, Unit
from storage.periods import read_period
from tests.groups.commune import BuiltCommune, build_commune, file_report, random_values

# Calendar-dependent: CI runs it again with the clock pinned at each moment (make test-dates).
pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
_ids = itertools.count(1)


async def _person(engine: AsyncEngine, unit_id: int, role: str, user: str) -> None:
    async with session_factory(engine)() as session, session.begin():
        person = Person(display_name=user, language="vi")
        session.add(person)
        await session.flush()
        session.add(Identity(person_id=person.id, transport="telegram", external_id=user))
        session.add(Membership(person_id=person.id, unit_id=unit_id, role=role))


async def _setup(engine: AsyncEngine) -> tuple[Core, BuiltCommune, BuiltCommune]:
    async with session_factory(engine)() as session, session.begin():
        ours = await build_commune(session, hamlets=4, groups=False)
        province = await session.get(Unit, ours.province.id)
        theirs = await build_commune(session, hamlets=2, name="Xã Bên Cạnh", province=province, groups=False)
        for hamlet in ours.hamlets[:3]:
            await file_report(session, ours, hamlet, "2026-11", random_values(random.Random(hamlet.id)),
                              dt.datetime(2026, 11, 20, 9, tzinfo=TZ))
    await _person(engine, ours.commune.id, "admin", "admin1")
    await _person(engine, theirs.commune.id, "admin", "admin2")
    await _person(engine, ours.commune.id, "leader", "leader1")
    core = Core(sessions=session_factory(engine), clock=lambda: NOW)
    return core, ours, theirs


async def _say(core: Core, user: str, text: str, chat: str | None = None) -> list[Reply]:
    incoming = Incoming(transport="telegram", update_id=str(next(_ids)), chat_id=chat or user, user_id=user,
                        text=text, chat_type="group" if chat else "private")
    return await core.handle(incoming)


def _code(replies: list[Reply], purpose_word: str) -> str:
    line = next(line for line in replies[0].text.splitlines() if purpose_word in line)
    found = re.search(r"/ketnoi ([A-Z0-9]+)", line)
    assert found is not None
    return found.group(1)


async def test_admin_codes_bind_groups_that_see_only_their_commune(engine: AsyncEngine) -> None:
    core, ours, _theirs = await _setup(engine)
    # only an admin gets codes
    refused = await _say(core, "leader1", "/maketnoi")
    assert "quản trị viên" in refused[0].text and "/ketnoi" not in refused[0].text
    codes = await _say(core, "admin1", "/maketnoi")
    leaders_code, hamlets_code = _code(codes, "lãnh đạo"), _code(codes, "thôn")
    other = await _say(core, "admin2", "/maketnoi lanhdao")
    other_code = _code(other, "lãnh đạo")

    # an unbound group is told how to connect; a group cannot be bound by someone of another commune
    assert "/ketnoi" in (await _say(core, "leader1", "/tonghop", chat="-500"))[0].text
    assert "chỉ" in (await _say(core, "leader1", f"/ketnoi {other_code}", chat="-500"))[0].text.lower()
    bound = await _say(core, "leader1", f"/ketnoi {leaders_code}", chat="-500")
    assert ours.commune.name in bound[0].text and "thứ Hai" in bound[0].text
    again = await _say(core, "admin1", f"/ketnoi {leaders_code}", chat="-501")
    assert "đã được dùng" in again[0].text
    bound = await _say(core, "admin1", f"/ketnoi@baocao_bot {hamlets_code}", chat="-501")
    assert "21:00" in bound[0].text
    async with session_factory(engine)() as session:
        rows = (await session.scalars(select(GroupBinding).order_by(GroupBinding.chat_id))).all()
    assert [(r.chat_id, r.unit_id, r.purpose) for r in rows] == [
        ("-500", ours.commune.id, "leaders"), ("-501", ours.commune.id, "hamlets")]

    # /tonghop: text and chart of the bound commune only
    replies = await _say(core, "leader1", "/tonghop 11/2026", chat="-500")
    assert ours.commune.name in replies[0].text and "Xã Bên Cạnh" not in replies[0].text
    assert "Chưa báo cáo (1): Xóm 4" in replies[0].text
    assert replies[1].attachment is not None and replies[1].attachment.content[:4] == b"\x89PNG"
    # /xuatexcel: a workbook with one row per hamlet of this commune
    replies = await _say(core, "leader1", "/xuatexcel 2026-11", chat="-500")
    attachment = replies[0].attachment
    assert attachment is not None and attachment.name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(attachment.content)).active
    assert sheet is not None
    names = [sheet.cell(row=r, column=2).value for r in range(7, 11)]
    assert names == [h.name for h in ours.hamlets]
    # plain chatter in a group is not answered
    assert await _say(core, "leader1", "chào cả nhà", chat="-500") == []


def test_periods_as_people_write_them() -> None:
    assert [read_period(t).code for t in ("11/2026", "2026-11", "quý 4/2026", "Q4 2026", "2026")] == [  # type: ignore[union-attr]
        "2026-11", "2026-11", "2026-Q4", "2026-Q4", "2026"]
    assert read_period("tháng mười") is None

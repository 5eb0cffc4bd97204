"""One person on Telegram and Zalo: a link code from one account makes the other the same person."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.dispatch import Core
from storage.models import Identity
from tests.core.chat import Clock, User, code_of, demo, texts
from tests.core.test_report_dialog import ANSWERS


async def test_a_linked_zalo_account_is_the_same_person(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    telegram = User(core, "555", transport="telegram")
    zalo = User(core, "zalo-abc", transport="zalo")
    await telegram.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    assert "mã mời" in texts(await zalo.say("báo cáo"))
    offer = texts(await telegram.say("/lienket"))
    code = re.search(r"\b([A-Z0-9]{8})\b", offer)
    assert code is not None, offer
    assert "trả lời “có”" in texts(await zalo.say(f"/lienket {code.group(1)}")).lower()
    # The original account confirms (handlers/linking.py): only then are both accounts one person.
    linked = texts(await telegram.say("có"))
    assert "Bản Khe Ló" in linked
    assert "đã được sử dụng" in texts(await User(core, "zalo-other", transport="zalo").say(code.group(1)))
    # The Zalo account files the report; the Telegram account sees it as its own.
    await zalo.say("báo cáo")
    for answer in ANSWERS:
        await zalo.say(answer)
    await zalo.say("bỏ qua")
    assert "Đã lưu" in texts(await zalo.say("xác nhận"))
    assert "tháng 11/2026" in texts(await telegram.say("/xem"))
    async with sessions() as session:
        people = set((await session.execute(
            select(Identity.person_id).where(Identity.external_id.in_(["555", "zalo-abc"])))).scalars())
    assert len(people) == 1


async def test_expired_link_code_and_already_registered_account(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    telegram = User(core, "556")
    await telegram.say(f"/start {code_of(summary, 'Bản Nà Pục')}")
    code = re.search(r"\b([A-Z0-9]{8})\b", texts(await telegram.say("/lienket")))
    assert code is not None
    other = User(core, "zalo-557", transport="zalo")  # a registered account on the other messenger
    await other.say(f"/start {code_of(summary, 'Xóm Chợ')}")
    assert "đã đăng ký" in texts(await other.say(f"/lienket {code.group(1)}"))
    clock.now += dt.timedelta(hours=1)
    assert "hết hạn" in texts(await User(core, "zalo-9", transport="zalo").say(f"/lienket {code.group(1)}"))

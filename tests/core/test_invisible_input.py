"""What the user cannot see, the bot does not read or store (issue 11, items 4 and 6): NUL, bidi
overrides, zero-width characters; "5" with a zero-width space or typed full-width ("５") is 5; a
number of thousands of digits is "too large", not the generic error; a NUL in an imported .txt plan
no longer fails the save on PostgreSQL."""

from __future__ import annotations

import itertools
import sys
import unicodedata

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.numbers import CountError, parse_count
from handlers.dispatch import Core
from locales.messages import Incoming, IncomingFile
from locales.vietnamese import nfc, visible
from storage.db import session_factory
from storage.models import Person, Report, ReportValue, Unit
from storage.models.plans import Plan, PlanTask, PlanUnplaced
from tests.conftest import shared_dir
from tests.core.chat import Clock, User, code_of, demo, texts

_ids = itertools.count(95_000)
GENERIC_ERROR = "hệ thống đang gặp sự cố"


def test_every_control_and_invisible_character_is_dropped_but_tabs_and_line_breaks() -> None:
    invisible = "".join(chr(c) for c in range(sys.maxunicode + 1)
                        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs") and chr(c) not in "\t\n\r")
    spaces = "\x0b\x0c\x1c\x1d\x1e\x1f\x85"
    assert visible(f"a{invisible}b\tc\nd\re").replace(" ", "") == "ab\tc\nd\re"
    assert visible(f"a{invisible.translate({ord(c): None for c in spaces})}b") == "ab"
    assert visible("một\u2028hai\u2029ba") == "một\nhai\nba"
    assert visible("một\x0chai\x0bba\x85bốn") == "một hai ba bốn"
    assert nfc("Nguye\u0302\u0303n\x00") == "Nguyễn"


@pytest.mark.parametrize(("typed", "value"), [
    ("5\u200b", 5), ("\u200b5", 5), ("\ufeff5", 5), ("5\u2060", 5), ("\u202e5", 5), ("5\x00", 5),
    ("1\u200b2", 12), ("12\u200b0 người", 120), ("mười\u200b hai", 12),
    ("５", 5), ("１２ người", 12), ("１.２００", 1200), ("٣", 3), ("0000000000000000000005", 5),
])
def test_what_looks_like_a_number_is_read_as_it(typed: str, value: int) -> None:
    assert parse_count(typed, "m²").value == value


@pytest.mark.parametrize("typed", [
    "1" * 4301, "9" * 100_000, f"có {'9' * 5000} người", f"5 nam {'7' * 5000} nữ", f"{'9' * 5000} ha",
    "1.000.000.000.000", "2000 ha", "100000000000",
])
def test_a_huge_number_is_too_large_not_an_error(typed: str) -> None:
    assert parse_count(typed, "m²").error is CountError.TOO_LARGE


@pytest.mark.parametrize("typed", ["²", "3²", "¹²³", "\u200b", "\x00"])
def test_digit_like_signs_never_raise(typed: str) -> None:
    parse_count(typed, "người")


async def test_invisible_full_width_and_huge_numbers_in_the_dialog(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    user = User(Core(sessions=sessions, clock=clock), "1001")
    await user.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
    await user.say("báo cáo")
    huge = texts(await user.say("1" * 4301))
    assert "quá lớn" in huge and "(1/13)" in huge and GENERIC_ERROR not in huge
    assert "(2/13)" in texts(await user.say("3\u200b"))
    assert "(3/13)" in texts(await user.say("２"))
    assert "(4/13)" in texts(await user.say("\u202e3\u202c người"))
    for answer in ["1", "2", "1", "0", "3", "90", "1", "0", "0"]:
        await user.say(answer)
    await user.say("không")
    assert "Đã lưu" in texts(await user.say("đúng"))
    async with session_factory(engine)() as session:
        unit = (await session.execute(select(Unit).where(Unit.name == "Bản Khe Ló"))).scalar_one()
        report_id = (await session.execute(select(func.max(Report.id)).where(Report.unit_id == unit.id))).scalar_one()
        values = (await session.execute(select(ReportValue.value).where(ReportValue.report_id == report_id)
                                        .order_by(ReportValue.indicator_id))).scalars().all()
    assert list(values)[:3] == [3, 2, 3]


async def test_a_plan_with_nul_bytes_imports_and_saves(engine: AsyncEngine) -> None:
    """In its text or its file's name: on PostgreSQL either failed the preview or the save."""
    # The province's plan (seed 001): a commune's admin may not save another commune's plan (seed 000).
    seed = shared_dir() / "seeds" / "001_6a0687a21b1995cc.txt"
    text = seed.read_text(encoding="utf-8")
    dirty = text.replace("\n", "\x00\n", 40).replace("Công an", "Công\u200b an\u202e", 3).encode("utf-8")
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    admin = User(Core(sessions=sessions, clock=clock), "admin-1")
    await admin.say(f"/start {summary.admin_code}")
    preview = await admin.send(Incoming("telegram", str(next(_ids)), "admin-1", "admin-1",
                                        file=IncomingFile(f"kế\x00hoạch\u202e{seed.name}", dirty)))
    assert "Địa bàn: tỉnh Nghệ An" in texts(preview) and GENERIC_ERROR not in texts(preview)
    async with sessions() as session:
        before = (await session.execute(select(func.count()).select_from(Plan))).scalar_one()
    saved = texts(await admin.press(preview[-1].buttons[0][0].data))
    assert "lưu" in saved.lower() and GENERIC_ERROR not in saved
    async with sessions() as session:
        after = (await session.execute(select(func.count()).select_from(Plan))).scalar_one()
        stored = [*(await session.execute(select(Plan.number))).scalars().all(),
                  *(await session.execute(select(Plan.source_name))).scalars().all(),
                  *(await session.execute(select(PlanTask.text))).scalars().all(),
                  *(await session.execute(select(PlanUnplaced.text))).scalars().all()]
    assert after == before + 1
    assert not any(visible(t) != t for t in stored if t)


async def test_the_messengers_display_name_is_stored_without_invisible_characters(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    code = code_of(summary, "Bản Khe Ló")
    await core.handle(Incoming("telegram", "name-1", "u-rtl", "u-rtl", text=code, user_name="Lan\u202e\u200bHoa\x00"))
    async with sessions() as session:
        names = set((await session.scalars(select(Person.display_name))).all())
    assert "LanHoa" in names and not any(n and not n.isprintable() for n in names)

"""The report's note (issue 11, items 3 and 4): never a person's name, at most NOTE_MAX_CHARS
characters, no control or invisible character, and a NUL in it no longer fails the save on
PostgreSQL (the user was told to resend and stuck at the confirm step for ever)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.privacy import NOTE_MAX_CHARS, NoteCheck, NoteProblem, check_note, looks_like_a_name
from handlers.dispatch import Core
from storage.db import session_factory
from storage.models import Report, ReportRevision, Unit
from tests.core.chat import Clock, User, code_of, demo, texts

ANSWERS = ["3", "2", "3", "1", "2", "1", "0", "3", "90", "1", "0", "0"]

NAMES = [
    "Anh Nguyễn Văn A ở xóm 3 dùng ma túy",
    "anh Nguyen Van A o xom 3 dung ma tuy",
    "Tran Van B tai nghien",
    "chị Lan mới sử dụng",
    "ông Tư bán ma túy",
    "đối tượng Hoàng Văn Nam",
    "NGUYỄN VĂN A tái nghiện",
    "phát hiện Đỗ Thị Hoa sử dụng",
    "Có Lò Văn Sáng mới phát hiện",
    "thằng Bình nghiện lại",
]
NOT_NAMES = [
    "Không có khó khăn",
    "Đề nghị UBND xã hỗ trợ kinh phí mua loa",
    "Do Công an xã chưa phối hợp",
    "ông Trưởng thôn đi họp",
    "anh Công an xã đã xác minh",
    "ông Chủ tịch UBND xã chỉ đạo",
    "Tuyên truyền tại đường Lê Lợi",
    "Trường Trần Phú đã tuyên truyền",
    "Học tập tư tưởng Hồ Chí Minh",
    "Họ Không hợp tác",
    "Mai Công an về kiểm tra",
    "chị em phụ nữ tham gia đông",
    "bà con Xóm 3 đồng tình",
    "Kinh phí ít. Nguyễn liệu thiếu",
    "Đề nghị Phòng Văn hóa - Xã hội hỗ trợ",
    "Các hộ ở Bản Khe Ló",
]


@pytest.mark.parametrize("note", NAMES)
def test_a_persons_name_is_seen_with_or_without_diacritics(note: str) -> None:
    assert looks_like_a_name(note)
    assert check_note(note) == NoteCheck(None, NoteProblem.NAME, len(note))


@pytest.mark.parametrize("note", NOT_NAMES)
def test_offices_streets_and_places_are_not_names(note: str) -> None:
    assert not looks_like_a_name(note)
    assert check_note(note).note == note


def test_note_is_cleaned_capped_and_masked() -> None:
    cleaned = check_note(" Thiếu\x00 loa\u202e,\u200b  gọi 0912 345 678\r\n\u2066kinh phí\u2069 ")
    assert cleaned.problem is None and cleaned.note == "Thiếu loa, gọi ***\nkinh phí"
    assert check_note("\x00\u200b \u202e").note is None
    assert check_note("a" * NOTE_MAX_CHARS).note == "a" * NOTE_MAX_CHARS
    too_long = check_note("a" * 10_000)
    assert too_long.note is None and too_long.problem is NoteProblem.TOO_LONG and too_long.length == 10_000


async def _at_the_note(engine: AsyncEngine) -> User:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    user = User(Core(sessions=sessions, clock=clock), "1001")
    assert "Bản Khe Ló" in texts(await user.say(f"/start {code_of(summary, 'Bản Khe Ló')}"))
    await user.say("báo cáo")
    for answer in ANSWERS:
        await user.say(answer)
    return user


async def _khe_lo(engine: AsyncEngine) -> tuple[Report | None, list[ReportRevision]]:
    async with session_factory(engine)() as session:
        unit = (await session.execute(select(Unit).where(Unit.name == "Bản Khe Ló"))).scalar_one()
        reports = (await session.execute(select(Report).where(Report.unit_id == unit.id))).scalars().all()
        report = max(reports, key=lambda r: r.period_id, default=None)
        revisions = list((await session.execute(select(ReportRevision))).scalars().all())
    return report, revisions


async def test_a_note_naming_someone_is_asked_again_and_never_stored(engine: AsyncEngine) -> None:
    user = await _at_the_note(engine)
    asked = texts(await user.say("Anh Nguyễn Văn A ở xóm 3 dùng ma túy"))
    assert "có vẻ có tên người" in asked and "(13/13)" in asked and "Nguyễn Văn A" not in asked
    asked = texts(await user.say("anh Nguyen Van A o xom 3"))
    assert "có vẻ có tên người" in asked
    summary = texts(await user.say("1 người ở xóm 3 mới sử dụng"))
    assert "Vui lòng kiểm tra" in summary and "1 người ở xóm 3 mới sử dụng" in summary
    assert "Đã lưu" in texts(await user.press("confirm"))
    report, _revisions = await _khe_lo(engine)
    assert report is not None and report.note == "1 người ở xóm 3 mới sử dụng"


async def test_a_note_too_long_is_told_plainly_and_not_stored(engine: AsyncEngine) -> None:
    user = await _at_the_note(engine)
    asked = texts(await user.say("thiếu kinh phí " * 700))
    assert f"tối đa {NOTE_MAX_CHARS} ký tự" in asked and "(13/13)" in asked
    summary = texts(await user.say("thiếu kinh phí"))
    assert "Vui lòng kiểm tra" in summary


async def test_a_note_with_nul_and_bidi_characters_is_saved_clean(engine: AsyncEngine) -> None:
    """On PostgreSQL a NUL failed the save ("invalid byte sequence") at every "đúng"."""
    user = await _at_the_note(engine)
    summary = texts(await user.say("thiếu\x00 loa\u202e truyền\u200b thanh"))
    assert "Vui lòng kiểm tra" in summary and "thiếu loa truyền thanh" in summary
    saved = texts(await user.say("đúng"))
    assert "Đã lưu báo cáo" in saved, saved
    report, _revisions = await _khe_lo(engine)
    assert report is not None and report.note == "thiếu loa truyền thanh"
    # A correction keeps the old note in the revision: clean as well.
    await user.say("báo cáo")
    for answer in ANSWERS:
        await user.say(answer)
    await user.say("còn\x00 thiếu\u2066 loa")
    assert "Đã lưu" in texts(await user.say("đúng"))
    report, revisions = await _khe_lo(engine)
    assert report is not None and report.note == "còn thiếu loa"
    stored = [report.note, *(json.dumps(r.snapshot, ensure_ascii=False) for r in revisions)]
    assert not any("\x00" in s or "\u202e" in s or "\u2066" in s for s in stored)

"""A commune admin sends the hamlet sheet in chat: preview, Lưu / Hủy, the retire question, the audit entry;
on SQLite and PostgreSQL. A wrong row or another commune's row saves nothing; a reporter is refused; a plan
stays a plan."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from conversations.units_import import (
    KEEP,
    RETIRE,
    SAVE,
    SaveUnits,
    UnitsImportDialog,
    UnitsImportPayload,
    is_units_sheet,
)
from handlers.dispatch import Core, EffectRefused, authorize
from locales.i18n import _, set_language
from locales.messages import Incoming, IncomingFile, Reply
from locales.profiles import profile_of
from locales.rendering import render_reply
from storage.db import session_factory
from storage.invites import open_or_new_invite
from storage.models import Unit
from storage.models.audit import AuditEntry
from storage.people import Member
from storage.units_import import import_units
from storage.units_sheet import read_sheet
from tests.core.chat import Clock, User, texts
from tests.units.sheets import HEADER, QUY_HOP, write_csv, write_xlsx

_ids = itertools.count(700_000)
NEW_ROW = ["Nghệ An", "Xã Quỳ Hợp", "Xóm 7", "xóm", "600"]


async def _commune(engine: AsyncEngine, tmp_path: Path) -> tuple[async_sessionmaker[AsyncSession], str, str]:
    """Xã Quỳ Hợp imported from the CLI's sheet; an admin code for the commune, a reporter code for a hamlet."""
    clock = Clock()
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await import_units(session, read_sheet(write_csv(tmp_path / "first.csv", [HEADER, *QUY_HOP])), clock())
        commune = (await session.execute(select(Unit).where(Unit.kind == "commune"))).scalar_one()
        hamlet = (await session.execute(select(Unit).where(Unit.kind == "hamlet").order_by(Unit.id))).scalars().first()
        assert hamlet is not None
        admin = (await open_or_new_invite(session, commune.id, "admin", clock())).code
        reporter = (await open_or_new_invite(session, hamlet.id, "reporter", clock())).code
    return sessions, admin, reporter


async def _admin(engine: AsyncEngine, tmp_path: Path) -> tuple[User, async_sessionmaker[AsyncSession]]:
    sessions, admin_code, _reporter = await _commune(engine, tmp_path)
    admin = User(Core(sessions=sessions, clock=Clock()), "adm")
    await admin.say(f"/start {admin_code}")
    return admin, sessions


async def _send(user: User, path: Path) -> list[Reply]:
    incoming = Incoming(user.transport, str(next(_ids)), user.user_id, user.user_id,
                        file=IncomingFile(path.name, path.read_bytes()))
    return await user.send(incoming)


def _csv(tmp_path: Path, rows: Sequence[Sequence[str]], name: str = "thon.csv") -> Path:
    return write_csv(tmp_path / name, [HEADER, *rows])


async def _hamlets(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, bool]]:
    async with sessions() as session:
        rows = (await session.execute(select(Unit).where(Unit.kind == "hamlet").order_by(Unit.id))).scalars()
        return [(u.name, u.retired_at is not None) for u in rows]


async def _audits(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


def _buttons(replies: list[Reply]) -> list[str]:
    return [b.data for r in replies for row in r.buttons for b in row]


async def test_preview_then_save_then_the_same_sheet_again_changes_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    admin, sessions = await _admin(engine, tmp_path)
    sheet = write_xlsx(tmp_path / "thon.xlsx", [HEADER, *QUY_HOP, NEW_ROW])
    preview = await _send(admin, sheet)
    text = texts(preview)
    assert "Danh sách thôn của Xã Quỳ Hợp" in text and "Thôn mới: 1 (Xóm 7)" in text and "Không đổi: 3" in text
    assert _buttons(preview) == [SAVE, "units_cancel"]
    assert len(text) < 1000  # a phone screen
    saved = texts(await admin.press(SAVE))
    assert "Đã lưu: thêm 1 thôn" in saved
    assert ("Xóm 7", False) in await _hamlets(sessions)
    [audit] = await _audits(sessions)
    assert (audit.action, audit.subject) == ("units.import", "thon.xlsx")
    assert audit.before == {"hamlets": 3}
    assert audit.after == {"hamlets": 4, "created": 1, "updated": 0, "unchanged": 3, "retired": 0, "kept_missing": 0}
    again = await _send(admin, sheet)
    assert "Thôn mới: 0" in texts(again) and "Không đổi: 4" in texts(again)
    await admin.say("lưu")  # typed, as on a transport without buttons
    assert len(await _hamlets(sessions)) == 4
    assert [a.after["created"] if a.after else None for a in await _audits(sessions)] == [1, 0]


async def test_a_wrong_row_names_row_and_column_and_nothing_can_be_saved(engine: AsyncEngine, tmp_path: Path) -> None:
    admin, sessions = await _admin(engine, tmp_path)
    replies = await _send(admin, _csv(tmp_path, [*QUY_HOP, NEW_ROW, ["Nghệ Ann An", "Xã Quỳ Hợp", "Xóm 8", "", ""]]))
    text = texts(replies)
    assert "Chưa lưu được" in text and "Dòng 6, cột Tỉnh" in text
    assert _buttons(replies) == []
    assert "Lưu" not in texts(await admin.say("lưu"))  # the dialog ended: "lưu" is no answer to anything
    assert len(await _hamlets(sessions)) == 3 and await _audits(sessions) == []


async def test_a_row_of_another_commune_is_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    admin, sessions = await _admin(engine, tmp_path)
    replies = await _send(admin, _csv(tmp_path, [*QUY_HOP, ["Nghệ An", "Xã Con Cuông", "Bản Lạ", "", ""]]))
    text = texts(replies)
    assert "Dòng 5, cột Xã/Phường: Đồng chí chỉ quản lý Xã Quỳ Hợp; dòng này là của Xã Con Cuông" in text
    assert _buttons(replies) == []
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Unit).where(
            Unit.name == "Xã Con Cuông"))).scalar_one() == 0


async def test_missing_hamlets_are_kept_by_default_and_retired_on_request(engine: AsyncEngine, tmp_path: Path) -> None:
    admin, sessions = await _admin(engine, tmp_path)
    shorter = _csv(tmp_path, QUY_HOP[:2])
    preview = await _send(admin, shorter)
    assert "Không có trong bảng: 1 (Xóm 5)" in texts(preview)
    question = await admin.press(SAVE)
    assert "1 thôn không có trong bảng: Xóm 5. Thôi sử dụng" in texts(question)
    assert _buttons(question) == [KEEP, RETIRE]
    assert "Giữ lại" in [b.label for r in question for row in r.buttons for b in row]
    assert "Vẫn giữ 1 thôn" in texts(await admin.say("1"))  # typed: the first option
    assert ("Xóm 5", False) in await _hamlets(sessions)
    await _send(admin, shorter)
    await admin.press(SAVE)
    assert "Thôi sử dụng: 1 thôn" in texts(await admin.press(RETIRE))
    assert ("Xóm 5", True) in await _hamlets(sessions)
    assert [a.after["retired"] if a.after else None for a in await _audits(sessions)] == [0, 1]


async def test_cancel_saves_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    admin, sessions = await _admin(engine, tmp_path)
    await _send(admin, _csv(tmp_path, [*QUY_HOP, NEW_ROW]))
    set_language("vi")
    assert _("Cancelled. Nothing was saved.") in texts(await admin.say("huy"))
    assert len(await _hamlets(sessions)) == 3 and await _audits(sessions) == []


async def test_a_reporter_sending_a_sheet_is_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    sessions, _admin_code, reporter_code = await _commune(engine, tmp_path)
    reporter = User(Core(sessions=sessions, clock=Clock()), "rep")
    await reporter.say(f"/start {reporter_code}")
    replies = await _send(reporter, _csv(tmp_path, [*QUY_HOP, NEW_ROW]))
    assert "Chỉ quản trị viên của xã mới nhập được danh sách thôn" in texts(replies)
    assert len(await _hamlets(sessions)) == 3
    for typed in ("/maumau", "mẫu danh sách thôn"):
        refused = await reporter.say(typed)
        assert not any(r.attachment for r in refused), typed


async def test_a_plan_document_still_goes_to_the_plan_import(engine: AsyncEngine, tmp_path: Path) -> None:
    admin, _sessions = await _admin(engine, tmp_path)
    docx = tmp_path / "ke-hoach.docx"
    docx.write_bytes(b"PK\x03\x04 not really a document")
    set_language("vi")
    assert _("I cannot read this file. Send a .docx, .txt or .md file.") in texts(await _send(admin, docx))
    workbook = write_xlsx(tmp_path / "thon.xlsx", [HEADER, *QUY_HOP])
    assert is_units_sheet("danh-sach", workbook.read_bytes())  # a workbook sent without its extension
    assert not is_units_sheet("ke-hoach.txt", b"Xa Quy Hop,Xom 5")
    assert not is_units_sheet("ke-hoach.pdf", b"%PDF-1.4")


async def test_maumau_and_its_words_send_the_sample_sheet(engine: AsyncEngine, tmp_path: Path) -> None:
    admin, _sessions = await _admin(engine, tmp_path)
    for typed in ("/maumau", "mẫu danh sách thôn", "mau danh sach thon"):
        [reply] = await admin.say(typed)
        assert reply.attachment is not None and reply.attachment.name.endswith(".xlsx"), typed
        assert reply.attachment.content.startswith(b"PK") and "Mẫu danh sách thôn" in reply.text
    # Zalo takes no documents: the renderer puts the published file's link under the text.
    [message] = render_reply(reply, profile_of("zalo"), link="https://example.org/f/mau.xlsx")
    assert message.text.endswith("https://example.org/f/mau.xlsx") and "Mẫu danh sách thôn" in message.text


async def test_typed_answers_as_on_zalo(engine: AsyncEngine, tmp_path: Path) -> None:
    """Without buttons the options are numbered: "2" cancels at "Lưu?", "luu" saves, "1" keeps."""
    admin, sessions = await _admin(engine, tmp_path)
    sheet = _csv(tmp_path, [*QUY_HOP[:2], NEW_ROW])
    await _send(admin, sheet)
    assert "Đã hủy" in texts(await admin.say("2")) and len(await _hamlets(sessions)) == 3
    await _send(admin, sheet)
    assert "Bấm “Lưu”" in texts(await admin.say("có lẽ"))  # not an answer: asked again
    assert "1 thôn không có trong bảng" in texts(await admin.say("luu"))
    assert "Vẫn giữ 1 thôn" in texts(await admin.say("giu lai"))
    assert [name for name, retired in await _hamlets(sessions) if not retired] == [
        "Xóm Đồng Tâm", "Bản Mới", "Xóm 5", "Xóm 7"]


def test_the_payload_round_trips(tmp_path: Path) -> None:
    sheet = read_sheet(write_csv(tmp_path / "payload.csv", [HEADER, *QUY_HOP]))
    payload = UnitsImportPayload("thon.csv", 7, dict(sheet.headers), tuple(sheet.rows), 1, ("Xóm 5 (Xã Quỳ Hợp)",))
    state = UnitsImportDialog().load("retire", 1, payload.to_json())
    assert state.data == payload and state.step == "retire"


async def test_a_commune_kept_under_a_province_of_another_name_is_never_doubled(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """Its name matches the sheet, but the import would not find it there: refused, not a second Xã Quỳ Hợp."""
    clock = Clock()
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        province = Unit(kind="province", name="Nghệ An (cũ)", folded_name="nghe an (cu)", settings={})
        session.add(province)
        await session.flush()
        commune = Unit(kind="commune", name="Xã Quỳ Hợp", folded_name="xa quy hop", parent_id=province.id, settings={})
        session.add(commune)
        await session.flush()
        code = (await open_or_new_invite(session, commune.id, "admin", clock())).code
    admin = User(Core(sessions=sessions, clock=clock), "adm-old")
    await admin.say(f"/start {code}")
    replies = await _send(admin, _csv(tmp_path, QUY_HOP))
    assert "không khớp với Xã Quỳ Hợp" in texts(replies) and _buttons(replies) == []
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Unit))).scalar_one() == 2


def test_only_the_admin_of_that_commune_may_save(tmp_path: Path) -> None:
    sheet = read_sheet(write_csv(tmp_path / "s.csv", [HEADER, *QUY_HOP]))
    effect = SaveUnits("s.csv", 5, dict(sheet.headers), tuple(sheet.rows), retire_missing=False)
    def member(role: str, commune_id: int) -> Member:
        return Member(person_id=1, language="vi", unit_id=9, unit_name="Công an xã", unit_kind="agency", role=role,
                      commune_id=commune_id)

    authorize(effect, member("admin", 5))
    for someone in (member("admin", 6), member("reporter", 5), None):
        with pytest.raises(EffectRefused):
            authorize(effect, someone)

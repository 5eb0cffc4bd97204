"""Plan files over the limits are refused with a Vietnamese “Tệp quá lớn…” naming the limit, before they
are unpacked; files are read and parsed off the event loop; a pending import keeps the parsed plan,
not the document's text.

Before: a 210 KB .docx that unpacked to 47 MB froze every user for 12 s, and the pending-import row held
the whole text.
"""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import conversations.plan_import as plan_import
from bot.cli import main
from conversations.engine import Context
from conversations.plan_import import SAVE, PlanImportDialog, apply_save_plan, plan_from_json, plan_to_json
from handlers.questions import Asker, answer_question
from storage.cache import ConfigCache
from storage.db import session_factory
from storage.plans import parse_plan
from storage.plans.document import MAX_TEXT_CHARS, MAX_UNPACKED_BYTES, MAX_XML_BYTES, TooLarge, check_docx, docx_text
from tests.conftest import shared_dir
from tests.plans.test_plan_import_dialog import NOW, _commune, _member

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_PARAGRAPH = b"<w:p><w:r><w:t>Cong an xa chu tri thuc hien.</w:t></w:r></w:p>"


def bomb(unpacked: int = 47_000_000) -> bytes:
    """A .docx whose document.xml, a few hundred KB zipped, unpacks to ``unpacked`` bytes."""
    body = _PARAGRAPH * (unpacked // len(_PARAGRAPH))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document><w:body>" + body + b"</w:body></w:document>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    content = bomb()
    assert len(content) < 400_000
    return content


def _ctx(session: object, commune_id: int, role: str = "admin") -> Context:
    return Context(session, _member(commune_id, role), NOW, TZ, ConfigCache())  # type: ignore[arg-type]


def test_a_docx_bomb_is_refused_from_its_declared_sizes(docx_bomb: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    def never(*_args: object) -> None:
        raise AssertionError("python-docx must not unpack a bomb")

    monkeypatch.setattr(docx, "Document", never)
    started = time.perf_counter()
    with pytest.raises(TooLarge) as caught:
        docx_text(docx_bomb)
    assert time.perf_counter() - started < 2.0  # before: 12 s
    assert caught.value.what == "unpacked" and caught.value.limit == MAX_UNPACKED_BYTES


def test_a_small_part_with_a_huge_ratio_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/image1.png", b"\0" * 5_000_000)  # not XML: only the ratio catches it
    with pytest.raises(TooLarge):
        check_docx(buffer.getvalue())


async def test_the_admin_is_told_the_file_is_too_large_with_the_limit(engine: AsyncEngine, docx_bomb: bytes) -> None:
    commune_id = await _commune(engine)
    async with session_factory(engine)() as session:
        outcome = await PlanImportDialog().start_with_file(_ctx(session, commune_id), "ke-hoach.docx", docx_bomb)
    assert outcome.state is None and not outcome.effects
    [reply] = outcome.replies
    assert reply.text.startswith("Tệp quá lớn: giải nén ra 47 MB")
    assert "tối đa 20 MB" in reply.text


async def test_a_text_over_the_length_limit_is_refused_with_the_limit(engine: AsyncEngine) -> None:
    commune_id = await _commune(engine)
    content = ("1. Công an xã chủ trì thực hiện.\n" * (MAX_TEXT_CHARS // 20)).encode()
    async with session_factory(engine)() as session:
        outcome = await PlanImportDialog().start_with_file(_ctx(session, commune_id), "ke-hoach.txt", content)
    assert outcome.state is None
    assert outcome.replies[0].text.startswith("Tệp quá lớn: ")
    assert "tối đa 200.000 ký tự" in outcome.replies[0].text


async def test_a_file_the_transport_did_not_download_is_said_too_large(engine: AsyncEngine) -> None:
    """Over 5 MB the transports do not fetch the file and hand over no bytes (Telegram sends no empty file)."""
    commune_id = await _commune(engine)
    async with session_factory(engine)() as session:
        outcome = await PlanImportDialog().start_with_file(_ctx(session, commune_id), "ke-hoach.docx", b"")
    assert outcome.replies[0].text == "Tệp quá lớn: tệp kế hoạch chỉ được tối đa 5 MB."


async def test_the_file_is_read_and_parsed_in_a_worker_thread(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    commune_id = await _commune(engine)
    content = (shared_dir() / "seeds" / "000_3afe9e87286c643e.txt").read_bytes()
    threads: list[int] = []
    real_parse = parse_plan

    def parse(text: str, name: str) -> object:
        threads.append(threading.get_ident())
        return real_parse(text, name)

    monkeypatch.setattr(plan_import, "parse_plan", parse)
    async with session_factory(engine)() as session:
        outcome = await PlanImportDialog().start_with_file(_ctx(session, commune_id), "ke-hoach.txt", content)
    assert outcome.state is not None
    assert threads and threading.get_ident() not in threads


async def test_the_pending_import_holds_the_parsed_plan_not_the_text(engine: AsyncEngine) -> None:
    commune_id = await _commune(engine)
    content = (shared_dir() / "seeds" / "000_3afe9e87286c643e.txt").read_bytes()
    dialog = PlanImportDialog()
    async with session_factory(engine)() as session:
        ctx = _ctx(session, commune_id)
        outcome = await dialog.start_with_file(ctx, "ke-hoach.txt", content)
        assert outcome.state is not None
        stored = json.loads(json.dumps(outcome.state.data.to_json()))  # what the dialog row holds
        assert "text" not in stored and set(stored) == {"name", "plan", "area_id"}
        saved = await dialog.step(ctx, dialog.load(outcome.state.step, outcome.state.version, stored), SAVE, True)
    async with session_factory(engine)() as session, session.begin():
        await apply_save_plan(session, saved.effects[0])  # type: ignore[arg-type]
    async with session_factory(engine)() as session:
        answer = await answer_question(session, "TYT xã làm gì", Asker(None, None), NOW.date())
    assert answer.unit == "Trạm y tế xã" and len(answer.tasks) == 2


async def test_an_import_pending_from_before_still_saves(engine: AsyncEngine) -> None:
    """A version-1 row (the whole text) left pending across the upgrade is saved as before."""
    commune_id = await _commune(engine)
    text = (shared_dir() / "seeds" / "000_3afe9e87286c643e.txt").read_text(encoding="utf-8")
    state = PlanImportDialog().load("confirm", 1, {"name": "kh.txt", "text": text, "area_id": commune_id})
    async with session_factory(engine)() as session:
        saved = await PlanImportDialog().step(_ctx(session, commune_id), state, SAVE, True)
    assert len(saved.effects) == 1


def test_the_parsed_plan_survives_json_unchanged() -> None:
    text = (shared_dir() / "seeds" / "001_6a0687a21b1995cc.txt").read_text(encoding="utf-8")
    plan = parse_plan(text, "kh.txt")
    assert plan_from_json(json.loads(json.dumps(plan_to_json(plan)))) == plan


def test_import_plan_refuses_a_bomb_with_the_message(docx_bomb: bytes, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(docx_bomb)
    monkeypatch.setenv("BAOCAO_LANGUAGE", "vi")
    assert main(["import-plan", "--dry-run", str(path)]) == 2
    assert "Tệp quá lớn" in capsys.readouterr().err


def test_xml_parts_have_their_own_lower_limit() -> None:
    """12 MB of document.xml is under the 20 MB in all but over what python-docx is given to parse."""
    with pytest.raises(TooLarge) as caught:
        check_docx(bomb(12_000_000))
    assert caught.value.limit == MAX_XML_BYTES

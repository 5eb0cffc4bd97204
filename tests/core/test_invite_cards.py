"""``baocao invites``: a commune's invite cards (JSON, PDF, Word), their QR codes decoded, codes renewed."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
import zxingcpp
from docx import Document
from docx.oxml.ns import qn
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import cli
from bot.cli_invites import run_invites
from bot.settings import Settings
from handlers.dispatch import Core
from storage.demo import demo_data
from storage.models import Unit
from tests.core.chat import Clock, User, demo, texts

BOT = "nakhuong_test_bot"
SETTINGS = Settings(telegram_bot_username=BOT)
# FIXED_NOW (14:00 on 23/11/2026 in Vietnam) + 30 days.
VALID_UNTIL = "Hạn dùng: 23/12/2026"


async def invites(engine: AsyncEngine, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``baocao invites ARGS`` on the test's database; return the status, stdout and stderr."""
    capsys.readouterr()
    status = await run_invites(engine, cli.parser().parse_args(["invites", *args]), SETTINGS)
    out, err = capsys.readouterr()
    return status, out, err


def cards_of(out: str) -> list[dict[str, str]]:
    """The JSON lines ``--json`` printed."""
    return [json.loads(line) for line in out.splitlines()]


def decoded(image: Image.Image | None) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in ``image``."""
    assert image is not None
    return [found.text for found in zxingcpp.read_barcodes(image)]


async def test_one_card_per_hamlet_and_per_commune_role_as_json(
    engine: AsyncEngine, capsys: pytest.CaptureFixture[str],
) -> None:
    await demo(engine, Clock())
    status, out, _err = await invites(engine, capsys, "--commune", "xa na khuong", "--json")
    assert status == 0
    cards = cards_of(out)
    hamlets = demo_data()["hamlets"]
    assert len(cards) == len(hamlets) + 3
    assert all(set(card) == {"unit", "role", "code", "expires", "link"} for card in cards)
    assert [c["unit"] for c in cards if c["role"] == "reporter"] == hamlets
    assert [(c["unit"], c["role"]) for c in cards if c["role"] != "reporter"] == [
        ("Xã Nà Khuông", "leader"), ("Công an xã", "officer"), ("Công an xã", "admin")]
    assert all(c["link"] == f"https://t.me/{BOT}?start={c['code']}" for c in cards)
    assert {c["expires"] for c in cards} == {"2026-12-23T14:00+07:00"}
    # The demo's open codes are reused, so printing twice prints the same codes.
    _status, again, _err = await invites(engine, capsys, "--commune", "Nà Khuông", "--json")
    assert cards_of(again) == cards


async def test_every_qr_code_in_the_pdf_and_the_word_file_opens_the_bot_with_its_code(
    engine: AsyncEngine, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    await demo(engine, Clock())
    pdf, docx = tmp_path / "the.pdf", tmp_path / "the.docx"
    status, _out, err = await invites(engine, capsys, "--commune", "na khuong", "--pdf", str(pdf),
                                      "--docx", str(docx))
    assert status == 0 and str(pdf) in err
    _status, out, _err = await invites(engine, capsys, "--commune", "na khuong", "--json")
    links = [card["link"] for card in cards_of(out)]

    reader = PdfReader(pdf)
    assert len(reader.pages) == 2  # 15 cards, 8 a page
    in_pdf = [text for page in reader.pages for image in page.images for text in decoded(image.image)]
    assert in_pdf == links
    first_page = reader.pages[0].extract_text()
    assert "Bản Khe Ló" in first_page and VALID_UNTIL in first_page and "Người báo cáo" in first_page

    with zipfile.ZipFile(docx) as archive:
        media = sorted(name for name in archive.namelist() if name.startswith("word/media/"))
        in_docx = {text for name in media for text in decoded(Image.open(io.BytesIO(archive.read(name))))}
    assert len(media) == len(links) and in_docx == set(links)
    # Every run of text, the cards' inner tables (QR code beside the words) included.
    words = "\n".join(str(t.text) for t in Document(str(docx)).element.body.iter(qn("w:t")))
    assert "Vai trò: Quản trị viên" in words and VALID_UNTIL in words and "rồi gửi tin nhắn:" in words


async def test_a_renewed_code_replaces_the_old_one_which_start_then_refuses(
    engine: AsyncEngine, capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    sessions, _summary = await demo(engine, clock)
    _status, out, _err = await invites(engine, capsys, "--commune", "na khuong", "--json")
    before = {(c["unit"], c["role"]): c["code"] for c in cards_of(out)}
    status, out, err = await invites(engine, capsys, "--commune", "na khuong", "--json", "--renew", "ban khe lo")
    assert status == 0
    after = {(c["unit"], c["role"]): c["code"] for c in cards_of(out)}
    old, new = before["Bản Khe Ló", "reporter"], after["Bản Khe Ló", "reporter"]
    assert old != new and old in err
    assert {k: v for k, v in after.items() if k[0] != "Bản Khe Ló"} == {
        k: v for k, v in before.items() if k[0] != "Bản Khe Ló"}
    # The revocation is 'now' on the program clock, a moment after the fixed one: /start a minute later.
    clock.now += dt.timedelta(minutes=1)
    core = Core(sessions=sessions, clock=clock)
    assert "hết hạn" in texts(await User(core, "701").say(f"/start {old}"))
    assert "Bản Khe Ló" in texts(await User(core, "702").say(f"/start {new}"))


async def test_an_unknown_unit_to_renew_changes_nothing(
    engine: AsyncEngine, capsys: pytest.CaptureFixture[str],
) -> None:
    await demo(engine, Clock())
    _status, before, _err = await invites(engine, capsys, "--commune", "na khuong", "--json")
    status, out, err = await invites(engine, capsys, "--commune", "na khuong", "--renew", "ban khe lo",
                                     "--renew", "Xóm Không Có")
    assert status == 1 and out == ""
    assert "Xóm Không Có" in err and "Có phải" in err
    _status, after, _err = await invites(engine, capsys, "--commune", "na khuong", "--json")
    assert after == before


async def test_an_unknown_commune_is_an_error_with_suggestions(
    engine: AsyncEngine, capsys: pytest.CaptureFixture[str],
) -> None:
    await demo(engine, Clock())
    status, out, err = await invites(engine, capsys, "--commune", "Na Khuon Thuong", "--json")
    assert status == 1 and out == ""
    assert "Không tìm thấy xã “Na Khuon Thuong”" in err and "Xã Nà Khuông" in err


async def test_a_retired_hamlet_gets_no_card(engine: AsyncEngine, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    sessions, _summary = await demo(engine, clock)
    async with sessions() as session, session.begin():
        await session.execute(update(Unit).where(Unit.name == "Xóm Chợ").values(retired_at=clock()))
    _status, out, _err = await invites(engine, capsys, "--commune", "na khuong", "--json")
    units = [card["unit"] for card in cards_of(out)]
    assert "Xóm Chợ" not in units and len(units) == len(demo_data()["hamlets"]) - 1 + 3


def test_the_bot_username_of_the_links_comes_from_the_environment() -> None:
    assert Settings.from_env({"TELEGRAM_BOT_USERNAME": "@xa_quy_hop_bot"}).telegram_bot_username == "xa_quy_hop_bot"
    assert Settings.from_env({}).telegram_bot_username == "baocao_bot"


def test_the_command_line_exits_1_on_an_unknown_commune(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}")
    assert cli.main(["demo"]) == 0
    capsys.readouterr()
    assert cli.main(["invites", "--commune", "Quỳ Hợp"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Không tìm thấy xã “Quỳ Hợp”. Có phải đồng chí muốn tìm: Xã Nà Khuông?" in err


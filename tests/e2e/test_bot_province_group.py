"""A province leaders' group on the aiogram bot and the Telegram emulator: a province leader registered with
the code ``baocao province-invite`` printed makes a group code (/maketnoitinh), binds the group, and gets
there the province summary of communes (text with the officer to call, chart picture) and the workbook.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.support.bot_process import BotRunner, Database, baocao_command
from tests.e2e.support.client import Emulator, User

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]

POLICE = User(5557001, "Công an xã")
PROVINCE_LEADER = User(5557002, "Chủ tịch tỉnh")
STRANGER = User(5557003, "Người lạ")
BIND_CODE = re.compile(r"/ketnoi\s+([A-Z0-9]{4,})")
INVITE = re.compile(r"/start ([A-Z0-9]{6,})")


async def province_invite(db: Database, directory: str) -> str:
    """Run ``baocao province-invite`` on the bot's database and return the printed code."""
    proc = await asyncio.create_subprocess_exec(
        *baocao_command(), "province-invite", "--area", "Lai Sơn", cwd=directory,
        env={**os.environ, "DATABASE_URL": db.url, "BAOCAO_LANGUAGE": "vi"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
    found = INVITE.search(out.decode())
    assert found is not None, out.decode()
    return found.group(1)


async def test_province_group_summary_chart_and_excel(tg: Emulator, bots: BotRunner, tmp_path: Path) -> None:
    db = await bots.database()
    code = await province_invite(db, str(tmp_path))
    await bots.start("aiogram", db)
    # The commune police register: the province summary names them as the officer to call.
    await tg.private(POLICE).ask(f"/start {db.codes.admin}")
    leader = tg.private(PROVINCE_LEADER)
    welcome = await leader.ask(f"/start {code}")
    assert "Lai Sơn" in welcome.text, welcome.text
    offer = await leader.ask("/maketnoitinh")
    codes = BIND_CODE.findall(offer.text)
    assert len(codes) == 1, offer.text

    group = tg.group("Lãnh đạo tỉnh Lai Sơn")
    refused = await group.as_user(STRANGER).ask(f"/ketnoi {codes[0]}")
    assert "/tonghop" not in refused.text
    group = group.as_user(PROVINCE_LEADER)
    bound = await group.ask(f"/ketnoi {codes[0]}")
    assert "nhóm lãnh đạo tỉnh" in bound.text and "/tonghop" in bound.text, bound.text

    await group.send("/tonghop")
    summary, chart = await group.new_messages(2, settle=1.0)
    assert summary.text.startswith("Báo cáo của các xã"), summary.text
    assert "Xã Nà Khuông" in summary.text and "gọi" in summary.text, summary.text
    assert chart.photo is not None and (await tg.file(chart.photo)).startswith(b"\x89PNG")

    await group.send("/xuatexcel")
    [excel] = await group.new_messages(1, settle=0.5)
    assert excel.document is not None and excel.document["file_name"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(await tg.file(excel.document["file_id"])), read_only=True)
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert "Xã Nà Khuông" in cells and "Chưa báo cáo" in cells, sorted(cells)[:40]
    assert {m.raw["chat"]["type"] for m in await group.messages()} == {"group"}

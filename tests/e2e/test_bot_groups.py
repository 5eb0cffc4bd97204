"""A group chat of the commune's leaders, for aiogram and PTB: bound with an admin's code, then asked for
the summary (text and chart picture) and the Excel file, which count the report a hamlet just filed.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import Emulator, User
from tests.e2e.support.scenarios import HAMLET, file_report_with_rejection_and_correction, register, reports_of

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]

ADMIN = User(5556001, "Công an xã")
REPORTER = User(5556002, "Hoa")
LEADER = User(5556003, "Chủ tịch xã")
STRANGER = User(5556004, "Người lạ")
BIND_CODE = re.compile(r"/ketnoi\s+([A-Z0-9]{4,})")


async def test_leaders_group_summary_chart_and_excel(tg: Emulator, bots: BotRunner, framework: str) -> None:
    """Bind a group, then /tonghop and /xuatexcel show the hamlet's fresh report."""
    db = await bots.database()
    await bots.start(framework, db)
    reporter = tg.private(REPORTER)
    await register(reporter, db)
    await file_report_with_rejection_and_correction(reporter)

    admin = tg.private(ADMIN)
    await admin.ask(f"/start {db.codes.admin}")
    offer = await admin.ask("/maketnoi lanhdao")
    codes = BIND_CODE.findall(offer.text)
    assert len(codes) == 1, offer.text

    await tg.private(LEADER).ask(f"/start {db.codes.leader}")

    group = tg.group("Lãnh đạo xã Nà Khuông")
    refused = await group.as_user(STRANGER).ask(f"/ketnoi {codes[0]}")
    assert "/tonghop" not in refused.text  # only the commune's admin or leader may bind a group
    group = group.as_user(LEADER)
    bound = await group.ask(f"/ketnoi {codes[0]}")
    assert "/tonghop" in bound.text, bound.text  # the refused try did not use the code up

    # The month just filed, named: early in a month /tonghop alone shows the month whose deadline is near.
    filed = (await reports_of(db))[0][0]
    await group.send(f"/tonghop {filed}")
    summary, chart = await group.new_messages(2, settle=1.0)
    total = len(db.codes.hamlets)
    assert f"1/{total}" in summary.text, summary.text
    assert chart.photo is not None and (await tg.file(chart.photo)).startswith(b"\x89PNG")

    await group.send("/xuatexcel")
    [excel] = await group.new_messages(1, settle=0.5)
    assert excel.document is not None and excel.document["file_name"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(await tg.file(excel.document["file_id"])), read_only=True)
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert HAMLET in cells, sorted(cells)[:40]
    assert {m.raw["chat"]["type"] for m in await group.messages()} == {"group"}

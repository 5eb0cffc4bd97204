"""An admin reshapes the hamlets' indicator set on the aiogram bot and the Telegram emulator: ``/chitieu`` sends
the set as .xlsx, the edited file sent back shows a preview (added, changed, retired), “Lưu” saves version
2; the next report asks the new question and not the retired one, and last month's report is still shown
with the labels it was filed with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from storage import clock
from storage.calendar import local
from storage.periods import period_of, previous
from tests.e2e.support.bot_process import BotRunner
from tests.e2e.support.client import BotMessage, Emulator, User
from tests.e2e.support.scenarios import HAMLET, expect, register, start_report
from tests.indicators.edit import NEW_LABEL, NEW_QUESTION, OLD_LABEL, edited, the_usual_edit

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]

ADMIN = User(5559101, "Công an xã")
REPORTER = User(5559102, "Hà")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _answer_every_question(ask: Callable[[str], Awaitable[BotMessage]], first: BotMessage) -> list[str]:
    """Answer 0 to each question until the summary; return every question asked."""
    asked = [first.text]
    for _step in range(20):
        message = await ask("0")
        asked.append(message.text)
        if "Vui lòng kiểm tra" in message.text or "Đúng chưa" in message.text:
            break
    return asked


async def test_admin_reshapes_the_set_and_the_next_report_asks_the_new_question(tg: Emulator, bots: BotRunner) -> None:
    db = await bots.database()
    await bots.start("aiogram", db)
    admin = tg.private(ADMIN)
    expect(await admin.ask(f"/start {db.codes.admin}"), "Công an")
    sent = await admin.ask("/chitieu")
    assert sent.document is not None, sent.text
    expect(sent, "phiên bản 1")
    workbook = await tg.file(str(sent.document["file_id"]))

    await admin.send_document("chi-tieu-sua.xlsx", edited(workbook, the_usual_edit), XLSX)
    preview, question = await admin.new_messages(2, timeout=20)
    expect(preview, "phiên bản 1 → 2", "Thêm: xet_nghiem", "Sửa: tu_van", "diem_nghi_van")
    await admin.press(question, question.button("Lưu"))
    expect(await admin.reply(), "Đã lưu")

    reporter = tg.private(REPORTER)
    await register(reporter, db)
    _intro, first = await start_report(reporter)
    asked = await _answer_every_question(reporter.ask, first)
    joined = "\n".join(asked)
    assert NEW_QUESTION in joined and "xét nghiệm ma túy" in joined, joined
    assert "tụ điểm nghi vấn" not in joined, joined
    assert NEW_LABEL in asked[-1], asked[-1]  # the summary to confirm uses the new labels

    # Last month's report was filed with version 1: shown with its own labels.
    last = previous(period_of("month", local(clock.now()).date()))
    shown = await reporter.ask(f"/xem tháng {last.number}/{last.year}")
    expect(shown, HAMLET, OLD_LABEL, "Điểm nghi vấn")
    assert NEW_LABEL not in shown.text and "Xét nghiệm" not in shown.text, shown.text
    stored = await db.query("SELECT version FROM indicator_sets WHERE code = 'thon_thang' ORDER BY version")
    assert [v for (v,) in stored] == [1, 2]

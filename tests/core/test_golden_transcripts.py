"""Golden transcripts of the report dialog: inputs → exact replies, with a fixed clock and ids.

When behaviour changes on purpose, rewrite them with ``UPDATE_GOLDEN=1 pytest tests/core`` and read
the diff before committing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.dispatch import Core
from tests.core.chat import Clock, User, code_of, demo

GOLDEN = Path(__file__).with_name("golden")

SCRIPTS: dict[str, list[str]] = {
    "report_with_rejections": [
        "/start {code}", "bao cao", "3", "-1", "2", "3", "1", "9", "2", "1", "0", "3", "1", "90", "1", "0",
        "500 m2", "Thiếu loa, gọi 0987654321", "@edit", "@edit:to_giac", "2", "@confirm", "/xem",
    ],
    "back_and_cancel": ["/start {code}", "báo cáo", "4", "quay lại", "quay lai", "bỏ qua", "huy", "hủy"],
    "as_officials_type": [
        "/start {code}", "chào", "bao cao", "có 3 người thôi", "hai", "ko co", "1", "2 nam 1 nữ", "đúng", "1",
        "khong", "3 buoi", "mot tram hai", "1 tin", "chưa phát hiện", "0,5 ha", "khong co gi",
        "mục 9 sai, phải là 150", "sửa tuyên truyền", "4", "dung", "cảm ơn",
    ],
    "questions_and_stop_inside_the_dialog": [
        "/start {code}", "báo cáo", "3", "hạn nộp?", "tháng trước bao nhiêu?", "giúp", "dừng", "tiếp", "50",
        "dung", "làm lại từ đầu", "hủy", "có",
    ],
    "month_picker": ["/start {code}", "báo cáo", "tháng 10", "tháng 11", "/huy", "báo cáo tháng 12"],
}
# Scripts run at another moment than ``FIXED_NOW``: 09:00 on 2 December 2026, the month picker's days.
CLOCKS: dict[str, dt.datetime] = {"month_picker": dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)}


def _transcript(entries: list[tuple[str, list[dict[str, object]]]]) -> str:
    return "".join(json.dumps({"in": i, "out": o}, ensure_ascii=False) + "\n" for i, o in entries)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
async def test_transcript(engine: AsyncEngine, name: str) -> None:
    clock = Clock(CLOCKS[name]) if name in CLOCKS else Clock()
    sessions, summary = await demo(engine, clock)
    user = User(Core(sessions=sessions, clock=clock), "golden-1")
    entries = []
    for line in SCRIPTS[name]:
        line = line.format(code=code_of(summary, "Bản Khe Ló"))
        replies = await (user.press(line[1:]) if line.startswith("@") else user.say(line))
        shown = "/start <code>" if line.startswith("/start ") else line
        entries.append((shown, [r.as_json() for r in replies]))
    path = GOLDEN / f"{name}.jsonl"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(_transcript(entries), encoding="utf-8")
    assert _transcript(entries) == path.read_text(encoding="utf-8")

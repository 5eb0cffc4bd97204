"""A .docx plan reads like its text; units of a kind are matched by the name the plan gives them."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import docx
import pytest

from bot.cli_plans import _ask
from storage.plans import parse_plan, read_text
from tests.conftest import shared_dir


def _to_docx(text: str, path: Path) -> None:
    document = docx.Document()
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph.strip().replace("\n", " "))
    document.save(str(path))


def test_docx_gives_the_same_assignments_as_the_text(tmp_path: Path) -> None:
    seed = shared_dir() / "seeds" / "003_d549ea4074743c8f.txt"
    target = tmp_path / "plan.docx"
    _to_docx(seed.read_text(encoding="utf-8"), target)
    from_text = parse_plan(read_text(seed), seed.name)
    from_docx = parse_plan(read_text(target), target.name)
    assert from_docx.task_counts() == from_text.task_counts()
    assert from_docx.number == "95/KH-UBND"
    assert [(d.kind, d.due) for d in from_docx.deadlines] == [("year", "15/11"), ("final", "15/12/2025")]


async def _ask_one(seed: str, question: str, unit: str | None = None) -> dict[str, object]:
    args = argparse.Namespace(
        plan=shared_dir() / "seeds" / seed, unit=unit, role="leader", today=None, batch=False, question=question
    )
    out = io.StringIO()
    assert await _ask(args, io.StringIO(), out) == 0
    result: dict[str, object] = json.loads(out.getvalue())
    return result


@pytest.mark.parametrize(
    ("seed", "question", "unit", "tasks"),
    [
        ("001_6a0687a21b1995cc.txt", "UBND các xã phường được giao gì", "UBND các xã, phường", 7),
        ("004_e2ab482368096c8f.txt", "UBND xã phải làm gì", "UBND các xã, phường", 8),
        ("002_1f02651bb9e2d91e.txt", "UBND cấp huyện phải làm gì", "UBND cấp huyện", 22),
        ("002_1f02651bb9e2d91e.txt", "UBND cấp xã phải làm gì", "UBND cấp huyện, cấp xã", 22),
        ("002_1f02651bb9e2d91e.txt", "sở giáo dục phải làm gì", "Sở Giáo dục và Đào tạo", 3),
        ("002_1f02651bb9e2d91e.txt", "Đài truyền hình Đồng Nai làm gì", "Đài Phát thanh - Truyền hình Đồng Nai", 2),
    ],
)
async def test_units_and_kinds_by_name(seed: str, question: str, unit: str, tasks: int) -> None:
    answer = await _ask_one(seed, question)
    assert (answer["intent"], answer["unit"]) == ("assigned_tasks", unit)
    assert isinstance(answer["tasks"], list) and len(answer["tasks"]) == tasks


async def test_ambiguous_unit_asks_with_buttons() -> None:
    answer = await _ask_one("002_1f02651bb9e2d91e.txt", "nhân dân tỉnh phải làm gì")
    assert answer["unit"] is None and answer["tasks"] == []
    assert "đơn vị nào" in str(answer["answer"])


async def test_when_is_a_task_due() -> None:
    answer = await _ask_one("001_6a0687a21b1995cc.txt", "tập huấn cán bộ triển khai chương trình thực hiện khi nào")
    assert answer["intent"] == "deadline"
    assert "Quý I/2026" in str(answer["answer"])


async def test_agency_asker_gets_its_own_tasks() -> None:
    answer = await _ask_one("001_6a0687a21b1995cc.txt", "đơn vị tôi phải làm gì", unit="Sở Y tế")
    assert answer["unit"] == "Sở Y tế"
    assert "Dự án 6" in str(answer["answer"])


async def test_a_body_the_plan_does_not_name_gets_no_confident_answer() -> None:
    # The commune plan has "Trạm y tế xã" but no "Sở Y tế": asking for the latter must not answer the former.
    answer = await _ask_one("000_3afe9e87286c643e.txt", "Sở Y tế làm gì")
    assert answer["unit"] is None and answer["tasks"] == []
    unknown = await _ask_one("002_1f02651bb9e2d91e.txt", "ai là chủ tịch xã")
    assert unknown["intent"] == "unknown" and unknown["tasks"] == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("hạn nộp báo cáo quý 2 là ngày nào", "Kỳ quý II/"),  # one spelling of a quarter everywhere
        ("báo cáo quý IV nộp trước ngày nào", "15/12/"),
        ("báo cáo 6 tháng đầu năm 2026 nộp khi nào", "Kỳ 6 tháng đầu năm 2026: trước ngày 15/06/2026"),
    ],
)
async def test_deadline_of_the_period_asked(question: str, expected: str) -> None:
    answer = await _ask_one("001_6a0687a21b1995cc.txt", question)
    assert answer["intent"] == "deadline"
    assert expected in str(answer["answer"])
    assert "Theo Kế hoạch số 107/KH-UBND ngày 12/02/2026" in str(answer["answer"])

"""Every development question through ``baocao ask`` (in-process, batch per plan)."""

from __future__ import annotations

import argparse
import io
import json
from collections import defaultdict
from typing import Any

import pytest

from bot.cli_plans import _ask
from handlers.vietnamese import fold
from tests.conftest import shared_dir


def _questions() -> dict[str, list[dict[str, Any]]]:
    by_plan: dict[str, list[dict[str, Any]]] = defaultdict(list)
    path = shared_dir() / "eval" / "questions-dev.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            by_plan[q["plan"]].append(q)
    return by_plan


async def _run(plan: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    args = argparse.Namespace(
        plan=shared_dir() / "seeds" / plan, unit=None, role="leader", today=None, batch=True, question=""
    )
    stdin = io.StringIO("\n".join(json.dumps({"q": q["q"], "as": q["as"]}, ensure_ascii=False) for q in items))
    stdout = io.StringIO()
    assert await _ask(args, stdin, stdout) == 0
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


async def test_every_dev_question_is_answered_right() -> None:
    failures = []
    total = 0
    for plan, items in sorted(_questions().items()):
        for q, a in zip(items, await _run(plan, items), strict=True):
            total += 1
            problems = []
            if a["intent"] != q["intent"]:
                problems.append(f"intent {a['intent']}")
            if q["unit"] is not None and (not a["unit"] or q["unit"] not in fold(a["unit"])):
                problems.append(f"unit {a['unit']}")
            missing = [m for m in q["must_mention"] if m not in fold(a["answer"])]
            if missing:
                problems.append(f"missing {missing}")
            if problems:
                failures.append(f"{q['q']}: {problems}")
    assert total == 20
    assert failures == []


@pytest.mark.parametrize(
    ("question", "intent"),
    [("thời tiết hôm nay thế nào?", "unknown"), ("giúp", "help"), ("báo cáo", "start_report")],
)
async def test_other_intents(question: str, intent: str) -> None:
    (a,) = await _run("000_3afe9e87286c643e.txt", [{"q": question, "as": None}])
    assert a["intent"] == intent
    assert a["tasks"] == []

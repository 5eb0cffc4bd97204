"""Every development question, answered from the seed plan it names.

Two sets are scored the same way: the shared one (``../shared/eval/questions-dev.jsonl``) through
``baocao ask`` itself, and ours (``questions_dev.jsonl`` next to this file, over the five seeds, by
class of question) in-process the way ``baocao ask`` answers, keeping each message. Each prints its
score: ``.venv/bin/pytest -q -s tests/plans/test_dev_questions.py -p no:cacheprovider``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from bot.cli_plans import _ask, answer_json, plan_in_memory
from locales.messages import Reply
from locales.vietnamese import fold
from storage.plans import parse_plan, read_text
from tests.conftest import shared_dir

OURS = Path(__file__).with_name("questions_dev.jsonl")
# Answers must not depend on the real date.
TODAY = dt.date(2026, 3, 10)
# A phone screen: the direct answer fits in the first message; no message is a wall of text.
FIRST_LIMIT = 650
MESSAGE_LIMIT = 3500


def _load(path: Path) -> dict[str, list[dict[str, Any]]]:
    by_plan: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            by_plan[q["plan"]].append(q)
    return by_plan


async def _run(plan: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    args = argparse.Namespace(
        plan=shared_dir() / "seeds" / plan, unit=None, role="leader", today=TODAY, batch=True, question=""
    )
    stdin = io.StringIO("\n".join(json.dumps({"q": q["q"], "as": q["as"]}, ensure_ascii=False) for q in items))
    stdout = io.StringIO()
    assert await _ask(args, stdin, stdout) == 0
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


def problems(q: dict[str, Any], a: dict[str, Any]) -> list[str]:
    """What is wrong with answer ``a`` to question ``q`` (empty when it is right)."""
    out = []
    if a["intent"] != q["intent"]:
        out.append(f"intent {a['intent']}")
    if q["unit"] is not None and (not a["unit"] or q["unit"] not in fold(a["unit"])):
        out.append(f"unit {a['unit']}")
    if q.get("class") == "not_found" and a["unit"] is not None:
        out.append(f"answered about {a['unit']}")
    answer = fold(a["answer"])
    missing = [m for m in q["must_mention"] if m not in answer]
    if missing:
        out.append(f"missing {missing}")
    wrong = [m for m in q.get("must_not_mention", []) if m in answer]
    if wrong:
        out.append(f"mentions {wrong}")
    return out


async def _in_process(plan: str, items: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[Reply]]]:
    """Each question answered as ``baocao ask`` does (the asker from ``--as`` by ``storage.plans.askers``),
    with the replies kept message by message (``baocao ask`` joins them)."""
    parsed = parse_plan(read_text(shared_dir() / "seeds" / plan), plan)
    out: list[tuple[dict[str, Any], list[Reply]]] = []
    async with plan_in_memory(parsed) as asked:
        for q in items:
            answer = await asked.ask(q["q"], q["as"], "leader", TODAY)
            out.append((answer_json(answer), answer.replies))
    return out


async def _score(path: Path, through_cli: bool = False) -> tuple[int, list[str], list[dict[str, Any]]]:
    failures: list[str] = []
    answers: list[dict[str, Any]] = []
    by_class: Counter[str] = Counter()
    failed_class: Counter[str] = Counter()
    total = 0
    for plan, items in sorted(_load(path).items()):
        got = await _run(plan, items) if through_cli else [a for a, _r in await _in_process(plan, items)]
        for q, a in zip(items, got, strict=True):
            total += 1
            answers.append(a)
            by_class[q.get("class") or "-"] += 1
            wrong = problems(q, a)
            if wrong and q.get("xfail"):
                print(f"xfail {plan[:3]} {q['q']}: {q['xfail']}")
                continue
            if wrong:
                failed_class[q.get("class") or "-"] += 1
                failures.append(f"{plan[:3]} {q['q']}: {wrong}")
    right = total - len(failures)
    classes = ", ".join(f"{c} {by_class[c] - failed_class[c]}/{by_class[c]}" for c in sorted(by_class))
    print(f"\n{path.name}: {right}/{total} right ({classes})")
    return total, failures, answers


async def test_every_shared_dev_question_is_answered_right() -> None:
    total, failures, _answers = await _score(shared_dir() / "eval" / "questions-dev.jsonl", through_cli=True)
    assert total == 20
    assert failures == []


async def test_every_question_of_our_dev_set_is_answered_right() -> None:
    shared_dir()
    total, failures, _answers = await _score(OURS)
    assert total >= 150
    assert failures == []


async def test_answers_are_phone_sized() -> None:
    """The direct answer fits the first message (about 600 characters); no message passes 3,500."""
    shared_dir()
    too_long = []
    for plan, items in sorted(_load(OURS).items()):
        for q, (_a, replies) in zip(items, await _in_process(plan, items), strict=True):
            sizes = [len(r.text) for r in replies]
            if not sizes or sizes[0] > FIRST_LIMIT or max(sizes) > MESSAGE_LIMIT:
                too_long.append(f"{plan[:3]} {q['q']}: {sizes}")
    assert too_long == []


@pytest.mark.parametrize(
    ("question", "intent"),
    [("thời tiết hôm nay thế nào?", "unknown"), ("giúp", "help"), ("báo cáo", "start_report")],
)
async def test_other_intents(question: str, intent: str) -> None:
    (a,) = await _run("000_3afe9e87286c643e.txt", [{"q": question, "as": None}])
    assert a["intent"] == intent
    assert a["tasks"] == []

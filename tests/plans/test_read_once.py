"""A plan question is read once: folded and normalised one time where it enters, never again on its way.

Issue 12 counted 22 stays in 6 modules on a question's way through ``handlers/questions/``, each folding
or splitting it again; ``benchmarks/question_trace.py`` measures it over the dev sets.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import handlers.questions as package
from bot.cli_plans import plan_in_memory
from handlers.questions import (
    answerers,
    answers,
    assigned,
    entities,
    intents,
    knowledge,
    matching,
    parsed,
    table,
    unit_replies,
)
from handlers.questions.matching import normalize
from handlers.questions.parsed import read_question
from locales.vietnamese import fold
from storage.plans import parse_plan, read_text
from tests.conftest import shared_dir

DEV = Path(__file__).with_name("questions_dev.jsonl")
TODAY = dt.date(2026, 3, 10)
_MODULES = (package, answerers, answers, assigned, entities, intents, knowledge, matching, parsed, table, unit_replies)
_READERS = ("fold", "normalize", "normalize_folded")


def _one_per_class() -> dict[str, list[dict[str, Any]]]:
    """The first question of each class of the dev set, by plan."""
    seen: set[str] = set()
    by_plan: dict[str, list[dict[str, Any]]] = {}
    for line in DEV.read_text(encoding="utf-8").splitlines():
        q = json.loads(line) if line.strip() else None
        if q is None or q.get("class") in seen:
            continue
        seen.add(q.get("class"))
        by_plan.setdefault(q["plan"], []).append(q)
    return by_plan


async def test_every_class_of_question_is_folded_and_normalised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    forms: set[str] = set()
    reads: Counter[tuple[str, str]] = Counter()

    def counting(module: str, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def reader(text: str, *args: Any) -> Any:
            if text.strip() in forms:
                reads[(name, module)] += 1
            return original(text, *args)

        return reader

    for module in _MODULES:
        for name in _READERS:
            if callable(getattr(module, name, None)):
                monkeypatch.setattr(module, name, counting(module.__name__, name, getattr(module, name)))
    asked = 0
    for plan, items in sorted(_one_per_class().items()):
        seed = parse_plan(read_text(shared_dir() / "seeds" / plan), plan)
        async with plan_in_memory(seed) as asker:
            for q in items:
                forms.clear()
                forms.update({q["q"].strip(), fold(q["q"]), normalize(q["q"])})
                reads.clear()
                await asker.ask(q["q"], q["as"], "leader", TODAY)
                asked += 1
                # Once, in handlers.questions.parsed: no answering function folds or normalises it again.
                assert dict(reads) == {
                    ("fold", "handlers.questions.parsed"): 1,
                    ("normalize_folded", "handlers.questions.parsed"): 1,
                }, q["q"]
    assert asked >= 15


def test_the_parsed_question_holds_what_the_answers_read() -> None:
    q = read_question("Công an xã phối hợp với ai trong dự án 7, quý 2?", TODAY)
    assert q.norm == normalize(q.raw)
    assert q.tokens == tuple(q.norm.split())
    assert q.folded == fold(q.raw)
    assert q.intent == intents.detect_intent(q.raw)
    assert q.projects == ("7",)
    assert q.query.focus == "partners"
    assert q.levels == frozenset({"commune"})
    assert q.period == ("quarter", 2026, 2)

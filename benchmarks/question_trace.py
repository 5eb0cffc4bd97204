"""Trace (not a test): how often a question's text is read again on its way through ``handlers/questions/``.

Each question of the two dev sets (ours, ``tests/plans/questions_dev.jsonl``, and the shared one) is
answered as ``baocao ask`` answers it, and while it is answered this counts:

- folds: calls of ``fold`` on the question (its raw, folded or normalised form), those inside
  ``normalize`` included;
- normalisations: calls of ``normalize`` (plan questions) or ``normalise`` (report questions) on it;
- splits: ``str.split`` of the question's folded or normalised form into words;
- the reading path: the module of each of those reads, in order; a *stay* is a run of reads in one
  module, a *return* a stay in a module already left before.

Run: ``.venv/bin/python benchmarks/question_trace.py [--show N]`` (N: the most read questions listed).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import types
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import cli_plans
from locales import vietnamese
from storage.plans import parse_plan, read_text

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = (ROOT / "tests" / "plans" / "questions_dev.jsonl", SHARED / "eval" / "questions-dev.jsonl")
TODAY = dt.date(2026, 3, 10)
_READERS = ("fold", "normalize", "normalise")
# A normalisation of a text already folded counts as a normalisation (unless ``normalize`` itself called it).
_ALSO = {"normalize_folded": "normalize"}


@dataclass
class Trace:
    """What reading one question took."""

    question: str
    forms: set[str]
    reads: Counter[str] = field(default_factory=Counter)
    path: list[str] = field(default_factory=list)

    def read(self, what: str, module: str) -> None:
        """Count one read of the question by ``module``."""
        self.reads[what] += 1
        self.path.append(module)

    def stays(self) -> tuple[int, int, int]:
        """Stays, distinct modules and returns to a module already left, along the reading path."""
        runs = [m for i, m in enumerate(self.path) if i == 0 or self.path[i - 1] != m]
        returns = sum(1 for i, m in enumerate(runs) if m in runs[:i])
        return len(runs), len(set(runs)), returns


_current: Trace | None = None


def _module_of(frame: types.FrameType | None) -> str:
    name = frame.f_globals.get("__name__", "?") if frame is not None else "?"
    return str(name)


def _is_question(trace: Trace, text: object) -> bool:
    return isinstance(text, str) and text.strip() in trace.forms


def _counting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def reader(text: str, *args: Any, **kwargs: Any) -> Any:
        trace = _current
        caller = sys._getframe(1)
        nested = name in _ALSO and caller.f_code.co_name == "normalize"
        if trace is not None and _is_question(trace, text) and not nested:
            trace.read(_ALSO.get(name, name), _module_of(caller))
        return original(text, *args, **kwargs)

    return reader


def _patch_readers() -> None:
    """Put a counting wrapper in every project module that holds ``fold``/``normalize``/``normalise``."""
    originals: dict[int, Callable[..., Any]] = {}
    for module in list(sys.modules.values()):
        if module is None or module.__name__.split(".")[0] not in ("handlers", "locales", "storage", "bot"):
            continue
        for name in (*_READERS, *_ALSO):
            found = getattr(module, name, None)
            if callable(found):
                wrapper = originals.setdefault(id(found), _counting(name, found))
                setattr(module, name, wrapper)


def _profile(frame: types.FrameType, event: str, arg: object) -> None:
    trace = _current
    if trace is None or event != "c_call" or getattr(arg, "__name__", "") != "split":
        return
    if _is_question(trace, getattr(arg, "__self__", None)):
        trace.read("split", _module_of(frame))


async def _trace_set(path: Path) -> list[Trace]:
    global _current
    by_plan: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            by_plan[item["plan"]].append(item)
    from handlers.questions.matching import normalize  # the original, for the forms

    traces = []
    for plan, items in sorted(by_plan.items()):
        parsed = parse_plan(read_text(SHARED / "seeds" / plan), plan)
        async with cli_plans.plan_in_memory(parsed) as asked:
            for item in items:
                q = item["q"]
                trace = Trace(q, {q.strip(), vietnamese.fold(q), normalize(q)} - {""})
                _current = trace
                sys.setprofile(_profile)
                try:
                    await asked.ask(q, item["as"], "leader", TODAY)
                finally:
                    sys.setprofile(None)
                    _current = None
                traces.append(trace)
    return traces


def _report(name: str, traces: list[Trace], show: int) -> None:
    print(f"{name}: {len(traces)} questions")
    for what in (*_READERS, "split"):
        counts = [t.reads[what] for t in traces]
        print(f"  {what:10} per question: mean {statistics.mean(counts):.2f}, max {max(counts)}, total {sum(counts)}")
    reads = [sum(t.reads.values()) for t in traces]
    print(f"  all reads  per question: mean {statistics.mean(reads):.2f}, max {max(reads)}")
    stays = [t.stays() for t in traces]
    for i, label in enumerate(("stays", "modules", "returns")):
        values = [s[i] for s in stays]
        print(f"  {label:10} per question: mean {statistics.mean(values):.2f}, max {max(values)}")
    for t in sorted(traces, key=lambda t: -sum(t.reads.values()))[:show]:
        s, m, r = t.stays()
        print(f"    {t.question!r}: {dict(t.reads)}; {s} stays in {m} modules, {r} returns")
        runs = [m.removeprefix("handlers.") for i, m in enumerate(t.path) if not i or t.path[i - 1] != m]
        print("      " + " > ".join(runs))


async def main(show: int) -> None:
    """Trace both dev sets and print the counts."""
    _patch_readers()
    for path in SETS:
        if path.exists():
            _report(path.name, await _trace_set(path), show)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", type=int, default=3)
    asyncio.run(main(parser.parse_args().show))

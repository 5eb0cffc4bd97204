"""What the imported plans say, held in memory per database and reloaded when a plan is imported.

Answers must come back in a few milliseconds, so the plans are read once into plain objects; one
cheap query (count and last id of ``plans``) tells whether the snapshot is still current.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.questions.matching import normalize, phrases
from storage.models.plans import (
    Plan,
    PlanAssignment,
    PlanDeadline,
    PlanProject,
    PlanTarget,
    PlanTask,
)
from storage.models.units import Unit
from storage.plans.extract import target_values
from storage.plans.save import saves


@dataclass(frozen=True)
class PlanInfo:
    """A plan's identity, for citing it."""

    id: int
    area_id: int
    number: str | None
    issued_on: dt.date | None
    issued_text: str | None
    issuer: str
    title: str


@dataclass(frozen=True)
class TaskInfo:
    """One task, ready to print."""

    id: int
    plan_id: int
    position: int
    text: str
    time_frame: str | None
    projects: tuple[str, ...]
    section: str
    paragraph: int


@dataclass(frozen=True)
class Duty:
    """A task as one unit (or kind of unit) holds it."""

    task: TaskInfo
    role: str
    requested: bool


@dataclass(frozen=True)
class UnitInfo:
    """An agency named by a plan, with the tokens used to recognise it in a question."""

    id: int
    name: str
    kind: str
    parent_id: int | None
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class ProjectInfo:
    """A project of a plan."""

    plan_id: int
    code: str
    name: str
    lead_unit_id: int | None
    lead_name: str | None


@dataclass(frozen=True)
class TargetInfo:
    """A target of a plan."""

    plan_id: int
    indicator: str
    value: str
    time_frame: str | None
    section: str
    paragraph: int
    norm: str


@dataclass(frozen=True)
class DeadlineInfo:
    """A deadline of a plan."""

    plan_id: int
    kind: str
    due: str
    text: str


@dataclass
class Knowledge:
    """Every imported plan, indexed for answering."""

    plans: dict[int, PlanInfo] = field(default_factory=dict)
    units: dict[int, UnitInfo] = field(default_factory=dict)
    duties_by_unit: dict[int, list[Duty]] = field(default_factory=lambda: defaultdict(list))
    duties_by_kind: dict[tuple[str, int], list[Duty]] = field(default_factory=lambda: defaultdict(list))
    projects: dict[int, dict[str, ProjectInfo]] = field(default_factory=lambda: defaultdict(dict))
    targets: dict[int, list[TargetInfo]] = field(default_factory=lambda: defaultdict(list))
    deadlines: dict[int, list[DeadlineInfo]] = field(default_factory=lambda: defaultdict(list))
    unit_plans: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    kind_names: dict[tuple[str, int], str] = field(default_factory=dict)
    tasks: dict[int, list[tuple[TaskInfo, frozenset[str]]]] = field(default_factory=lambda: defaultdict(list))
    # Names the plans give to every unit of a kind, matchable like units (negative ids).
    group_keys: dict[int, tuple[str, int]] = field(default_factory=dict)
    # Who holds each task, and how: (unit id, or a group's negative id; role), in the plan's order.
    holders: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    # Sentences of task texts that state a figure ("xây dựng 03 mô hình …"), matchable like targets.
    task_figures: dict[int, list[TargetInfo]] = field(default_factory=lambda: defaultdict(list))
    _vocabulary: list[str] | None = None

    def unit_vocabulary(self) -> list[str]:
        """Every word of every unit name (computed once per snapshot)."""
        if self._vocabulary is None:
            self._vocabulary = sorted({w for u in self.units.values() for w in u.tokens})
        return self._vocabulary


# Per engine: (signature of the plans table, when it was last checked, snapshot).
_CACHE: weakref.WeakKeyDictionary[Engine, tuple[tuple[object, ...], float, Knowledge]] = weakref.WeakKeyDictionary()
# An import by another process shows within this many seconds; one by this process at once.
RECHECK_SECONDS = 1.0


def unit_tokens(name: str) -> tuple[str, ...]:
    """The words that tell a unit apart (level words such as "xã", "tỉnh" dropped)."""
    stop = phrases().unit_stop_tokens
    return tuple(t for t in normalize(name).split() if t not in stop)


async def knowledge(session: AsyncSession) -> Knowledge:
    """The snapshot of the database behind ``session``, reloaded when plans were added or removed."""
    bind = session.bind
    engine: Engine | None = getattr(bind, "sync_engine", None) or (bind if isinstance(bind, Engine) else None)
    cached = _CACHE.get(engine) if engine is not None else None
    now = time.monotonic()
    if cached is not None and cached[0][0] == saves() and now - cached[1] < RECHECK_SECONDS:
        return cached[2]
    row = (await session.execute(select(func.count(Plan.id), func.max(Plan.id), func.max(Plan.imported_at)))).one()
    # A re-import may reuse the id of the plan it replaced: the import time tells them apart.
    signature = (saves(), int(row[0] or 0), int(row[1] or 0), str(row[2]))
    if cached is not None and cached[0] == signature:
        loaded = cached[2]
    else:
        loaded = await _load(session)
    if engine is not None:
        _CACHE[engine] = (signature, now, loaded)
    return loaded


async def _load(session: AsyncSession) -> Knowledge:
    k = Knowledge()
    for p in (await session.execute(select(Plan))).scalars():
        k.plans[p.id] = PlanInfo(p.id, p.area_id, p.number, p.issued_on, p.issued_text, p.issuer, p.title)
    tasks: dict[int, TaskInfo] = {}
    for t in (await session.execute(select(PlanTask).order_by(PlanTask.plan_id, PlanTask.position))).scalars():
        codes = tuple(c for c in (t.project_code or "").split(",") if c)
        tasks[t.id] = TaskInfo(t.id, t.plan_id, t.position, t.text, t.time_frame, codes, t.section, t.paragraph)
        k.tasks[t.plan_id].append((tasks[t.id], frozenset(normalize(t.text).split())))
    unit_ids: set[int] = set()
    groups: dict[tuple[str, tuple[str, int]], int] = {}
    assignments = (await session.execute(select(PlanAssignment).order_by(PlanAssignment.id))).scalars().all()
    for a in assignments:
        task = tasks.get(a.task_id)
        if task is None:
            continue
        duty = Duty(task, a.role, a.requested)
        if a.unit_id is not None:
            k.duties_by_unit[a.unit_id].append(duty)
            k.unit_plans[a.unit_id].add(task.plan_id)
            unit_ids.add(a.unit_id)
            k.holders[task.id].append((a.unit_id, a.role))
        elif a.unit_kind and a.scope_id is not None:
            k.duties_by_kind[(a.unit_kind, a.scope_id)].append(duty)
            if a.unit_name:
                key = (a.unit_kind, a.scope_id)
                k.kind_names.setdefault(key, a.unit_name)
                group = groups.setdefault((a.unit_name, key), -(len(groups) + 1))
                k.group_keys[group] = key
                k.unit_plans[group].add(task.plan_id)
                k.holders[task.id].append((group, a.role))
    for pr in (await session.execute(select(PlanProject))).scalars():
        k.projects[pr.plan_id][pr.code] = ProjectInfo(pr.plan_id, pr.code, pr.name, pr.lead_unit_id, pr.lead_name)
        if pr.lead_unit_id is not None:
            unit_ids.add(pr.lead_unit_id)
            k.unit_plans[pr.lead_unit_id].add(pr.plan_id)
    if unit_ids:
        for u in (await session.execute(select(Unit).where(Unit.id.in_(unit_ids)))).scalars():
            k.units[u.id] = UnitInfo(u.id, u.name, u.kind, u.parent_id, unit_tokens(u.name))
    for (name, (kind, _scope)), group in groups.items():
        k.units[group] = UnitInfo(group, name, f"group:{kind}", None, unit_tokens(name))
    for tg in (await session.execute(select(PlanTarget).order_by(PlanTarget.plan_id, PlanTarget.position))).scalars():
        k.targets[tg.plan_id].append(
            TargetInfo(
                tg.plan_id, tg.indicator, tg.value, tg.time_frame, tg.section, tg.paragraph, normalize(tg.indicator)
            )
        )
    for d in (await session.execute(select(PlanDeadline).order_by(PlanDeadline.id))).scalars():
        k.deadlines[d.plan_id].append(DeadlineInfo(d.plan_id, d.kind, d.due, d.text))
    for plan_tasks in k.tasks.values():
        for task, _words in plan_tasks:
            k.task_figures[task.plan_id].extend(_figures(task))
    return k


_CLAUSE = re.compile(r"(?<=[;.])\s+|;\s*")


def _figures(task: TaskInfo) -> list[TargetInfo]:
    """The clauses of a task that state a count ("xây dựng và vận hành 07 mô hình …")."""
    out = []
    for clause in _CLAUSE.split(task.text):
        values = target_values(clause)
        if values and len(clause) < 600:
            text = clause.strip(" ;.,")
            out.append(TargetInfo(task.plan_id, text, values[0], task.time_frame, task.section, task.paragraph,
                                  normalize(text)))
    return out

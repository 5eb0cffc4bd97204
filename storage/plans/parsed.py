"""What the importer understood from a plan document, before anything is saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from storage.plans.vocabulary import unit_key


@dataclass(frozen=True)
class Source:
    """Where an item came from: the heading path and the paragraph number (1-based) in the document."""

    section: str
    paragraph: int


@dataclass
class ParsedUnit:
    """A unit named by the plan: one agency, or every unit of a kind (``kind`` set, e.g. "hamlet")."""

    name: str
    kind: str | None = None  # None: a specific agency; else "hamlet", "commune", "district", "agency"
    requested: bool = False  # "Đề nghị …": asked, not ordered

    @property
    def key(self) -> str:
        """Identity of the unit inside one plan."""
        return f"kind:{self.kind}" if self.kind else unit_key(self.name)


@dataclass
class ParsedAssignment:
    """One unit's part in a task."""

    unit: ParsedUnit
    role: str  # "lead" | "support"


@dataclass
class ParsedTask:
    """A task with who does it, its time frame and the projects it belongs to."""

    text: str
    assignments: list[ParsedAssignment]
    source: Source
    time_frame: str | None = None
    projects: list[str] = field(default_factory=list)


@dataclass
class ParsedTarget:
    """A target: what is measured and the value to reach."""

    indicator: str
    value: str
    source: Source
    time_frame: str | None = None


@dataclass
class ParsedDeadline:
    """A deadline stated in prose."""

    kind: str
    due: str
    text: str
    source: Source
    due_on: dt.date | None = None


@dataclass
class ParsedProject:
    """A project (code "5") or sub-project (code "7.4") with its name and lead."""

    code: str
    name: str = ""
    lead: ParsedUnit | None = None
    source: Source | None = None


@dataclass
class ParsedParagraph:
    """A paragraph of an assignment section the importer could not place."""

    text: str
    source: Source


@dataclass
class ParsedPlan:
    """Everything extracted from one plan document."""

    source_name: str
    number: str | None = None
    issued_on: dt.date | None = None
    issued_text: str | None = None
    title: str = ""
    area_name: str | None = None
    area_kind: str | None = None
    tasks: list[ParsedTask] = field(default_factory=list)
    targets: list[ParsedTarget] = field(default_factory=list)
    deadlines: list[ParsedDeadline] = field(default_factory=list)
    projects: dict[str, ParsedProject] = field(default_factory=dict)
    unplaced: list[ParsedParagraph] = field(default_factory=list)

    def units(self) -> list[ParsedUnit]:
        """Every unit that has at least one task, in order of first appearance."""
        seen: dict[str, ParsedUnit] = {}
        for task in self.tasks:
            for a in task.assignments:
                seen[a.unit.key] = _better(seen.get(a.unit.key), a.unit)
        for project in self.projects.values():
            if project.lead is not None:
                seen[project.lead.key] = _better(seen.get(project.lead.key), project.lead)
        return list(seen.values())

    def task_counts(self) -> dict[str, dict[str, int]]:
        """Number of lead and support tasks per unit name."""
        names = {u.key: u.name for u in self.units()}
        counts: dict[str, dict[str, int]] = {}
        for task in self.tasks:
            for key in {a.unit.key: a for a in task.assignments}:
                role = next(a.role for a in task.assignments if a.unit.key == key)
                entry = counts.setdefault(names[key], {"lead": 0, "support": 0, "partner": 0})
                entry[role] += 1
        return counts

    def as_json(self) -> dict[str, object]:
        """The preview as plain JSON-able data."""
        return {
            "source": self.source_name,
            "number": self.number,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "issued_text": self.issued_text,
            "title": self.title,
            "area": self.area_name,
            "units": [
                {
                    "name": name,
                    "kind": _kind_of(self, name),
                    "lead": c["lead"],
                    "support": c["support"],
                    "tasks": c["lead"] + c["support"],
                }
                for name, c in self.task_counts().items()
            ],
            "targets": [{"indicator": t.indicator, "value": t.value, **asdict(t.source)} for t in self.targets],
            "deadlines": [{"kind": d.kind, "due": d.due, "text": d.text, **asdict(d.source)} for d in self.deadlines],
            "projects": [
                {"code": p.code, "name": p.name, "lead": p.lead.name if p.lead else None}
                for p in self.projects.values()
            ],
            "unplaced": [{"text": u.text, **asdict(u.source)} for u in self.unplaced],
        }


def _capitals(name: str) -> int:
    return sum(1 for w in name.split() if w[:1].isupper())


def _better(held: ParsedUnit | None, other: ParsedUnit) -> ParsedUnit:
    """The spelling to keep for a unit named several ways: the one its heading gives ("Ban Chỉ huy …"
    over "Ban chỉ huy …" in running text), else the first."""
    if held is None:
        return other
    if held.kind is None and _capitals(other.name) > _capitals(held.name):
        return ParsedUnit(name=other.name, kind=held.kind, requested=held.requested)
    return held


def _kind_of(plan: ParsedPlan, name: str) -> str | None:
    for unit in plan.units():
        if unit.name == name:
            return unit.kind
    return None

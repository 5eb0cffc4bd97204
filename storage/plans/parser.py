"""Read a plan document into a ``ParsedPlan``: header, projects, assignments, targets, deadlines.

Assignments are found by their shape, not by section names: a numbered or lettered heading that names
a body (``units.heading_units``) opens a block, and the items under it at the first list level met are
its tasks (deeper items belong to the task above them). Plans that group by theme then by agency (002),
agencies with inline tasks (001), prose such as "Giao Công an tỉnh chủ trì …" and a lost agency
heading (recovered from the project the plan says that agency leads) all fall out of these rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from locales.vietnamese import fold
from storage.plans import extract
from storage.plans.document import Paragraph, parse_document
from storage.plans.header import area_kind, read_header
from storage.plans.parsed import (
    ParsedAssignment,
    ParsedDeadline,
    ParsedParagraph,
    ParsedPlan,
    ParsedProject,
    ParsedTask,
    ParsedUnit,
    Source,
)
from storage.plans.partners import add_partners
from storage.plans.tables import read_tables
from storage.plans.units import heading_units, split_units, starts_with_agency
from storage.plans.vocabulary import pattern, vocabulary

ROMAN, NUMBER, SUBNUMBER, LETTER, DASH, PLUS, PLAIN = range(7)
_MARKERS = [
    (ROMAN, re.compile(r"^([IVXL]+)\.\s+(.+)$")),
    (SUBNUMBER, re.compile(r"^(\d+\.\d+)\.?\s+(.+)$")),
    (NUMBER, re.compile(r"^(\d+)\.\s*(.+)$")),
    (LETTER, re.compile(r"^([a-zđ])\)\s*(.+)$")),
    (DASH, re.compile(r"^([-–—•])\s*(.+)$")),
    (PLUS, re.compile(r"^(\+)\s*(.+)$")),
    (DASH, re.compile(r"^(\(\d+\))\s*(.+)$")),
]


@dataclass
class _Line:
    level: int
    marker: str
    body: str
    para: Paragraph


@dataclass
class _Block:
    units: list[ParsedUnit]
    level: int
    heading: str
    task_level: int | None = None
    prefix: str = ""
    last_marker: str = ""
    task: ParsedTask | None = None
    tasks: list[ParsedTask] = field(default_factory=list)


def classify(para: Paragraph) -> _Line:
    """Find the list marker of a paragraph (roman, 1., 1.1., a), -, +) and its body."""
    for level, marker in _MARKERS:
        m = marker.match(para.text)
        if m:
            return _Line(level, m.group(1), m.group(2).strip(), para)
    return _Line(PLAIN, "", para.text, para)


def parse_plan(raw: str, source_name: str, area_name: str | None = None) -> ParsedPlan:
    """Parse the text of a plan; ``area_name`` overrides the area the plan names for itself."""
    doc = parse_document(raw)
    plan = ParsedPlan(source_name=source_name)
    read_header(plan, doc, raw)
    if area_name:
        plan.area_name = area_name
        plan.area_kind = area_kind(area_name) or plan.area_kind
    lines = [classify(p) for p in doc.paragraphs]
    _read_projects(plan, lines)
    _Walker(plan, lines).run()
    _project_leads_from_tasks(plan)
    _read_prose_targets(plan, lines)
    add_partners(plan)
    _read_deadlines(plan, lines)
    read_tables(plan, doc.tables)
    return plan


def _read_projects(plan: ParsedPlan, lines: list[_Line]) -> None:
    context: str | None = None
    for line in lines:
        src = Source("", line.para.number)
        m = pattern("project_definition").match(line.body)
        if m:
            if fold(m.group("kind")).startswith(vocabulary().sub_project_word):
                parent = m.group("parent") or context
                code = f"{parent}.{m.group('n')}" if parent else None
            else:
                context = m.group("n")
                code = f"{m.group('n')}.{m.group('child')}" if m.group("child") else m.group("n")
            if code:
                rest = m.group("rest")
                lead = pattern("project_lead").search(rest)
                name = pattern("project_giao_note").sub("", rest).strip(' ."“”')
                project = plan.projects.setdefault(code, ParsedProject(code=code, source=src))
                project.name = project.name or name
                if lead and project.lead is None:
                    units = split_units(lead.group(1))
                    project.lead = units[0] if units else None
        for q in pattern("project_quoted").finditer(line.para.text):
            codes = extract.project_codes(q.group("ref"), context)
            if len(codes) == 1:
                project = plan.projects.setdefault(codes[0], ParsedProject(code=codes[0], source=src))
                project.name = project.name or q.group("name").strip()


def _project_leads_from_tasks(plan: ParsedPlan) -> None:
    markers = vocabulary().lead_markers
    for task in plan.tasks:
        leads = [a.unit for a in task.assignments if a.role == "lead" and a.unit.kind is None]
        if len(leads) != 1 or not task.projects:
            continue
        if not any(m in fold(task.text) for m in markers):
            continue
        for code in task.projects:
            project = plan.projects.setdefault(code, ParsedProject(code=code, source=task.source))
            if project.lead is None:
                project.lead = leads[0]
    # A plan about one project calls it "Dự án" without a number (003): who leads "Dự án" leads it.
    unnamed = [p for p in plan.projects.values() if p.lead is None]
    if len(plan.projects) == 1 and unnamed:
        for task in plan.tasks:
            leads = [a.unit for a in task.assignments if a.role == "lead" and a.unit.kind is None]
            folded = fold(task.text)
            if len(leads) == 1 and pattern("unnumbered_project").search(task.text) and any(
                m in folded for m in markers
            ):
                unnamed[0].lead = leads[0]
                break


def _role(text: str) -> str:
    folded = fold(text)
    vocab = vocabulary()
    if any(folded.startswith(m) for m in vocab.lead_markers):
        return "lead"
    return "support" if any(folded.startswith(o) for o in vocab.support_openers) else "lead"


class _Walker:
    """One pass over the paragraphs, keeping the open section, theme and agency block."""

    def __init__(self, plan: ParsedPlan, lines: list[_Line]) -> None:
        self.plan = plan
        self.lines = lines
        self.section = ""
        self.theme = ""
        self.theme_time: str | None = None
        self.block: _Block | None = None
        self.assignment_sections = self._assignment_sections()

    def _assignment_sections(self) -> set[str]:
        sections: set[str] = set()
        section = ""
        for line in self.lines:
            if line.level == ROMAN:
                section = line.para.text
            elif line.level in (NUMBER, SUBNUMBER, LETTER) and heading_units(line.body):
                sections.add(section)
        return sections

    def source(self) -> Source:
        parts = [p for p in (self.section, self.theme) if p]
        if self.block:
            parts.append(self.block.heading)
        return Source(" › ".join(_short(p) for p in parts), 0)

    def run(self) -> None:
        for i, line in enumerate(self.lines):
            self.step(i, line)

    def step(self, i: int, line: _Line) -> None:
        if line.level == ROMAN:
            self.block = None
            self.section, self.theme, self.theme_time = line.para.text, "", None
            return
        if line.level in (NUMBER, SUBNUMBER, LETTER):
            found = heading_units(line.body)
            if found:
                units, inline = found
                self.block = _Block(
                    units, line.level, line.para.text if not inline else f"{line.marker}. {units[0].name}"
                )
                self.block.last_marker = ""
                if inline:
                    self.add_task(inline, line)
                return
            if self.block and line.level > self.block.level:
                if self.recover_heading(line):
                    return
                self.item(line)
                return
            self.block = None
            if self.is_theme(i, line):
                self.theme = line.para.text
                self.theme_time = extract.time_frame(line.body)
                return
            self.loose(line)
            return
        if self.block:
            self.item(line)
        else:
            self.loose(line)

    def is_theme(self, i: int, line: _Line) -> bool:
        if line.level not in (NUMBER, SUBNUMBER):
            return False
        nxt = self.lines[i + 1] if i + 1 < len(self.lines) else None
        if nxt and nxt.level > line.level and nxt.level in (LETTER, SUBNUMBER) and heading_units(nxt.body):
            return True
        return not line.body.rstrip().endswith((".", ";")) and len(line.body.split()) < 45

    def recover_heading(self, line: _Line) -> bool:
        """A list restarting at "a)" under one agency means a lost heading: find who the plan says leads
        the project this item leads, and open that agency's block."""
        block = self.block
        assert block is not None
        if line.level != block.task_level or line.marker not in ("a", "1") or block.last_marker in ("", "a", "1"):
            return False
        if not any(m in fold(line.body) for m in vocabulary().lead_markers):
            return False
        current = {u.key for u in block.units}
        for code in extract.project_codes(line.body):
            project = self.plan.projects.get(code)
            if project and project.lead and project.lead.key not in current:
                heading = f"[{project.lead.name}]"
                self.block = _Block([project.lead], block.level, heading, task_level=line.level)
                self.add_task(line.body, line)
                self.block.last_marker = line.marker
                return True
        return False

    def item(self, line: _Line) -> None:
        block = self.block
        assert block is not None
        if block.task_level is None:
            if line.level == PLAIN and line.body.endswith(":") and not block.tasks:
                block.prefix = line.body
                return
            block.task_level = line.level
        if line.level > block.task_level and block.task is not None:
            block.task.text += "\n" + line.para.text
            block.task.projects = _merge(block.task.projects, extract.project_codes(line.para.text))
            return
        block.last_marker = line.marker
        body = line.body if line.level != PLAIN else line.para.text
        self.add_task(f"{block.prefix} {body}" if block.prefix else body, line)

    def add_task(self, text: str, line: _Line, units: list[ParsedUnit] | None = None) -> None:
        role = _role(text)
        who = units if units is not None else (self.block.units if self.block else [])
        src = self.source()
        task = ParsedTask(
            text=text,
            assignments=[ParsedAssignment(u, role) for u in who],
            source=Source(src.section, line.para.number),
            time_frame=extract.time_frame(text) or self.theme_time,
            projects=extract.project_codes(text),
        )
        self.plan.tasks.append(task)
        if self.block and units is None:
            self.block.task = task
            self.block.tasks.append(task)

    def loose(self, line: _Line) -> None:
        """A paragraph outside any agency block: a prose assignment, else (in an assignment section) unplaced."""
        body = line.body
        m = pattern("assign_giao").match(body)
        units: list[ParsedUnit] = []
        if m:
            units = split_units(m.group(1))
        else:
            s = pattern("assign_subject").match(body)
            if s and starts_with_agency(s.group(1)) and 2 <= len(s.group(1).split()) <= 14:
                units = split_units(s.group(1))
        codes: list[str] = []
        if not units:
            # "Dự án 1: … (giao Công an tỉnh chủ trì, phối hợp …)": the project line is that unit's task.
            lead = pattern("project_lead").search(body)
            defined = [c for c, p in self.plan.projects.items() if p.source and p.source.paragraph == line.para.number]
            codes = extract.project_codes(body) or defined
            if lead and codes:
                units = split_units(lead.group(1))
        if units:
            self.add_task(body, line, units=units)
            if codes:
                self.plan.tasks[-1].projects = _merge(self.plan.tasks[-1].projects, codes)
            return
        if self.section in self.assignment_sections:
            src = self.source()
            self.plan.unplaced.append(ParsedParagraph(line.para.text, Source(src.section, line.para.number)))


def _merge(a: list[str], b: list[str]) -> list[str]:
    return a + [x for x in b if x not in a]


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _read_prose_targets(plan: ParsedPlan, lines: list[_Line]) -> None:
    """Targets in prose: clauses with a quantity in target sections or near "chỉ tiêu", "phấn đấu";
    under a "Chỉ tiêu …" heading every item is a target, a status ("xã không ma túy") included."""
    from storage.plans.parsed import ParsedTarget

    vocab = vocabulary()
    words = vocab.target_section_words
    section = theme = ""
    seen: set[str] = set()
    for line in lines:
        if line.level == ROMAN:
            section, theme = line.para.text, ""
            continue
        if line.level in (NUMBER, SUBNUMBER) and len(line.body.split()) < 20:
            theme = line.para.text
            continue
        heading = fold(section + " " + theme)
        in_targets = any(w in heading for w in words)
        heading_words = fold(theme or section)
        target_list = any(w in heading_words for w in vocab.target_heading) and line.level in (LETTER, DASH, PLUS)
        clauses = [c for c in re.split(r";\s*|(?<=[.])\s+(?=[A-ZĐ])", line.body) if c.strip(" .;,")]
        if target_list:
            clauses = _target_clauses(clauses, in_targets)
        for clause in clauses:
            folded = fold(clause)
            values = extract.target_values(clause) or (extract.status_values(clause) if in_targets else [])
            if not values and not target_list:
                continue
            if not (target_list or in_targets or any(c in folded for c in vocab.target_clues)):
                continue
            key = folded[:120]
            if key in seen:
                continue
            seen.add(key)
            years = (
                pattern("year").findall(clause) or pattern("year").findall(theme) or pattern("year").findall(section)
            )
            plan.targets.append(
                ParsedTarget(
                    indicator=clause.strip(" ;.,"),
                    value=values[0] if values else "",
                    source=Source(_short(" › ".join(p for p in (section, theme) if p)), line.para.number),
                    time_frame=years[-1] if years else None,
                )
            )


def _target_clauses(clauses: list[str], in_targets: bool) -> list[str]:
    """Under a targets heading: each clause with its own quantity is a target; a clause without one
    ("Hằng năm, giảm số người nghiện") belongs with the clause that gives it a figure or status."""
    out: list[str] = []
    pending: list[str] = []
    for clause in clauses:
        pending.append(clause.strip(" ;,"))
        if extract.target_values(clause) or (in_targets and extract.status_values(clause)):
            out.append("; ".join(pending))
            pending = []
    if pending:
        if out:
            out[-1] = "; ".join([out[-1], *pending])
        else:
            out.append("; ".join(pending))
    return out


def _read_deadlines(plan: ParsedPlan, lines: list[_Line]) -> None:
    section = ""
    for line in lines:
        if line.level == ROMAN:
            section = line.para.text
        for kind, due, on in extract.deadlines(line.body, None):
            plan.deadlines.append(
                ParsedDeadline(
                    kind=kind,
                    due=due,
                    text=line.para.text,
                    source=Source(_short(section), line.para.number),
                    due_on=on,
                )
            )

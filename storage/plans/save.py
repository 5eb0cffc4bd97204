"""Save a parsed plan: the area's agencies (created when new), the plan and everything extracted."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.vietnamese import fold
from storage.models.plans import (
    Plan,
    PlanAssignment,
    PlanDeadline,
    PlanProject,
    PlanTarget,
    PlanTask,
    PlanUnplaced,
)
from storage.models.units import AGENCY, Unit
from storage.plans.header import area_kind
from storage.plans.parsed import ParsedPlan, ParsedUnit
from storage.plans.vocabulary import unit_key

_saved = 0


def saves() -> int:
    """How many plans this process has saved (answer caches re-read the plans when it changes)."""
    return _saved


async def find_or_create_area(session: AsyncSession, name: str, parent_id: int | None = None) -> Unit:
    """The area unit called ``name`` (matched folded), created when the database has none."""
    folded = fold(name)
    query = select(Unit).where(Unit.folded_name == folded, Unit.kind != AGENCY)
    area = (await session.execute(query)).scalars().first()
    if area is None:
        area = Unit(kind=area_kind(name) or "commune", name=name, folded_name=folded, parent_id=parent_id)
        session.add(area)
        await session.flush()
    return area


async def save_plan(session: AsyncSession, parsed: ParsedPlan, area: Unit) -> Plan:
    """Write ``parsed`` under ``area`` (agencies of the area are reused by name); the caller commits.

    Importing the same plan again (same area and number, or same file when it has no number)
    replaces the earlier import instead of doubling every task.
    """
    same = (
        Plan.number == parsed.number
        if parsed.number
        else (Plan.number.is_(None) & (Plan.source_name == parsed.source_name))
    )
    await session.execute(delete(Plan).where(Plan.area_id == area.id, same))
    existing = (await session.execute(select(Unit).where(Unit.parent_id == area.id, Unit.kind == AGENCY))).scalars()
    agencies: dict[str, Unit] = {unit_key(u.name): u for u in existing}

    async def agency(unit: ParsedUnit) -> Unit:
        key = unit_key(unit.name)
        found = agencies.get(key)
        if found is None:
            found = Unit(kind=AGENCY, name=unit.name, folded_name=fold(unit.name), parent_id=area.id)
            session.add(found)
            agencies[key] = found
        return found

    plan = Plan(
        area_id=area.id,
        number=parsed.number,
        issued_on=parsed.issued_on,
        issued_text=parsed.issued_text,
        title=parsed.title,
        issuer=f"UBND {area.name}",
        source_name=parsed.source_name,
    )
    session.add(plan)
    for unit in parsed.units():
        if unit.kind is None:
            await agency(unit)
    await session.flush()

    projects: dict[str, PlanProject] = {}
    for p in parsed.projects.values():
        lead = await agency(p.lead) if p.lead is not None and p.lead.kind is None else None
        project_row = PlanProject(
            plan_id=plan.id,
            code=p.code,
            name=p.name,
            lead_unit_id=lead.id if lead else None,
            lead_name=p.lead.name if p.lead else None,
            section=p.source.section if p.source else "",
            paragraph=p.source.paragraph if p.source else 0,
        )
        session.add(project_row)
        projects[p.code] = project_row
    await session.flush()

    tasks: list[tuple[PlanTask, list[tuple[ParsedUnit, str]]]] = []
    for position, t in enumerate(parsed.tasks, start=1):
        first = next((projects[c] for c in t.projects if c in projects), None)
        task_row = PlanTask(
            plan_id=plan.id,
            position=position,
            text=t.text,
            time_frame=(t.time_frame or "")[:300] or None,
            project_code=",".join(t.projects)[:200] or None,
            project_id=first.id if first else None,
            section=t.source.section,
            paragraph=t.source.paragraph,
        )
        session.add(task_row)
        tasks.append((task_row, [(a.unit, a.role) for a in t.assignments]))
    await session.flush()
    for row, who in tasks:
        seen: set[tuple[str, str]] = set()
        for unit, role in who:
            if (unit.key, role) in seen:
                continue
            seen.add((unit.key, role))
            if unit.kind is None:
                holder = await agency(unit)
                session.add(
                    PlanAssignment(
                        task_id=row.id, unit_id=holder.id, unit_name=unit.name, role=role, requested=unit.requested
                    )
                )
            else:
                session.add(
                    PlanAssignment(
                        task_id=row.id,
                        unit_kind=unit.kind,
                        scope_id=area.id,
                        unit_name=unit.name,
                        role=role,
                        requested=unit.requested,
                    )
                )
    for position, target in enumerate(parsed.targets, start=1):
        session.add(
            PlanTarget(
                plan_id=plan.id,
                position=position,
                indicator=target.indicator,
                value=target.value[:300],
                time_frame=target.time_frame,
                section=target.source.section,
                paragraph=target.source.paragraph,
            )
        )
    for d in parsed.deadlines:
        session.add(
            PlanDeadline(
                plan_id=plan.id,
                kind=d.kind,
                due=d.due[:40],
                due_on=d.due_on,
                text=d.text,
                section=d.source.section,
                paragraph=d.source.paragraph,
            )
        )
    for u in parsed.unplaced:
        session.add(PlanUnplaced(plan_id=plan.id, text=u.text, section=u.source.section, paragraph=u.source.paragraph))
    await session.flush()
    global _saved
    _saved += 1
    return plan

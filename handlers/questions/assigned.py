"""The tasks a question asks about: of the unit it names (one, two together, one the plan names only
through another, every hamlet or commune) or, when it names none, of the asker's own unit.

The answerers of ``assigned_tasks``, ``project_info``, ``deadline`` and ``unknown``
(``handlers/questions/answerers.py``) find the units a question names here.
"""

from __future__ import annotations

import dataclasses

from handlers.questions.answers import ask_which, task_time_answer
from handlers.questions.entities import (
    AskerPlace,
    Umbrella,
    closest_names,
    fit_level,
    mentions_of,
    original_words,
    question_levels,
    umbrella_members,
    units_named,
)
from handlers.questions.knowledge import Duty, Knowledge, UnitInfo
from handlers.questions.matching import normalize, phrases
from handlers.questions.parsed import ParsedQuestion
from handlers.questions.replies import project_label
from handlers.questions.table import Answer
from handlers.questions.unit_replies import UnitQuery, not_named, umbrella_intro, unit_answer
from locales.i18n import _
from locales.messages import Reply


def _led_projects(k: Knowledge, unit_id: int, plan_ids: list[int]) -> list[str]:
    out = []
    for pid in plan_ids:
        for code, p in sorted(k.projects.get(pid, {}).items()):
            if p.lead_unit_id == unit_id:
                out.append(f"{project_label(code)} ({p.name})" if p.name else project_label(code))
    return out


def _kind_duties(k: Knowledge, kind: str, place: AskerPlace, plan_ids: list[int]) -> list[Duty]:
    scopes = set(place.area_ids) | {k.plans[pid].area_id for pid in plan_ids}
    wanted = set(plan_ids)
    return [
        d
        for (knd, scope), ds in k.duties_by_kind.items()
        if knd == kind and scope in scopes
        for d in ds
        if d.task.plan_id in wanted
    ]


def _kind_name(k: Knowledge, kind: str, plan_ids: list[int]) -> str | None:
    """How the plan names every unit of a kind ("Ban cán sự 54 xóm, bản")."""
    areas = {k.plans[pid].area_id for pid in plan_ids}
    return next((name for (knd, scope), name in k.kind_names.items() if knd == kind and scope in areas), None)


def _unit_duties(k: Knowledge, named: list[UnitInfo], plan_ids: list[int]) -> list[Duty]:
    wanted = set(plan_ids)
    return [
        d
        for u in named
        for d in (k.duties_by_kind.get(k.group_keys[u.id], []) if u.id < 0 else k.duties_by_unit.get(u.id, []))
        if d.task.plan_id in wanted
    ]


def about(k: Knowledge, named: list[UnitInfo], plan_ids: list[int], query: UnitQuery, intro: str = "") -> Answer:
    """The tasks of the units ``named`` (one unit, matched maybe under several ids) and the projects it leads."""
    unit = named[0]
    duties = _unit_duties(k, named, plan_ids)
    led = [] if unit.id < 0 else _led_projects(k, unit.id, plan_ids)
    query = dataclasses.replace(query, unit_ids=tuple(u.id for u in named))
    replies, tasks = unit_answer(k, unit.name, duties, led, query, plan_ids, intro)
    return Answer("assigned_tasks", unit.name, replies, tasks)


def _under_umbrella(k: Knowledge, candidates: list[Umbrella], plan_ids: list[int], query: UnitQuery) -> Answer | None:
    """A body the plan names only through another: say so, with the tasks of that body that concern it
    (all of them for a member organisation of the Mặt trận); ``None`` when the plan has neither."""
    for under in candidates:
        found = _one_umbrella(k, under, plan_ids, query)
        if found is not None:
            return found
    return None


def _one_umbrella(k: Knowledge, under: Umbrella, plan_ids: list[int], query: UnitQuery) -> Answer | None:
    umbrella = _named_text(k, under.umbrella, plan_ids)[:1]
    if not umbrella:
        return None
    if not under.mentions:
        return about(k, umbrella, plan_ids, query, umbrella_intro(under.member, umbrella[0].name))
    duties = [d for d in _unit_duties(k, umbrella, plan_ids) if mentions_of(normalize(d.task.text), under.mentions)]
    if not duties:
        return None
    intro = _("The plan gives {member} no task on its own; it is named in these tasks of {umbrella}:").format(
        member=under.member, umbrella=umbrella[0].name
    )
    replies, tasks = unit_answer(k, umbrella[0].name, duties, [], query, plan_ids, intro)
    return Answer("assigned_tasks", umbrella[0].name, replies, tasks)


def named_units(k: Knowledge, q: ParsedQuestion, plan_ids: list[int]) -> list[UnitInfo]:
    """The plan's units the question names, at the level it names."""
    return fit_level(q.levels, units_named(q.unit_words, k, plan_ids), k)


def _named_text(k: Knowledge, norm: str, plan_ids: list[int]) -> list[UnitInfo]:
    """The plan's units a normalised text names: a part of the question, or an umbrella's name."""
    tokens = norm.split()
    stop = phrases().unit_stop_tokens
    return fit_level(question_levels(tokens), units_named([t for t in tokens if t not in stop], k, plan_ids), k)


def assigned_answer(
    k: Knowledge, q: ParsedQuestion, place: AskerPlace, plan_ids: list[int], named: list[UnitInfo] | None = None
) -> Answer:
    """Tasks of the unit the question names (``named``, when already matched), or of the asker's own."""
    intent = "assigned_tasks"
    tokens = q.tokens
    query = q.query
    own = place.unit
    pair = _pair(k, q.norm, plan_ids)
    if pair is not None and not q.names_self:
        return _two(k, pair, plan_ids, query, together="phoi" in tokens or "cung" in tokens)
    if not (q.names_self and own is not None):
        named = named_units(k, q, plan_ids) if named is None else named
        if len({u.name for u in named}) > 1:
            return Answer(intent, None, ask_which(q.raw, sorted({u.name for u in named})))
        if named:
            return about(k, named, plan_ids, query)
        under = _under_umbrella(k, list(q.umbrellas), plan_ids, query)
        if under is not None:
            return under
        span = q.span
        # "Công an các xã" names a body, not every commune: only "UBND xã", "xã …", "xóm …" mean the kind.
        body = span is not None and not span.startswith(phrases().kind_heads)
        for kind, said in (("hamlet", q.names_hamlets), ("commune", q.names_communes)):
            if said and not body:
                duties = _kind_duties(k, kind, place, plan_ids)
                label = _kind_name(k, kind, plan_ids) or {"hamlet": _("every hamlet"), "commune": _("every commune")}[
                    kind
                ]
                replies, tasks = unit_answer(k, label, duties, [], query, plan_ids)
                return Answer(intent, label, replies, tasks)
        if span is not None:
            # A body the plan does not name: say so, never answer about another unit (the asker's included).
            shown = original_words(q.raw, span)
            return Answer(intent, None, not_named(shown, closest_names(span, k, plan_ids)))
    if query.detail is not None and not q.names_self:
        # "chi tiết 2" with no unit named (and none remembered): ask which, never guess the asker's own.
        return Answer(intent, None, ask_which(q.raw, _plan_unit_names(k, plan_ids)))
    if own is not None:
        duties = list(k.duties_by_unit.get(own.id, []))
        label = own.name
        if own.kind == "agency" and not duties:
            # The asker's own body is one the plan names only through another (the Mặt trận, Công an tỉnh).
            under = _under_umbrella(k, umbrella_members(normalize(own.name)), plan_ids, query)
            if under is not None:
                return under
        if own.kind != "agency":
            kind_duties = _kind_duties(k, own.kind, place, plan_ids)
            kind_name = _kind_name(k, own.kind, plan_ids)
            if kind_duties and kind_name and kind_name != own.name:
                label = f"{own.name} ({kind_name})"
            duties += kind_duties
        replies, tasks = unit_answer(k, label, duties, _led_projects(k, own.id, plan_ids), query, plan_ids)
        return Answer(intent, label, replies, tasks)
    return Answer(intent, None, ask_which(q.raw, _plan_unit_names(k, plan_ids)))


def _plan_unit_names(k: Knowledge, plan_ids: list[int]) -> list[str]:
    return sorted(
        {
            k.units[uid].name
            for pid in plan_ids[:1]
            for uid, ps in k.unit_plans.items()
            if pid in ps and uid in k.units and uid > 0
        }
    )


def task_time(k: Knowledge, q: ParsedQuestion, plan_ids: list[int]) -> list[Reply]:
    """A task's time frame; among the tasks of the unit the question names, when it names one."""
    named = named_units(k, q, plan_ids)
    if len({u.name for u in named}) == 1:
        held = {d.task.id for d in _unit_duties(k, named, plan_ids)}
        found = task_time_answer(k, plan_ids, q, held, frozenset(named[0].tokens))
        if found:
            return found
    return task_time_answer(k, plan_ids, q)


def _pair(k: Knowledge, norm: str, plan_ids: list[int]) -> tuple[list[UnitInfo], list[UnitInfo]] | None:
    """Two units named on either side of "phối hợp với", "và", "với" ("Công an tỉnh phối hợp với Sở Nội vụ")."""
    for m in phrases().unit_joins.finditer(f" {norm} "):
        left, right = f" {norm} "[: m.start()].strip(), f" {norm} "[m.end() :].strip()
        a, b = _named_text(k, left, plan_ids), _named_text(k, right, plan_ids)
        if len({u.name for u in a}) == 1 and len({u.name for u in b}) == 1 and a[0].name != b[0].name:
            return a, b
    return None


def _two(
    k: Knowledge, pair: tuple[list[UnitInfo], list[UnitInfo]], plan_ids: list[int], query: UnitQuery, together: bool
) -> Answer:
    """What two units do together (the tasks both hold), or each one's tasks when not asked together."""
    a, b = pair
    if not together:
        first, second = about(k, a, plan_ids, query), about(k, b, plan_ids, query)
        return Answer("assigned_tasks", first.unit, first.replies + second.replies, first.tasks + second.tasks)
    theirs = {d.task.id for d in _unit_duties(k, b, plan_ids)}
    joint = [d for d in _unit_duties(k, a, plan_ids) if d.task.id in theirs]
    if not joint:
        text = _("The plan names no task that {unit} and {other} do together.").format(unit=a[0].name, other=b[0].name)
        return Answer("assigned_tasks", a[0].name, [Reply(text)])
    intro = _("Tasks of {unit} with {other}:").format(unit=a[0].name, other=b[0].name)
    replies, tasks = unit_answer(k, a[0].name, joint, [], UnitQuery(), plan_ids, intro)
    return Answer("assigned_tasks", a[0].name, replies, tasks)

"""Units a task names as partners in its text: "chủ trì, phối hợp với Sở Nội vụ …", "phối hợp Công an tỉnh …".

A plan often names the units that support a task inside the task itself rather than under a heading of
their own (001: "Liên đoàn Lao động tỉnh: Chủ trì, phối hợp với Ban Quản lý Khu kinh tế tỉnh …").
After "chủ trì, phối hợp với X" the unit X supports the task; after a bare "phối hợp với X" the holder
of the task works with X, who is recorded as a ``partner`` (the plan gives X no duty of its own there).
"""

from __future__ import annotations

from rapidfuzz import fuzz

from locales.vietnamese import fold
from storage.plans.parsed import ParsedAssignment, ParsedPlan, ParsedUnit
from storage.plans.units import split_units, starts_with_agency
from storage.plans.vocabulary import pattern, vocabulary

# A partner name longer than this is a clause, not a name.
_MAX_WORDS = 12
# How close a partner's name must be to a unit the plan already knows to be that unit.
_SAME_UNIT = 90


def _known(plan: ParsedPlan) -> dict[str, ParsedUnit]:
    return {u.key: u for u in plan.units() if u.kind is None}


def _resolve(unit: ParsedUnit, known: dict[str, ParsedUnit]) -> ParsedUnit | None:
    """The plan's own unit this name stands for ("Ủy ban MTTQ xã và các tổ chức thành viên"), or
    the name itself when it is a clean new one; ``None`` for a group of every agency or a clause."""
    if unit.kind is not None:
        # "UBND các xã, phường" as a partner; never "các ban, ngành" (which reads like "các bản").
        named_body = fold(unit.name).startswith(("ubnd", "uy ban"))
        return unit if unit.kind in ("commune", "district") and named_body else None
    key = unit.key
    if key in known:
        return known[key]
    force = vocabulary().force_prefix
    if key.startswith(force):
        # "lực lượng Công an" is the plan's own police unit when it has exactly one.
        rest = key[len(force) :]
        same = [u for k, u in known.items() if k.startswith(rest)]
        return same[0] if len(same) == 1 else None
    words = set(key.split())
    for other_key, other in known.items():
        if fuzz.token_set_ratio(key, other_key) >= _SAME_UNIT and len(words & set(other_key.split())) >= 2:
            return other
    # A body's proper name is capitalised ("Sở Nội vụ"); "lực lượng chuyên trách", "ban ngành" are not names.
    if len(unit.name.split()) > _MAX_WORDS or not unit.name[:1].isupper() or not starts_with_agency(unit.name):
        return None
    if fold(unit.name).startswith("cac "):
        return None
    return ParsedUnit(name=unit.name)


def add_partners(plan: ParsedPlan) -> None:
    """Add the units each task names after "phối hợp" as supports or partners of that task."""
    known = _known(plan)
    for task in plan.tasks:
        holders = {a.unit.key for a in task.assignments}
        lead_holder = any(a.role == "lead" for a in task.assignments)
        added: set[str] = set()
        for m in pattern("partner_clause").finditer(task.text):
            who = m.group("who").strip(" ,")
            if not who or len(who.split()) > 3 * _MAX_WORDS:
                continue
            role = "support" if m.group("lead") and lead_holder else "partner"
            # "phối hợp với lực lượng chuyên trách … của Công an tỉnh, Hải quan …": the bodies named
            # further in the same clause, by their capitalised names.
            span = pattern("partner_span").match(task.text, m.start())
            named = [ParsedUnit(name=n.group(1).strip(" ,-")) for n in pattern("agency_name").finditer(
                span.group("span") if span else "")]
            for unit in [*split_units(who), *named]:
                found = _resolve(unit, known)
                if found is None or found.key in holders or found.key in added:
                    continue
                added.add(found.key)
                task.assignments.append(ParsedAssignment(found, role))
                if found.kind is None:
                    known.setdefault(found.key, found)


"""Questions about the imported plans, in the user's own words: "đơn vị tôi được giao gì?" and more.

``answer_question`` is what the dispatcher calls for free text that is not a command.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.command_table import COMMANDS
from handlers.help import help_reply, not_understood
from handlers.questions import answers
from handlers.questions.entities import (
    AskerPlace,
    Umbrella,
    asker_place,
    closest_names,
    fit_level,
    mentions_of,
    names_only,
    original_words,
    question_levels,
    relevant_plans,
    umbrella_members,
    units_named,
)
from handlers.questions.intents import INTENTS
from handlers.questions.knowledge import Duty, Knowledge, UnitInfo, knowledge
from handlers.questions.matching import has_any, normalize, phrases
from handlers.questions.parsed import ParsedQuestion, read_question
from handlers.questions.replies import project_label
from handlers.questions.unit_replies import UnitQuery, not_named, umbrella_intro, unit_answer
from locales.i18n import _
from locales.messages import Reply
from storage.calendar import calendar_for
from storage.models.units import Unit
from storage.people import Member

__all__ = [
    "INTENTS",
    "Answer",
    "Asker",
    "ParsedQuestion",
    "answer_parsed",
    "answer_question",
    "question_handler",
    "read_question",
]

# A message this short naming a body the plan knows only through another asks about it.
_BARE_NAME_WORDS = 5


@dataclass(frozen=True)
class Asker:
    """Who asks: their unit (hamlet or agency) and role, as far as known."""

    unit_id: int | None
    role: str | None  # "reporter" | "officer" | "leader" | "admin" | None


@dataclass
class Answer:
    """The intent understood, the unit the answer is about, the replies, and the tasks listed."""

    intent: str
    unit: str | None
    replies: list[Reply]
    tasks: list[dict[str, object]] = field(default_factory=list)


async def answer_question(session: AsyncSession, text: str, asker: Asker, today: dt.date) -> Answer:
    """Understand ``text`` and answer it from the plans and reports in the database."""
    return await answer_parsed(session, read_question(text, today), asker, today)


async def answer_parsed(session: AsyncSession, q: ParsedQuestion, asker: Asker, today: dt.date) -> Answer:
    """Answer a question already read (``read_question``) from the plans and reports in the database."""
    intent = q.intent
    if intent == "start_report":
        return Answer(intent, None, [])
    if intent == "help":
        return Answer(intent, None, [help_reply(None, COMMANDS)])
    place = await asker_place(session, asker.unit_id)
    if intent == "unknown":
        # A bare unit name ("CA xã?") asks what that unit does; anything else is not understood.
        k = await knowledge(session)
        if k.plans:
            plan_ids = relevant_plans(k, place)
            found = _named(k, q, plan_ids)
            if len(found) == 1 and names_only(q.unit_words, found[0], k):
                return _assigned(k, q, place, plan_ids, found)
            if q.umbrellas and len(q.tokens) <= _BARE_NAME_WORDS:
                return _assigned(k, q, place, plan_ids, found)  # a bare "Hội phụ nữ?"
            # A target named without any question words ("số điểm tư vấn cai nghiện").
            if answers.best_target_cover(k, plan_ids, q) >= 85:
                replies, _targets = answers.targets_answer(k, plan_ids, q)
                return Answer("targets", None, replies)
        return Answer(intent, None, [not_understood()])
    if intent == "report_status":
        if not any(u.kind == "commune" for u in place.chain):
            place = await _plan_commune(session, place)
        replies, unit = await answers.status_answer(session, place, asker.role, today)
        return Answer(intent, unit, replies)
    k = await knowledge(session)
    if not k.plans:
        return Answer(intent, None, [Reply(_("No plan has been imported yet."))])
    plan_ids = relevant_plans(k, place)
    if intent == "targets":
        replies, _targets = answers.targets_answer(k, plan_ids, q)
        return Answer(intent, None, replies)
    if intent == "deadline":
        if not any(u.kind == "commune" for u in place.chain):
            place = await _plan_commune(session, place)
        kind = q.deadline_kind
        stated = {d.kind for pid in plan_ids for d in k.deadlines.get(pid, [])}
        # A task's own time frame answers when no report deadline of the kind asked is stated.
        by_task = _task_time(k, q, plan_ids) if kind is None or kind not in stated else []
        commune = next((u for u in place.chain if u.kind == "commune"), None)
        # The commune's calendar: domain defaults, then its (and its province's) plans, then its settings.
        calendar = await calendar_for(session, commune) if commune is not None and not by_task else None
        replies = by_task or answers.deadline_answer(k, plan_ids, kind, place, today, q.period, calendar)
        return Answer(intent, None, replies)
    if intent == "project_info" and not q.asks_who and q.asks_assigned:
        # "Phòng Văn hóa - Xã hội có nhiệm vụ gì trong dự án 7?": a unit's tasks, not the project.
        named = _named(k, q, plan_ids)
        if len(named) == 1:
            return _about(k, named, plan_ids, UnitQuery())
    if intent == "project_info":
        replies, lead = answers.project_answer(k, plan_ids, q)
        return Answer(intent, lead if q.asks_who else None, replies)
    return _assigned(k, q, place, plan_ids)


async def _plan_commune(session: AsyncSession, place: AskerPlace) -> AskerPlace:
    """An asker outside any commune, where every plan is one commune's: that commune is meant."""
    k = await knowledge(session)
    areas = {p.area_id for p in k.plans.values()}
    if len(areas) != 1:
        return place
    area = await session.get(Unit, areas.pop())
    return AskerPlace(place.unit, (*place.chain, area)) if area is not None and area.kind == "commune" else place


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


def _about(k: Knowledge, named: list[UnitInfo], plan_ids: list[int], query: UnitQuery, intro: str = "") -> Answer:
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
        return _about(k, umbrella, plan_ids, query, umbrella_intro(under.member, umbrella[0].name))
    duties = [d for d in _unit_duties(k, umbrella, plan_ids) if mentions_of(normalize(d.task.text), under.mentions)]
    if not duties:
        return None
    intro = _("The plan gives {member} no task on its own; it is named in these tasks of {umbrella}:").format(
        member=under.member, umbrella=umbrella[0].name
    )
    replies, tasks = unit_answer(k, umbrella[0].name, duties, [], query, plan_ids, intro)
    return Answer("assigned_tasks", umbrella[0].name, replies, tasks)


def _named(k: Knowledge, q: ParsedQuestion, plan_ids: list[int]) -> list[UnitInfo]:
    """The plan's units the question names, at the level it names."""
    return fit_level(q.levels, units_named(q.unit_words, k, plan_ids), k)


def _named_text(k: Knowledge, norm: str, plan_ids: list[int]) -> list[UnitInfo]:
    """The plan's units a normalised text names: a part of the question, or an umbrella's name."""
    tokens = norm.split()
    stop = phrases().unit_stop_tokens
    return fit_level(question_levels(tokens), units_named([t for t in tokens if t not in stop], k, plan_ids), k)


def _assigned(
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
        named = _named(k, q, plan_ids) if named is None else named
        if len({u.name for u in named}) > 1:
            return Answer(intent, None, answers.ask_which(q.raw, sorted({u.name for u in named})))
        if named:
            return _about(k, named, plan_ids, query)
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
        return Answer(intent, None, answers.ask_which(q.raw, _plan_unit_names(k, plan_ids)))
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
    return Answer(intent, None, answers.ask_which(q.raw, _plan_unit_names(k, plan_ids)))


def _plan_unit_names(k: Knowledge, plan_ids: list[int]) -> list[str]:
    return sorted(
        {
            k.units[uid].name
            for pid in plan_ids[:1]
            for uid, ps in k.unit_plans.items()
            if pid in ps and uid in k.units and uid > 0
        }
    )


def _task_time(k: Knowledge, q: ParsedQuestion, plan_ids: list[int]) -> list[Reply]:
    """A task's time frame; among the tasks of the unit the question names, when it names one."""
    named = _named(k, q, plan_ids)
    if len({u.name for u in named}) == 1:
        held = {d.task.id for d in _unit_duties(k, named, plan_ids)}
        found = answers.task_time_answer(k, plan_ids, q, held, frozenset(named[0].tokens))
        if found:
            return found
    return answers.task_time_answer(k, plan_ids, q)


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
        first, second = _about(k, a, plan_ids, query), _about(k, b, plan_ids, query)
        return Answer("assigned_tasks", first.unit, first.replies + second.replies, first.tasks + second.tasks)
    theirs = {d.task.id for d in _unit_duties(k, b, plan_ids)}
    joint = [d for d in _unit_duties(k, a, plan_ids) if d.task.id in theirs]
    if not joint:
        text = _("The plan names no task that {unit} and {other} do together.").format(unit=a[0].name, other=b[0].name)
        return Answer("assigned_tasks", a[0].name, [Reply(text)])
    intro = _("Tasks of {unit} with {other}:").format(unit=a[0].name, other=b[0].name)
    replies, tasks = unit_answer(k, a[0].name, joint, [], UnitQuery(), plan_ids, intro)
    return Answer("assigned_tasks", a[0].name, replies, tasks)


# The unit each person last asked about, so that "xem chi tiết" or a bare task number right after a
# list gives that unit's full text. Process memory, bounded: after a restart the user names the unit.
_LAST_UNIT: OrderedDict[int, str] = OrderedDict()
_LAST_MAX = 5000


def follow_up(q: ParsedQuestion, last_unit: str | None) -> str | None:
    """ "2", "xem chi tiết", "chi tiết 3" right after a list: the question it stands for, or ``None``."""
    if last_unit is None:
        return None
    m = phrases().task_number.match(q.raw)
    if m:
        return f"chi tiết {m.group(1)} {last_unit}"
    tokens = q.tokens
    if not has_any(tokens, phrases().detail_words) or len(tokens) > 5:
        return None
    rest = [t for t in tokens if not t.isdigit() and t not in phrases().detail_fillers]
    if rest:
        return None  # "chi tiết Công an xã" names its unit
    number = next((t for t in tokens if t.isdigit()), "")
    return f"chi tiết {number} {last_unit}".replace("  ", " ")


async def question_handler(session: AsyncSession, text: str, member: Member, today: dt.date) -> tuple[str, list[Reply]]:
    """``answer_question`` in the shape of the dispatcher's ``QuestionHandler`` (``Core.questions``)."""
    q = read_question(text, today)
    asked = follow_up(q, _LAST_UNIT.get(member.person_id))
    if asked is not None:
        q = read_question(asked, today)  # the question a follow-up stands for: a text of its own, read once
    answer = await answer_parsed(session, q, Asker(member.unit_id, member.role), today)
    if answer.intent == "assigned_tasks" and answer.unit and answer.tasks:
        _LAST_UNIT[member.person_id] = answer.unit
        _LAST_UNIT.move_to_end(member.person_id)
        while len(_LAST_UNIT) > _LAST_MAX:
            _LAST_UNIT.popitem(last=False)
    return answer.intent, answer.replies

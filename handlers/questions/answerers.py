"""The intent table: every intent a question can have, declared once, with its answerer.

``answer_parsed`` (``handlers/questions/__init__.py``) calls the answerer of the intent the phrase rules
found (``handlers/questions/intents.py``, reading ``phrases.json``); ``INTENTS`` is this table's names.
An answerer gets a ``Context`` (the session, the question read once, who asks, the day) and returns an
``Answer``; what is special about one intent (a bare unit name read as a question about that unit, a
unit's tasks in a project, the commune's own calendar of deadlines) stays inside its answerer.

To add an intent:
1. its phrase rule in ``handlers/questions/phrases.json`` (``"intent": "<name>"``, the groups of words that
   must all be there; rules are tried in order, the first that fires wins);
2. its answerer here, declared with ``@TABLE.answers("<name>")``, building its replies with gettext ``_``
   (longer reply-building may sit in ``answers.py`` or a module of its own, as ``assigned.py`` does);
3. its strings in ``locales/vi/LC_MESSAGES/plans.po`` and ``locales/en/LC_MESSAGES/plans.po``.
A test (tests/plans/test_intent_table.py) fails when a rule names an intent with no answerer here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.command_table import COMMANDS
from handlers.help import help_reply, not_understood
from handlers.questions.answers import (
    best_target_cover,
    deadline_answer,
    project_answer,
    status_answer,
    targets_answer,
)
from handlers.questions.assigned import about, assigned_answer, named_units, task_time
from handlers.questions.entities import AskerPlace, asker_place, names_only, relevant_plans
from handlers.questions.knowledge import Knowledge, knowledge
from handlers.questions.table import Answer, Context, IntentTable
from handlers.questions.unit_replies import UnitQuery
from locales.i18n import _
from locales.messages import Reply
from storage.calendar import calendar_for
from storage.models.units import Unit

TABLE = IntentTable()

# A message this short naming a body the plan knows only through another asks about it.
_BARE_NAME_WORDS = 5


@dataclass(frozen=True)
class _Plans:
    """The plans in memory, where the asker stands, and the plans that concern them."""

    k: Knowledge
    place: AskerPlace
    ids: list[int]


async def _plans(c: Context) -> _Plans | None:
    """Where the asker stands and the plans about them; ``None`` when no plan has been imported."""
    place = await asker_place(c.session, c.asker.unit_id)
    k = await knowledge(c.session)
    return _Plans(k, place, relevant_plans(k, place)) if k.plans else None


def _no_plan(c: Context) -> Answer:
    return Answer(c.q.intent, None, [Reply(_("No plan has been imported yet."))])


async def _plan_commune(session: AsyncSession, place: AskerPlace) -> AskerPlace:
    """An asker outside any commune, where every plan is one commune's: that commune is meant."""
    if any(u.kind == "commune" for u in place.chain):
        return place
    k = await knowledge(session)
    areas = {p.area_id for p in k.plans.values()}
    if len(areas) != 1:
        return place
    area = await session.get(Unit, areas.pop())
    return AskerPlace(place.unit, (*place.chain, area)) if area is not None and area.kind == "commune" else place


@TABLE.answers("assigned_tasks")
async def _assigned_tasks(c: Context) -> Answer:
    """ "Đơn vị tôi được giao gì?": the tasks of the unit named, or of the asker's own."""
    p = await _plans(c)
    return _no_plan(c) if p is None else assigned_answer(p.k, c.q, p.place, p.ids)


@TABLE.answers("targets")
async def _targets(c: Context) -> Answer:
    """ "Chỉ tiêu năm nay là bao nhiêu?": the plan's targets closest to the question."""
    p = await _plans(c)
    if p is None:
        return _no_plan(c)
    replies, _found = targets_answer(p.k, p.ids, c.q)
    return Answer("targets", None, replies)


@TABLE.answers("deadline")
async def _deadline(c: Context) -> Answer:
    """ "Khi nào nộp báo cáo quý?": the plan's report deadlines and the commune's own calendar, or a task's
    time frame when it asks about a task rather than a report."""
    p = await _plans(c)
    if p is None:
        return _no_plan(c)
    k, q = p.k, c.q
    place = await _plan_commune(c.session, p.place)
    kind = q.deadline_kind
    stated = {d.kind for pid in p.ids for d in k.deadlines.get(pid, [])}
    # A task's own time frame answers when no report deadline of the kind asked is stated.
    by_task = task_time(k, q, p.ids) if kind is None or kind not in stated else []
    commune = next((u for u in place.chain if u.kind == "commune"), None)
    # The commune's calendar: domain defaults, then its (and its province's) plans, then its settings.
    calendar = await calendar_for(c.session, commune) if commune is not None and not by_task else None
    replies = by_task or deadline_answer(k, p.ids, kind, place, c.today, q.period, calendar)
    return Answer("deadline", None, replies)


@TABLE.answers("project_info")
async def _project_info(c: Context) -> Answer:
    """ "Dự án 7 ai chủ trì?": a project's name, lead and support; a named unit's tasks in it when asked so."""
    p = await _plans(c)
    if p is None:
        return _no_plan(c)
    q = c.q
    if not q.asks_who and q.asks_assigned:
        # "Phòng Văn hóa - Xã hội có nhiệm vụ gì trong dự án 7?": a unit's tasks, not the project.
        named = named_units(p.k, q, p.ids)
        if len(named) == 1:
            return about(p.k, named, p.ids, UnitQuery())
    replies, lead = project_answer(p.k, p.ids, q)
    return Answer("project_info", lead if q.asks_who else None, replies)


@TABLE.answers("report_status")
async def _report_status(c: Context) -> Answer:
    """ "Xóm nào chưa báo cáo?": the hamlets of the asker's commune with no report this month."""
    place = await _plan_commune(c.session, await asker_place(c.session, c.asker.unit_id))
    replies, unit = await status_answer(c.session, place, c.asker.role, c.today)
    return Answer("report_status", unit, replies)


@TABLE.answers("start_report")
async def _start_report(c: Context) -> Answer:
    """ "Báo cáo": no reply here; the caller starts the report dialog."""
    return Answer("start_report", None, [])


@TABLE.answers("help")
async def _help(c: Context) -> Answer:
    """ "Giúp": the help every member gets."""
    return Answer("help", None, [help_reply(None, COMMANDS)])


@TABLE.answers("unknown")
async def _unknown(c: Context) -> Answer:
    """No rule fired: a bare unit name ("CA xã?") asks what that unit does, a target named without question
    words asks for that target; anything else is not understood."""
    p = await _plans(c)
    if p is not None:
        q = c.q
        found = named_units(p.k, q, p.ids)
        if len(found) == 1 and names_only(q.unit_words, found[0], p.k):
            return assigned_answer(p.k, q, p.place, p.ids, found)
        if q.umbrellas and len(q.tokens) <= _BARE_NAME_WORDS:
            return assigned_answer(p.k, q, p.place, p.ids, found)  # a bare "Hội phụ nữ?"
        # A target named without any question words ("số điểm tư vấn cai nghiện").
        if best_target_cover(p.k, p.ids, q) >= 85:
            replies, _found = targets_answer(p.k, p.ids, q)
            return Answer("targets", None, replies)
    return Answer("unknown", None, [not_understood()])

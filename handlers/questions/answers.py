"""The replies the answerers (``answerers.py``) build from the plans in memory and the reports tables."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.questions.entities import AskerPlace
from handlers.questions.knowledge import DeadlineInfo, Knowledge, ProjectInfo, TargetInfo
from handlers.questions.matching import normalize, phrases
from handlers.questions.parsed import ParsedQuestion
from handlers.questions.replies import cite, pack, phone, project_label
from locales.i18n import _
from locales.messages import Button, Reply
from storage.calendar import CalendarRules, deadline_label
from storage.models.reports import Period, Report
from storage.models.units import Unit
from storage.periods import period_label, period_of, period_spec

_TARGET_MIN_COVER = 50.0
_MAX_TARGETS = 3
# A question that names no topic lists the plan's targets, up to this many.
_MAX_LISTED_TARGETS = 10
# A figure from a task text must cover the question this much better than the best target.
_FIGURE_MARGIN = 5.0
# A target whose value is the kind of figure asked ("%", "xã") gains this much.
_KIND_BONUS = 8.0
# A target's line in the first message.
_LINE = 110


def ask_which(question: str, names: list[str]) -> list[Reply]:
    """Several units match: ask which one, with a button each (pressing it asks again, precisely)."""
    buttons = [[Button(name, _("tasks of {unit}").format(unit=name))] for name in names[:8]]
    return [Reply(_("Which unit do you mean?"), buttons=buttons)]


def _target_score(query: frozenset[str], target: TargetInfo) -> tuple[float, float]:
    """How much of the question the target covers, then how much of the target the question names."""
    words = set(target.norm.split())
    shared = sum(len(w) for w in query & words)
    cover = 100.0 * shared / (sum(len(w) for w in query) or 1)
    precision = 100.0 * shared / (sum(len(w) for w in words) or 1)
    return cover + 0.2 * precision, precision


# Remembered: the "unknown" path scores the targets twice (``best_target_cover``, then ``targets_answer``),
# a deadline question the tasks twice (among the named unit's, then all).
@lru_cache(maxsize=1024)
def _query_words(question: str, keep: frozenset[str] = frozenset()) -> frozenset[str]:
    """The content words of a normalised question: synonyms applied, question phrasing ("tỷ lệ", "bao
    nhiêu") removed."""
    p = phrases()
    norm = f" {question} "
    for word, replacement in p.synonyms.items():
        norm = norm.replace(f" {word} ", f" {replacement} ")
    noise = p.question_noise - keep
    for phrase in sorted((n for n in noise if " " in n), key=len, reverse=True):
        norm = norm.replace(f" {phrase} ", " ")
    # Years stay ("năm 2027" picks the 2027 list); other bare numbers are what is asked, not a clue.
    return frozenset(
        w for w in norm.split() if w not in noise and (len(w) > 1 or w == "y") and (not w.isdigit() or len(w) == 4)
    )


def _value_kind(question: str) -> str | None:
    """What kind of figure a normalised question asks: a share ("tỷ lệ", "bao nhiêu phần trăm") or a count
    of something ("bao nhiêu xã" → "xa")."""
    norm = f" {question} "
    if any(f" {w} " in norm for w in phrases().share_words) or "%" in norm:
        return "%"
    m = re.search(r" bao nhieu (\w+)", norm)
    return m.group(1) if m else None


def _figures_named(question: str) -> frozenset[int]:
    """Figures a normalised question quotes ("38 xã là những xã nào"), years left out."""
    return frozenset(int(n) for n in re.findall(r"\b\d{1,3}\b", question))


def _with_kind(
    score: tuple[float, float], target: TargetInfo, kind: str | None, numbers: frozenset[int] = frozenset()
) -> tuple[float, float]:
    """A target whose value is the kind of figure asked, or the figure quoted, ranks first among equals."""
    if not target.value:
        return score
    value = normalize(target.value)
    bonus = 0.0
    if kind is not None and ("%" in value if kind == "%" else kind in value.split()):
        bonus += _KIND_BONUS
    if numbers and numbers & {int(n) for n in re.findall(r"\d+", value)}:
        bonus += 2 * _KIND_BONUS
    return (score[0] + bonus, score[1])


def best_target_cover(k: Knowledge, plan_ids: list[int], question: ParsedQuestion) -> float:
    """How well the best target covers the question's words (0–100), for questions with no phrasing."""
    query = _query_words(question.norm)
    if len(query) < 3:
        return 0.0
    total = sum(len(w) for w in query)
    best = 0.0
    for pid in plan_ids:
        for t in k.targets.get(pid, []):
            best = max(best, 100.0 * sum(len(w) for w in query & set(t.norm.split())) / total)
    return best


def targets_answer(
    k: Knowledge, plan_ids: list[int], question: ParsedQuestion
) -> tuple[list[Reply], list[TargetInfo]]:
    """The targets closest to what is asked; a plain "not found" rather than a guess."""
    query = _query_words(question.norm)
    candidates = [t for pid in plan_ids for t in k.targets.get(pid, [])]
    quoted = _figures_named(question.norm)
    named = [t for t in candidates if quoted & {int(n) for n in re.findall(r"\d+", t.value or "")}]
    if not query and named:
        # "38 xã là những xã nào": the target of that figure.
        return _target_list(k, named, len(named)), named[:_MAX_LISTED_TARGETS]
    if not query and candidates:
        # "chỉ tiêu năm nay là bao nhiêu?" names no topic: the plan's targets, in its order.
        return _target_list(k, candidates, len(candidates)), candidates[:_MAX_LISTED_TARGETS]
    kind = _value_kind(question.norm)
    scored = sorted(
        ((_with_kind(_target_score(query, t), t, kind, quoted), t) for t in candidates),
        key=lambda s: s[0],
        reverse=True,
    )
    # A count the plan states inside a task ("xây dựng 03 mô hình …") answers when no target does better.
    figures = sorted(
        ((_target_score(query, t), t) for pid in plan_ids for t in k.task_figures.get(pid, [])),
        key=lambda s: s[0],
        reverse=True,
    )
    best_target = scored[0][0][0] if scored else 0.0
    if query and figures and figures[0][0][0] >= max(_TARGET_MIN_COVER, best_target + _FIGURE_MARGIN):
        top = figures[0][0][0]
        chosen = [t for s, t in figures if s[0] >= top - 2][:_MAX_TARGETS]
        return _figure_list(k, chosen), chosen
    if not scored or not query or scored[0][0][0] < _TARGET_MIN_COVER:
        examples = [t.indicator for _s, t in scored[:3]]
        text = _("I found no target in the plan that matches your question.")
        if examples:
            text += "\n" + _("The plan has targets such as:") + "\n" + "\n".join(f"• {e[:160]}" for e in examples)
        return [Reply(text)], []
    best = scored[0][0][0]
    chosen = [t for s, t in scored if s[0] >= best - 5][:_MAX_TARGETS]
    return _target_list(k, chosen, len(chosen)), chosen


def _target_list(k: Knowledge, targets: list[TargetInfo], total: int) -> list[Reply]:
    """Numbered targets (at most ``_MAX_LISTED_TARGETS``), saying how many more the plan has."""
    shown = targets[:_MAX_LISTED_TARGETS]
    first = [_("Targets:")]
    blocks = []
    for i, t in enumerate(shown, start=1):
        frame = t.time_frame or ""
        when = f" ({period_label(period_spec('year', int(frame))) if frame.isdigit() else frame})" if frame else ""
        value = f": {t.value}" if t.value and t.value not in t.indicator else ""
        blocks.append(f"{i}. {t.indicator}{value}{when}")
        # The figure first: "1. 800 người — Duy trì và nâng cao hiệu quả …".
        first.append(f"{i}. {t.value or '…'} — {_short(t.indicator, _LINE)}")
    if total > len(shown):
        more = _("…and {n} more targets: ask about one, e.g. “chỉ tiêu methadone?”").format(n=total - len(shown))
        blocks.append(more)
        first.append(more)
    return phone(first, blocks, cite(k.plans[shown[0].plan_id]))


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _figure_list(k: Knowledge, figures: list[TargetInfo]) -> list[Reply]:
    """Counts stated in tasks: the figure first, then the sentence it comes from."""
    first = [_("The plan sets, in its tasks:")]
    blocks = []
    for i, t in enumerate(figures, start=1):
        first.append(f"{i}. {t.value} — {_short(t.indicator, _LINE)}")
        blocks.append(f"{i}. {t.value}: {_short(t.indicator, 600)}")
    return phone(first, blocks, cite(k.plans[figures[0].plan_id]))


def task_time_answer(
    k: Knowledge,
    plan_ids: list[int],
    question: ParsedQuestion,
    held: set[int] | None = None,
    unit_words: frozenset[str] = frozenset(),
) -> list[Reply]:
    """When a task is due ("khi nào hoàn thành tuyên truyền Kết luận 132?"): the closest task's time frame;
    among the tasks ``held`` by the unit the question names, when it names one ("Sở Y tế … khi nào")."""
    # "kế hoạch" is noise around a target but the very task in "khi nào xây dựng kế hoạch?".
    p = phrases()
    query = _query_words(question.norm, keep=p.task_words_kept) - p.time_question_words - unit_words
    if len(query) < 2:
        return []
    total = sum(len(w) for w in query)
    best: tuple[float, int] | None = None
    chosen = None
    for pid in plan_ids:
        for task, words in k.tasks.get(pid, []):
            if not task.time_frame or (held is not None and task.id not in held):
                continue
            shared = sum(len(w) for w in query & words)
            cover = 100.0 * shared / total
            precision = 100.0 * shared / (sum(len(w) for w in words) or 1)
            if cover >= (40 if held is not None else 60) and (
                best is None or (cover + 0.2 * precision, -task.position) > best
            ):
                best, chosen = (cover + 0.2 * precision, -task.position), task
    if chosen is None or best is None:
        return []
    text = chosen.text if len(chosen.text) <= 400 else chosen.text[:399] + "…"
    block = _("Task: {task}").format(task=text) + "\n" + _("Time: {time}").format(time=chosen.time_frame)
    return pack([block], cite(k.plans[chosen.plan_id]))


def _plan_rules(found: list[DeadlineInfo]) -> CalendarRules:
    """The calendar a plan's deadlines imply ("15 tháng cuối quý", "15/6", "15/12"); defaults elsewhere."""
    values: dict[str, object] = {}
    for d in found:
        day = d.due.split()[0]
        if d.kind == "quarter" and day.isdigit():
            values["quarter_day"] = int(day)
        elif d.kind in ("half", "year") and d.due.count("/") == 1:
            values[f"{d.kind}_deadline"] = d.due
    return CalendarRules(**values)  # type: ignore[arg-type]


def deadline_answer(
    k: Knowledge,
    plan_ids: list[int],
    kind: str | None,
    place: AskerPlace,
    today: dt.date,
    period: tuple[str, int, int] | None = None,
    calendar: CalendarRules | None = None,
) -> list[Reply]:
    """Deadlines from the plan (with the date for the period asked), and the commune's own calendar."""
    replies: list[Reply] = []
    for pid in plan_ids:
        found = k.deadlines.get(pid, [])
        chosen = [d for d in found if d.kind == kind] if kind else []
        chosen = chosen or found
        if not chosen:
            continue
        blocks = [_("Report deadlines:")]
        for d in chosen:
            blocks.append("• " + _("{what}: before {due}").format(what=deadline_label(d.kind), due=d.due))
        if period is not None and period[0] in ("quarter", "half", "year") and any(d.kind == period[0] for d in found):
            spec = period_spec(*period)
            blocks.append(
                _("For {period}: before {date}").format(
                    period=period_label(spec), date=f"{_plan_rules(found).commune_deadline(spec):%d/%m/%Y}"
                )
            )
        replies.extend(pack(blocks, cite(k.plans[pid])))
        break
    commune = next((u for u in place.chain if u.kind == "commune"), None)
    if commune is not None:
        rules = calendar or CalendarRules.from_settings(commune.settings)
        spec = (
            period_spec(*period)
            if period is not None
            else period_of(kind if kind in ("month", "quarter", "half", "year") else "month", today)
        )
        line = _(
            "Calendar of {commune}: hamlets report for {period} by {hamlet}; the commune reports by {commune_day}."
        ).format(
            commune=commune.name,
            period=period_label(spec),
            hamlet=f"{rules.hamlet_deadline(spec):%d/%m/%Y}",
            commune_day=f"{rules.commune_deadline(spec):%d/%m/%Y}",
        )
        replies.append(Reply(line))
    if not replies:
        replies.append(Reply(_("The plan states no report deadline.")))
    return replies


def project_answer(k: Knowledge, plan_ids: list[int], question: ParsedQuestion) -> tuple[list[Reply], str | None]:
    """A project's name and who leads it; the lead is returned when the question asks who."""
    codes = question.projects
    for pid in plan_ids:
        projects = k.projects.get(pid, {})
        found: list[ProjectInfo] = []
        for code in codes:
            if code.startswith("*."):
                found.extend(p for c, p in sorted(projects.items()) if c.endswith(code[1:]))
            else:
                if code in projects:
                    found.append(projects[code])
                # A project led through its sub-projects: list them with their leads.
                found.extend(p for c, p in sorted(projects.items()) if c.startswith(code + "."))
        if not found:
            continue
        blocks = []
        for p in found:
            text = f"{project_label(p.code)}: {p.name}" if p.name else project_label(p.code)
            if p.lead_name:
                text += "\n" + _("Lead: {unit}").format(unit=p.lead_name)
            partners = project_partners(k, pid, p.code)
            if partners:
                text += "\n" + _("Support: {units}").format(units=", ".join(partners))
            blocks.append(text)
        # "Dự án 3 ai chủ trì": the project asked, not its sub-projects listed after it.
        asked = found[0].code in codes or len(found) == 1
        lead = found[0].lead_name if asked else None
        return pack(blocks, cite(k.plans[pid])), lead
    label = ", ".join(project_label(c.replace("*.", "?.")) for c in codes)
    return [Reply(_("The plan does not describe {project}.").format(project=label))], None


async def status_answer(
    session: AsyncSession, place: AskerPlace, role: str | None, today: dt.date
) -> tuple[list[Reply], str | None]:
    """Hamlets of the asker's commune with no report for this month (leaders, officers, admins)."""
    if role not in ("leader", "officer", "admin"):
        return [Reply(_("Only the commune's leaders and officers can see who has not reported."))], None
    commune = next((u for u in place.chain if u.kind == "commune"), None)
    if commune is None:
        return [Reply(_("I do not know your commune yet."))], None
    spec = period_of("month", today)
    label = period_label(spec)
    hamlets = (
        (
            await session.execute(
                select(Unit).where(Unit.parent_id == commune.id, Unit.kind == "hamlet").order_by(Unit.name)
            )
        )
        .scalars()
        .all()
    )
    period = (await session.execute(select(Period).where(Period.code == spec.code))).scalar_one_or_none()
    reported: set[int] = set()
    if period is not None and hamlets:
        rows = await session.execute(
            select(Report.unit_id).where(Report.period_id == period.id, Report.unit_id.in_([h.id for h in hamlets]))
        )
        reported = {r[0] for r in rows}
    missing = [h for h in hamlets if h.id not in reported]
    if not hamlets:
        return [Reply(_("{commune} has no hamlet registered.").format(commune=commune.name))], commune.name
    if not missing:
        text = _("All {n} hamlets of {commune} have reported for {period}.").format(
            n=len(hamlets), commune=commune.name, period=label
        )
        return [Reply(text)], commune.name
    blocks = [
        _("{missing}/{total} hamlets of {commune} have not reported for {period}:").format(
            missing=len(missing), total=len(hamlets), commune=commune.name, period=label
        )
    ]
    blocks.append("\n".join(f"{i}. {h.name}" for i, h in enumerate(missing, start=1)))
    return pack(blocks, ""), commune.name


def project_partners(k: Knowledge, plan_id: int, code: str) -> list[str]:
    """Units that support a project: those holding a support role in the tasks of that project."""
    names: list[str] = []
    for task, _words in k.tasks.get(plan_id, []):
        if code not in task.projects:
            continue
        for holder, role in k.holders.get(task.id, []):
            info = k.units.get(holder)
            if role == "support" and info is not None and info.name not in names:
                names.append(info.name)
    return names

"""Answers about one unit's part in the plans, phone-sized: the direct answer first, the text on request.

The first message says what was asked (how many tasks, which projects the unit leads, whom it works
with) in a few lines; the tasks follow in short form; "chi tiết 2 <đơn vị>" (or the button) gives the
full text of a task. A unit the plan does not name is said so, with the nearest names offered; a member
organisation of the Mặt trận gets its umbrella's tasks, saying so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.questions.knowledge import Duty, Knowledge
from handlers.questions.replies import cite, pack, project_label
from locales.i18n import _, ngettext
from locales.messages import Button, Reply

# The first message (the direct answer) stays under this many characters.
FIRST_MESSAGE = 600
# The tasks that follow share one message of this size (each full text is one "chi tiết" away).
LIST_MESSAGE = 3400
# No task is cut shorter than this.
MIN_TASK = 110
# A task in a list of partners is cut here.
SHORT_TASK = 320
# A title line of the first message.
TITLE = 70
_DIGITS = re.compile(r"^\d{1,2}$")


@dataclass(frozen=True)
class UnitQuery:
    """What is asked about a unit: everything, only what it leads, supports, its partners, its projects,
    or the full text (``detail``: a task number, 0 for all)."""

    focus: str = "all"  # "all" | "lead" | "support" | "partners" | "projects"
    detail: int | None = None
    unit_ids: tuple[int, ...] = ()  # the unit asked about (its ids under every name it has)


def task_dict(duty: Duty, unit: str) -> dict[str, object]:
    """A task as the CLI and tests see it."""
    return {
        "unit": unit,
        "role": duty.role,
        "text": duty.task.text,
        "time_frame": duty.task.time_frame,
        "projects": list(duty.task.projects),
        "plan_id": duty.task.plan_id,
        "section": duty.task.section,
        "paragraph": duty.task.paragraph,
    }


def ordered(duties: list[Duty], plan_ids: list[int] | None = None) -> list[Duty]:
    """One duty per task, lead before support before partner, plans in the order asked."""
    rank = {"lead": 0, "support": 1, "partner": 2}
    best: dict[int, Duty] = {}
    for duty in duties:
        held = best.get(duty.task.id)
        if held is None or rank.get(duty.role, 1) < rank.get(held.role, 1):
            best[duty.task.id] = duty
    order = {pid: i for i, pid in enumerate(plan_ids or [])}
    return sorted(
        best.values(),
        key=lambda d: (order.get(d.task.plan_id, len(order)), rank.get(d.role, 1), d.task.position),
    )


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def _clip_lines(text: str, limit: int) -> str:
    """Cut a few lines to ``limit`` characters, keeping the line breaks."""
    if len(text) <= limit:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        room = limit - sum(len(x) + 1 for x in out)
        if room < 20:
            break
        out.append(_clip(line, room))
    return "\n".join(out)


def _title(text: str) -> str:
    first = re.split(r"(?<=[.;])\s", " ".join(text.split()), maxsplit=1)[0]
    return _clip(first.rstrip(".;"), TITLE)


def _block(n: int, duty: Duty, limit: int | None) -> str:
    """ "2. <the task as the plan words it>", then its time and projects."""
    text = duty.task.text if limit is None else _clip(duty.task.text, limit) if limit else ""
    lines = [f"{n}. {text}"]
    if duty.task.time_frame:
        lines.append("   " + _("Time: {time}").format(time=duty.task.time_frame))
    if duty.task.projects:
        lines.append(
            "   " + _("Project: {projects}").format(projects=", ".join(map(project_label, duty.task.projects)))
        )
    return "\n".join(lines)


def _with_roles(duties: list[Duty], blocks: list[str]) -> list[str]:
    """The blocks under "Chủ trì:" and "Phối hợp:" headings, in the order given (lead first)."""
    out: list[str] = []
    heading = ""
    for duty, block in zip(duties, blocks, strict=True):
        title = _("Leads:") if duty.role == "lead" else _("Supports:")
        out.append(f"{title}\n{block}" if title != heading else block)
        heading = title
    return out


def _more_button(unit: str) -> list[list[Button]]:
    return [[Button(_("Full text"), _("details {unit}").format(unit=unit))]]


def _header(unit: str, duties: list[Duty]) -> str:
    lead = sum(d.role == "lead" for d in duties)
    support = len(duties) - lead
    head = ngettext("{unit}: {n} task", "{unit}: {n} tasks", len(duties)).format(unit=unit, n=len(duties))
    return head + " " + _("(leads {lead}, supports {support}).").format(lead=lead, support=support)


def _first_message(lines: list[str], titles: list[str], hint: str) -> str:
    """Lines, then as many numbered titles as fit, then the hint, under ``FIRST_MESSAGE``."""
    text = _clip_lines("\n".join(lines), FIRST_MESSAGE - len(hint) - 1)
    shown = 0
    for title in titles:
        if len(text) + len(title) + len(hint) + 32 > FIRST_MESSAGE:  # room for "…và N nhiệm vụ khác."
            break
        text += "\n" + title
        shown += 1
    if shown < len(titles):
        text += "\n" + _("…and {n} more.").format(n=len(titles) - shown)
    return f"{text}\n{hint}" if hint else text


def _budgets(duties: list[Duty], total: int) -> list[int]:
    """Share ``total`` characters among the tasks: short ones whole, long ones cut to what is left."""
    sizes = [len(" ".join(d.task.text.split())) for d in duties]
    limits = [0] * len(sizes)
    left, pending = total, sorted(range(len(sizes)), key=lambda i: sizes[i])
    while pending:
        share = max(MIN_TASK, left // len(pending))
        i = pending.pop(0)
        limits[i] = min(sizes[i], share)
        left -= limits[i]
    return limits


def _short_list(
    k: Knowledge, unit: str, duties: list[Duty], lines: list[str], titles: list[str], hint: str
) -> list[Reply]:
    """One message when everything fits a screen; else the direct answer (``lines`` and the task
    titles) first, then the tasks cut to share one message, then the source."""
    plan_ids = list(dict.fromkeys(d.task.plan_id for d in duties))
    footer = "\n".join(cite(k.plans[pid]) for pid in plan_ids)
    # What each block adds around its text (number, time, projects), the blank lines and the headings.
    extras = sum(len(_block(i, d, 0)) + 2 for i, d in enumerate(duties, start=1)) + 40
    limits = _budgets(duties, LIST_MESSAGE - len(footer) - extras)
    blocks = _with_roles(duties, [_block(i, d, n) for i, (d, n) in enumerate(zip(duties, limits, strict=True), 1)])
    whole = "\n\n".join(["\n".join(lines), *blocks, footer])
    if len(whole) <= FIRST_MESSAGE + 50:
        return [Reply(whole, buttons=_more_button(unit))]
    rest = pack(blocks, footer)
    rest[-1].buttons = _more_button(unit)
    return [Reply(_first_message(lines, titles, hint)), *rest]


def unit_answer(
    k: Knowledge,
    unit: str,
    duties: list[Duty],
    led: list[str],
    query: UnitQuery,
    plan_ids: list[int],
    intro: str = "",
) -> tuple[list[Reply], list[dict[str, object]]]:
    """What ``unit`` does, narrowed to what was asked; ``intro`` opens the first message."""
    everything = ordered(duties, plan_ids)
    own = [d for d in everything if d.role != "partner"]
    named_in = [d for d in everything if d.role == "partner"]
    if query.detail is not None:
        return _details(k, unit, own or named_in, query.detail)
    if query.focus == "projects":
        return _projects(k, unit, own, led), [task_dict(d, unit) for d in own if d.task.projects]
    if query.focus == "partners":
        return _partners(k, unit, everything, set(query.unit_ids))
    chosen = own
    lines: list[str] = [intro] if intro else []
    if query.focus in ("lead", "support"):
        wanted = {"lead"} if query.focus == "lead" else {"support", "partner"}
        chosen = [d for d in everything if d.role in wanted]
        if not chosen and own:
            what = _("leads no task") if query.focus == "lead" else _("supports no task")
            lines.append(_("The plan says {unit} {what}; its tasks:").format(unit=unit, what=what))
            chosen = own
    if not chosen and named_in:
        lines.append(_("The plan gives {unit} no task of its own; it is named as a partner in:").format(unit=unit))
        chosen = named_in
    if not chosen:
        return [Reply(_("The plan gives {unit} no task of its own.").format(unit=unit))], []
    lines.append(_header(unit, chosen))
    if led and query.focus != "support":
        # Labels only here ("Dự án 1, Dự án 7 – Tiểu dự án 2"); "chủ trì dự án nào" gets the names.
        labels = [name.split(" (", 1)[0] for name in led]
        lines.append(_("Leads the projects: {projects}").format(projects=", ".join(labels)))
    # The index of the first message: "2) <title>…"; the numbered tasks ("2. …") follow in full words.
    titles = [f"{i}) {_title(d.task.text)}" for i, d in enumerate(chosen, start=1)]
    hint = _("Type a task's number (e.g. “2”) for its full text.") if len(chosen) > 1 else ""
    return _short_list(k, unit, chosen, lines, titles, hint), [task_dict(d, unit) for d in chosen]


def _details(k: Knowledge, unit: str, duties: list[Duty], number: int) -> tuple[list[Reply], list[dict[str, object]]]:
    if number and not 1 <= number <= len(duties):
        text = _("{unit} has {n} tasks: choose a number from 1 to {n}.").format(unit=unit, n=len(duties))
        return [Reply(text)], []
    chosen = list(enumerate(duties, start=1)) if not number else [(number, duties[number - 1])]
    blocks = [_block(i, d, None) for i, d in chosen]
    plan_ids = list(dict.fromkeys(d.task.plan_id for _i, d in chosen))
    footer = "\n".join(cite(k.plans[pid]) for pid in plan_ids)
    return pack([unit + ":", *blocks], footer), [task_dict(d, unit) for _i, d in chosen]


def _projects(k: Knowledge, unit: str, own: list[Duty], led: list[str]) -> list[Reply]:
    supported = list(dict.fromkeys(
        code for d in own if d.role != "lead" for code in d.task.projects
    ))
    lines = []
    if led:
        lines.append(_("{unit} leads: {projects}.").format(unit=unit, projects="; ".join(led)))
    else:
        lines.append(_("The plan makes {unit} lead no project.").format(unit=unit))
    if supported:
        lines.append(_("It supports: {projects}.").format(projects=", ".join(map(project_label, supported))))
    plan_ids = list(dict.fromkeys(d.task.plan_id for d in own)) or list(k.plans)[:1]
    footer = "\n".join(cite(k.plans[pid]) for pid in plan_ids if pid in k.plans)
    return pack(["\n".join(lines)], footer)


def _partners(
    k: Knowledge, unit: str, duties: list[Duty], own_ids: set[int]
) -> tuple[list[Reply], list[dict[str, object]]]:
    """Whom the unit works with, and in which of its tasks (itself under another name excluded)."""
    by_partner: dict[str, list[int]] = defaultdict(list)
    own_keys = {k.group_keys[i] for i in own_ids if i < 0}
    for n, duty in enumerate(duties, start=1):
        for holder, _role in k.holders.get(duty.task.id, []):
            info = k.units.get(holder)
            same = holder in own_ids or (holder < 0 and k.group_keys[holder] in own_keys)
            if info is None or info.name == unit or same:
                continue
            if n not in by_partner[info.name]:
                by_partner[info.name].append(n)
    if not by_partner:
        text = _("The plan names no unit that {unit} works with.").format(unit=unit)
        return [Reply(text)], []
    parts = [
        _("{name} (tasks {numbers})").format(name=name, numbers=", ".join(map(str, numbers)))
        for name, numbers in by_partner.items()
    ]
    first = _clip(_("{unit} works with: {partners}.").format(unit=unit, partners="; ".join(parts)), FIRST_MESSAGE)
    if len(blocks_text := "\n\n".join(_block(n, duties[n - 1], SHORT_TASK) for n in sorted(
            {n for numbers in by_partner.values() for n in numbers}))) + len(first) < FIRST_MESSAGE:
        footer = "\n".join(cite(k.plans[pid]) for pid in dict.fromkeys(d.task.plan_id for d in duties))
        used = sorted({n for numbers in by_partner.values() for n in numbers})
        return [Reply(f"{first}\n\n{blocks_text}\n\n{footer}")], [task_dict(duties[n - 1], unit) for n in used]
    used = sorted({n for numbers in by_partner.values() for n in numbers})
    chosen = [duties[n - 1] for n in used]
    blocks = [_block(n, duties[n - 1], SHORT_TASK) for n in used]
    plan_ids = list(dict.fromkeys(d.task.plan_id for d in chosen))
    footer = "\n".join(cite(k.plans[pid]) for pid in plan_ids)
    return [Reply(first), *pack(blocks, footer)], [task_dict(d, unit) for d in chosen]


def not_named(span: str, closest: list[str]) -> list[Reply]:
    """The plan has no unit of this name: say so and offer the nearest names (never another unit's tasks)."""
    text = _("The plan gives no task to “{name}”.").format(name=span)
    if not closest:
        return [Reply(text)]
    text += "\n" + _("Did you mean: {names}?").format(names="; ".join(closest))
    buttons = [[Button(name, _("tasks of {unit}").format(unit=name))] for name in closest]
    return [Reply(text, buttons=buttons)]


def umbrella_intro(member: str, umbrella: str) -> str:
    """ "Hội Phụ nữ" is not named on its own: its umbrella's tasks follow."""
    return _("The plan gives {member} no task on its own; {member} is a member organisation of the Front, "
             "so these are the tasks of {umbrella}:").format(member=member, umbrella=umbrella)


def detail_number(tokens: Sequence[str]) -> int:
    """The task number in "chi tiết 2" (0: every task)."""
    return next((int(t) for t in tokens if _DIGITS.match(t)), 0)

"""Reminders and summaries as queries: at a given moment, which outbox rows are due, and writing them.

Nothing here is a timer. For each commune, the calendar says whether today is a reminder day of a
period (some days before the hamlets' deadline, on it, then daily up to a limit) or a summary day
(the day after the deadline, and every Monday); the reports say which hamlets are still missing.
Each decision has a dedupe key (kind, period, day, chat), and rows are inserted with ON CONFLICT DO
NOTHING in the transaction that decided them: two workers deciding the same reminder write it once.
No row is decided in the quiet hours, and a hamlet that has reported is never reminded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.summaries import build_summary
from handlers.summary_chart import chart_or_none
from handlers.summary_render import summary_text
from locales.i18n import _, current_language, fmt_date, fmt_number, ngettext, set_language
from locales.profiles import profile_of, push_transports
from storage.calendar import CalendarRules, _plan_overrides, calendar_for, local
from storage.models import (
    GroupBinding,
    Identity,
    IndicatorSet,
    Membership,
    OutboxMessage,
    Period,
    Person,
    Plan,
    PlanDeadline,
    Report,
    Unit,
)
from storage.periods import PeriodSpec, following, period_label, period_of, previous
from storage.reporting_scope import area_hamlets, filed_reports, hamlet_set

START_REPORT_BUTTON = "report:start"
LEADER_ROLES = ("leader", "admin")


@dataclass(frozen=True)
class Planned:
    """One outbox row a rule decided to write, with who it is for (for ``remind --dry-run``)."""

    dedupe_key: str
    transport: str
    chat_id: str
    chat_type: str
    text: str
    audience: str
    unit_id: int
    buttons: list[Any] | None = None
    attachment: bytes | None = None
    attachment_name: str | None = None
    attachment_kind: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def language(code: str) -> Iterator[None]:
    """Render in ``code`` for the duration of the block, then restore the caller's language."""
    before = current_language()
    set_language(code)
    try:
        yield
    finally:
        set_language(before)


def _candidates(kind: str, today: dt.date) -> list[PeriodSpec]:
    current = period_of(kind, today)
    return [previous(current), current, following(current)]


def due_reminder_periods(rules: CalendarRules, kind: str, now: dt.datetime) -> list[PeriodSpec]:
    """The periods whose reminder falls today and whose reminder time has come (none in quiet hours)."""
    if rules.is_quiet(now):
        return []
    today = local(now).date()
    if now < rules.remind_moment(today):
        return []
    return [p for p in _candidates(kind, today) if today in rules.reminder_days(p)]


def due_summaries(rules: CalendarRules, kind: str, now: dt.datetime) -> list[tuple[str, PeriodSpec]]:
    """The leaders' summaries due today: the day after a deadline ("deadline"), on Mondays ("weekly")."""
    if rules.is_quiet(now):
        return []
    today = local(now).date()
    if now < rules.summary_moment(today):
        return []
    out = [("deadline", p) for p in _candidates(kind, today)
           if rules.hamlet_deadline(p) + dt.timedelta(days=1) == today]
    if today.weekday() == 0 and not out:
        # The period whose deadline is nearest (a week after the deadline, late reports still matter).
        nearest = min(_candidates(kind, today), key=lambda p: (abs((rules.hamlet_deadline(p) - today).days),
                                                              p.starts_on))
        out.append(("weekly", nearest))
    return out


def _group_text(period: PeriodSpec, deadline: dt.date, today: dt.date, missing: list[str]) -> str:
    label = period_label(period)
    if today < deadline:
        days = (deadline - today).days
        head = ngettext(
            "Reminder: the {period} report is due on {deadline} (in {days} day).",
            "Reminder: the {period} report is due on {deadline} (in {days} days).", days,
        ).format(period=label, deadline=fmt_date(deadline), days=fmt_number(days))
    elif today == deadline:
        head = _("Today, {deadline}, is the deadline of the {period} report.").format(
            period=label, deadline=fmt_date(deadline))
    else:
        days = (today - deadline).days
        head = ngettext(
            "The {period} report was due on {deadline}, {days} day ago.",
            "The {period} report was due on {deadline}, {days} days ago.", days,
        ).format(period=label, deadline=fmt_date(deadline), days=fmt_number(days))
    count = ngettext("{count} hamlet has not reported yet:", "{count} hamlets have not reported yet:",
                     len(missing)).format(count=fmt_number(len(missing)))
    return "\n".join([head, count, *("• " + name for name in missing)])


def _private_text(period: PeriodSpec, deadline: dt.date, today: dt.date, hamlet: str) -> str:
    label = period_label(period)
    if today <= deadline:
        text = _("{hamlet} has not sent its {period} report yet. It is due on {deadline}.")
    else:
        text = _("{hamlet} has not sent its {period} report yet. It was due on {deadline}; "
                 "please send it now.")
    body = text.format(hamlet=hamlet, period=label, deadline=fmt_date(deadline))
    return body + "\n" + _("Press the button below to start.")


async def _bindings(session: AsyncSession, commune_id: int, purpose: str) -> list[GroupBinding]:
    query = select(GroupBinding).where(GroupBinding.unit_id == commune_id, GroupBinding.purpose == purpose)
    return list((await session.scalars(query.order_by(GroupBinding.id))).all())


async def _reporters(session: AsyncSession, hamlet_ids: list[int]) -> list[tuple[int, Person, Identity]]:
    query = (
        select(Membership.unit_id, Person, Identity)
        .join(Person, Person.id == Membership.person_id)
        .join(Identity, Identity.person_id == Person.id)
        .where(Membership.unit_id.in_(hamlet_ids), Membership.role == "reporter",
               Identity.transport.in_(push_transports()))
        .order_by(Membership.unit_id, Identity.id)
    )
    return [(unit_id, person, identity) for unit_id, person, identity in (await session.execute(query)).all()]


@dataclass(frozen=True)
class Target:
    """Where one copy of a leaders' summary goes: the leaders' group, or one leader privately."""

    transport: str
    chat_id: str
    chat_type: str
    language: str
    audience: str


async def leader_targets(session: AsyncSession, unit_id: int, purpose: str, label: str = "") -> list[Target]:
    """The groups bound to ``unit_id`` for ``purpose``, and each of its leaders and admins (privately) on a
    transport that has no such group; ``label`` prefixes a leader's audience ("province leader 7") —
    commune and province summaries reach their people the same way."""
    bindings = await _bindings(session, unit_id, purpose)
    targets = [Target(b.transport, b.chat_id, "group", b.language, f"{purpose} group {b.chat_id}")
               for b in bindings]
    grouped = {b.transport for b in bindings}
    # A transport that cannot post to a group (an ordinary Zalo bot: getMe says can_join_groups false)
    # and has no such group here: its summaries go to each leader privately.
    without = [t for t in push_transports() if not profile_of(t).groups and t not in grouped]
    if without:
        query = (
            select(Person, Identity)
            .join(Identity, Identity.person_id == Person.id)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.unit_id == unit_id, Membership.role.in_(LEADER_ROLES),
                   Identity.transport.in_(without))
            .order_by(Identity.id)
        )
        seen: set[tuple[str, str]] = set()
        for person, identity in (await session.execute(query)).all():
            if (identity.transport, identity.external_id) not in seen:
                seen.add((identity.transport, identity.external_id))
                targets.append(Target(identity.transport, identity.external_id, "private",
                                      person.language or "vi", f"{label}leader {person.id}"))
    return targets


async def _existing(session: AsyncSession, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    query = select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
    return set((await session.scalars(query)).all())


async def _commune_reminders(
    session: AsyncSession, commune: Unit, now: dt.datetime, rules: CalendarRules, hamlet_set_row: IndicatorSet
) -> list[Planned]:
    today = local(now).date()
    planned: list[Planned] = []
    for period in due_reminder_periods(rules, hamlet_set_row.period_kind, now):
        hamlets = await area_hamlets(session, commune.id)
        done = {f.unit_id for f in await filed_reports(session, commune.id, hamlet_set_row.code, [period])}
        missing = [h for h in hamlets if h.id not in done]
        if not missing:
            continue
        deadline = rules.hamlet_deadline(period)
        for binding in await _bindings(session, commune.id, "hamlets"):
            with language(binding.language):
                text = _group_text(period, deadline, today, [h.name for h in missing])
            planned.append(Planned(
                dedupe_key=f"remind:group:{period.code}:{today.isoformat()}:{binding.transport}:{binding.chat_id}",
                transport=binding.transport, chat_id=binding.chat_id, chat_type="group", text=text,
                audience=f"hamlets group {binding.chat_id}", unit_id=commune.id,
            ))
        names = {h.id: h.name for h in missing}
        for hamlet_id, person, identity in await _reporters(session, list(names)):
            with language(person.language):
                text = _private_text(period, deadline, today, names[hamlet_id])
                buttons = [[{"label": _("Start the report"), "data": START_REPORT_BUTTON}]]
            planned.append(Planned(
                dedupe_key=(f"remind:private:{period.code}:{today.isoformat()}:{hamlet_id}:"
                            f"{identity.transport}:{identity.external_id}"),
                transport=identity.transport, chat_id=identity.external_id, chat_type="private", text=text,
                audience=f"{person.display_name or person.id} ({names[hamlet_id]})", unit_id=hamlet_id,
                buttons=buttons,
            ))
    return planned


async def _commune_summaries(
    session: AsyncSession, commune: Unit, now: dt.datetime, with_chart: bool, rules: CalendarRules,
    hamlet_set_row: IndicatorSet,
) -> list[Planned]:
    today = local(now).date()
    due = due_summaries(rules, hamlet_set_row.period_kind, now)
    targets = await leader_targets(session, commune.id, "leaders") if due else []
    planned: list[Planned] = []
    for reason, period in due:
        keyed = [(f"summary:{reason}:{period.code}:{today.isoformat()}:{t.transport}:{t.chat_id}", t)
                 for t in targets]
        existing = await _existing(session, [key for key, _t in keyed])
        todo = [(key, t) for key, t in keyed if key not in existing]
        if not todo:
            continue
        for key, target in todo:
            with language(target.language):
                # Built without the hamlets' notes: no group message ever holds one.
                summary = await build_summary(session, commune, period, now, per_hamlet_values=False)
                text = summary_text(summary)
                caption = _("Chart: {period}").format(period=period_label(period))
                # A chart that cannot be drawn is left out; the text summary still goes.
                png = await asyncio.to_thread(chart_or_none, summary) if with_chart else None
            text_row = Planned(
                dedupe_key=key, transport=target.transport, chat_id=target.chat_id, chat_type=target.chat_type,
                text=text, audience=target.audience, unit_id=commune.id,
            )
            planned.append(text_row)
            if png is not None:
                # A second row: a photo caption holds 1024 characters at most, the summary needs more.
                planned.append(replace(
                    text_row, dedupe_key=key + ":chart", text=caption, attachment=png,
                    attachment_name=f"tonghop-{period.code}.png", attachment_kind="photo",
                ))
    return planned


async def commune_ids(session: AsyncSession) -> list[int]:
    """The ids of every commune (the scheduler decides one commune per transaction)."""
    return list((await session.scalars(select(Unit.id).where(Unit.kind == "commune").order_by(Unit.id))).all())


async def due_commune_ids(session: AsyncSession, now: dt.datetime) -> list[int]:
    """The communes with a reminder or a summary period due at ``now``, from three queries in all.

    Each commune's calendar (``calendar_for``: its and its parents' plans, then its own settings) and
    the period kind of its hamlet set (``hamlet_set``) are rebuilt from every area, every plan deadline
    and every hamlet set read at once, so a tick asks nothing per commune on a day nothing is due. A
    commune whose calendar cannot be read is listed: deciding it alone says what is wrong with it.
    """
    rows = await session.execute(
        select(Unit.id, Unit.parent_id, Unit.kind, Unit.settings).where(Unit.kind != "hamlet")
    )
    areas: dict[int, tuple[int | None, str, dict[str, Any] | None]] = {
        unit_id: (parent_id, kind, settings) for unit_id, parent_id, kind, settings in rows.all()
    }
    deadlines: dict[int, list[tuple[str, str]]] = {}
    query = (
        select(PlanDeadline.kind, PlanDeadline.due, Plan.area_id)
        .join(Plan, Plan.id == PlanDeadline.plan_id)
        .where(PlanDeadline.kind.in_(("quarter", "half", "year")))
        .order_by(Plan.issued_on.desc().nulls_last(), Plan.id.desc())
    )
    for kind, due, area_id in (await session.execute(query)).all():
        deadlines.setdefault(area_id, []).append((kind, due))
    set_kinds: dict[int, str] = {}
    query_sets = (
        select(IndicatorSet.owner_id, IndicatorSet.period_kind)
        .where(IndicatorSet.unit_kind == "hamlet")
        .order_by((IndicatorSet.period_kind != "month"), IndicatorSet.id)
    )
    for owner_id, period_kind in (await session.execute(query_sets)).all():
        set_kinds.setdefault(owner_id, period_kind)
    found: list[int] = []
    # Thousands of communes share a handful of calendars (most have none of their own): each distinct
    # (plan deadlines, settings, set kind) is decided once per tick.
    decided: dict[str, bool] = {}
    for unit_id in sorted(areas):
        parent_id, kind, settings = areas[unit_id]
        if kind != "commune":
            continue
        chain = [unit_id]
        while parent_id is not None and parent_id in areas and len(chain) < 10:
            chain.append(parent_id)
            parent_id = areas[parent_id][0]
        set_kind = next((set_kinds[owner] for owner in chain if owner in set_kinds), None)
        if set_kind is None:
            continue
        plan_rows = [row for owner in chain for row in deadlines.get(owner, [])]
        own = (settings or {}).get("calendar") or {}
        try:
            key = json.dumps([plan_rows, own, set_kind], sort_keys=True, default=str)
        except (TypeError, ValueError):
            key = f"commune:{unit_id}"
        if key not in decided:
            try:
                calendar = dict(_plan_overrides(plan_rows))
                calendar.update(own)
                rules = CalendarRules.from_settings({"calendar": calendar})
                decided[key] = bool(due_reminder_periods(rules, set_kind, now) or due_summaries(rules, set_kind, now))
            except Exception:
                # Decided alone, where its error is logged.
                decided[key] = True
        if decided[key]:
            found.append(unit_id)
    return found


async def due_messages(
    session: AsyncSession, now: dt.datetime, with_chart: bool = True, commune_id: int | None = None
) -> list[Planned]:
    """Every reminder and summary due at ``now`` (for one commune or all) that is not in the outbox yet."""
    query = select(Unit).where(Unit.kind == "commune").order_by(Unit.id)
    if commune_id is not None:
        query = query.where(Unit.id == commune_id)
    communes = (await session.scalars(query)).all()
    if commune_id is None:
        due = set(await due_commune_ids(session, now))
        communes = [commune for commune in communes if commune.id in due]
    planned: list[Planned] = []
    for commune in communes:
        # Read once for both: a reminder morning decides hundreds of communes.
        rules = await calendar_for(session, commune)
        hamlet_set_row = await hamlet_set(session, commune)
        if hamlet_set_row is None:
            continue
        planned += await _commune_reminders(session, commune, now, rules, hamlet_set_row)
        planned += await _commune_summaries(session, commune, now, with_chart, rules, hamlet_set_row)
    existing = await _existing(session, [p.dedupe_key for p in planned])
    return [p for p in planned if p.dedupe_key not in existing]


async def write_due(
    session: AsyncSession, now: dt.datetime, with_chart: bool = True, commune_id: int | None = None
) -> list[Planned]:
    """Insert every due row (a row another worker wrote already is skipped); return those inserted."""
    planned = await due_messages(session, now, with_chart, commune_id)
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    written: list[Planned] = []
    for item in planned:
        statement = insert(OutboxMessage).values(
            transport=item.transport, chat_id=item.chat_id, chat_type=item.chat_type, text=item.text,
            buttons=item.buttons, attachment=item.attachment, attachment_name=item.attachment_name,
            attachment_kind=item.attachment_kind, dedupe_key=item.dedupe_key, created_at=now,
            available_at=now, attempts=0, unit_id=item.unit_id,
        ).on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = await session.execute(statement)
        if getattr(result, "rowcount", 0):
            written.append(item)
    return written


async def obsolete_reminders(session: AsyncSession, rows: list[OutboxMessage]) -> set[int]:
    """Of ``rows`` about to be sent, the private reminders whose hamlet has filed that period since."""
    wanted: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        parts = row.dedupe_key.split(":")
        if parts[:2] == ["remind", "private"] and row.unit_id is not None:
            wanted.setdefault((row.unit_id, parts[2]), []).append(row.id)
    if not wanted:
        return set()
    query = (
        select(Report.unit_id, Period.code)
        .join(Period, Period.id == Report.period_id)
        .where(Report.unit_id.in_({u for u, _p in wanted}), Period.code.in_({p for _u, p in wanted}))
    )
    filed = {(unit_id, code) for unit_id, code in (await session.execute(query)).all()}
    return {row_id for key, ids in wanted.items() if key in filed for row_id in ids}

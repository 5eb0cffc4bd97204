"""The province summaries the scheduler pushes: the day after each deadline of the communes' reports.

The database is asked which provinces have anyone to tell (a province leaders' group, or a province
leader on a messenger whose bot cannot join groups, who gets it privately): a few rows, never a walk
over the communes. For each, its calendar (``calendar_for``: its plans' deadlines, then its settings)
says whether yesterday was the deadline of a month, a quarter, a half-year or the year (of periods ending
the same day only the longest, as the commune police file only its report). Each row has a
dedupe key (``province:<reason>:<period>:<day>:<transport>:<chat>``) and is inserted with ON CONFLICT DO
NOTHING, so two workers or a restarted tick write it once. Nothing is decided in the quiet hours.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.province_render import province_png_or_none, province_text
from handlers.province_summary import ProvinceSummaryError, build_province_summary
from handlers.reminders import LEADER_ROLES, Planned, Target, language, leader_targets
from locales.i18n import _
from locales.profiles import profile_of, push_transports
from storage.calendar import CalendarRules, calendar_for, local
from storage.models import GroupBinding, Identity, Membership, OutboxMessage, Unit
from storage.periods import PeriodSpec, period_label, period_of, previous

PROVINCE = "province"
# The longest first: on 16/12 the year's summary says what the fourth quarter's and the second half's would.
KINDS = ("year", "half", "quarter", "month")
log = logging.getLogger(__name__)


def due_periods(rules: CalendarRules, now: dt.datetime) -> list[PeriodSpec]:
    """The periods whose communes' deadline was yesterday, once the summary time has come (none at night)."""
    if rules.is_quiet(now):
        return []
    today = local(now).date()
    if now < rules.summary_moment(today):
        return []
    yesterday = today - dt.timedelta(days=1)
    found: list[PeriodSpec] = []
    for kind in KINDS:
        current = period_of(kind, yesterday)
        for period in (previous(current), current):
            # The commune police file only the longest report of periods ending the same day (the year's for
            # the fourth quarter and the second half): its summary says theirs. Months are their own report.
            said = kind != "month" and any(p.kind != "month" and p.ends_on == period.ends_on for p in found)
            if rules.commune_deadline(period) == yesterday and not said:
                found.append(period)
    return found


def _private_transports() -> list[str]:
    return [t for t in push_transports() if not profile_of(t).groups]


async def province_ids_with_audience(session: AsyncSession) -> list[int]:
    """The provinces with a leaders' group, or a leader on a messenger without groups (one query)."""
    grouped = select(GroupBinding.unit_id.label("unit_id")).where(GroupBinding.purpose == PROVINCE)
    private = _private_transports()
    query = grouped
    if private:
        leaders = (
            select(Membership.unit_id.label("unit_id"))
            .join(Unit, Unit.id == Membership.unit_id)
            .join(Identity, Identity.person_id == Membership.person_id)
            .where(Unit.kind == PROVINCE, Membership.role.in_(LEADER_ROLES), Identity.transport.in_(private))
        )
        query = union(grouped, leaders)  # type: ignore[assignment]
    rows = (await session.execute(query)).scalars().all()
    return sorted({int(unit_id) for unit_id in rows})


async def province_targets(session: AsyncSession, province_id: int) -> list[Target]:
    """The province leaders' groups, and each province leader privately where their messenger has no group."""
    return await leader_targets(session, province_id, PROVINCE, label="province ")


async def province_due(session: AsyncSession, province: Unit, now: dt.datetime, with_chart: bool = True
                       ) -> list[Planned]:
    """The province summaries due at ``now`` for ``province`` that are not in the outbox yet."""
    periods = due_periods(await calendar_for(session, province), now)
    if not periods:
        return []
    targets = await province_targets(session, province.id)
    today = local(now).date().isoformat()
    planned: list[Planned] = []
    for period in periods:
        keyed = [(f"province:deadline:{period.code}:{today}:{t.transport}:{t.chat_id}", t) for t in targets]
        existing = set((await session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_([key for key, _t in keyed])))).all()) if keyed else set()
        for key, target in keyed:
            if key in existing:
                continue
            with language(target.language):
                try:
                    summary = await build_province_summary(session, province, period, now)
                except ProvinceSummaryError:
                    return []  # no commune of the province has the police's report set: nothing to say
                text = province_text(summary)
                caption = _("Chart: {period}").format(period=period_label(period))
                png = await asyncio.to_thread(province_png_or_none, summary) if with_chart else None
            row = Planned(dedupe_key=key, transport=target.transport, chat_id=target.chat_id,
                          chat_type=target.chat_type, text=text, audience=target.audience, unit_id=province.id)
            planned.append(row)
            if png is not None:
                planned.append(Planned(
                    dedupe_key=key + ":chart", transport=target.transport, chat_id=target.chat_id,
                    chat_type=target.chat_type, text=caption, audience=target.audience, unit_id=province.id,
                    attachment=png, attachment_name=f"tonghop-tinh-{period.code}.png", attachment_kind="photo"))
    return planned


async def write_province_due(session: AsyncSession, province: Unit, now: dt.datetime,
                             with_chart: bool = True) -> list[Planned]:
    """Insert the province's due rows (a row another worker wrote is skipped); return those inserted."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    written: list[Planned] = []
    for item in await province_due(session, province, now, with_chart):
        statement = insert(OutboxMessage).values(
            transport=item.transport, chat_id=item.chat_id, chat_type=item.chat_type, text=item.text,
            buttons=None, attachment=item.attachment, attachment_name=item.attachment_name,
            attachment_kind=item.attachment_kind, dedupe_key=item.dedupe_key, created_at=now,
            available_at=now, attempts=0, unit_id=item.unit_id,
        ).on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = await session.execute(statement)
        if getattr(result, "rowcount", 0):
            written.append(item)
    return written


async def province_tick(sessions: async_sessionmaker[AsyncSession], now: dt.datetime) -> int:
    """Write every province summary due at ``now``, one province per transaction; return how many rows."""
    async with sessions() as session:
        ids = await province_ids_with_audience(session)
    written = 0
    for province_id in ids:
        try:
            async with sessions() as session, session.begin():
                province = await session.get(Unit, province_id)
                if province is None:
                    continue
                written += len(await write_province_due(session, province, now))
        except Exception:
            # One province's broken data must not stop the others' summaries.
            log.exception("province summaries of %s failed", province_id)
    return written

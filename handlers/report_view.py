"""``/xem``: the latest report of the sender's unit; for a commune's leaders and police, their commune.

A reporter or officer sees their own unit's latest report (``/xem tháng 10``: that month's). A leader,
an admin or the commune police (``access.reads_commune``) see the commune's overview for the current
month (who reported, totals, last month's gaps) with ``/xem``, one hamlet's report with ``/xem <thôn>``,
and may add a period: ``/xem tháng 11``, ``/xem Xóm 3 tháng 10``. Only in private chats: per-hamlet
figures never go to a group.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.report_text import period_name, summary_lines
from handlers.access import is_commune_police, may_read, reads_commune
from handlers.group_commands import default_period, period_out_of_range
from handlers.summaries import Summary, SummaryError, build_summary
from handlers.summary_brief import overview_text
from locales.i18n import _, fmt_date, fmt_datetime
from locales.messages import Reply
from storage import clock
from storage.calendar import calendar_for, local
from storage.models import Unit
from storage.people import Member, commune_of
from storage.periods import PeriodSpec, period_label, period_of, previous, split_period
from storage.reporting_scope import hamlet_set
from storage.reports import ReportView, indicator_set_for, latest_report, report_for, set_definition
from storage.units import best_matches, find_units, units_under

MAX_CHOICES = 5


async def view_report(session: AsyncSession, member: Member, argument: str, timezone: ZoneInfo,
                      now: dt.datetime | None = None) -> list[Reply]:
    """Show the latest report of the unit named in ``argument`` (the sender's own by default); a
    leader's or the commune police's ``/xem`` without a name shows their commune. ``now`` is the
    dispatcher's clock (the program clock when not given)."""
    now = now or clock.now()
    if reads_commune(member):
        return await _commune_view(session, member, argument, timezone, now)
    unit: Unit | None
    period, name = split_period(argument, local(now).date())
    if name:
        matches = await find_units(session, argument if period is None else name, kinds=("hamlet", "agency"))
        if member.commune_id is not None:
            # The member's own commune first: a hamlet of the same name elsewhere is never the one shown
            # (one found only elsewhere is refused below, as any unit the member may not read).
            in_commune = [u for u in matches if await commune_of(session, u) == member.commune_id]
            matches = in_commune or matches
        if not matches:
            return [Reply(_("I found no unit called “{name}”.").format(name=argument.strip()))]
        unit = next((u for u in matches if u.id == member.unit_id), matches[0])
    else:
        unit = await session.get(Unit, member.unit_id)
    assert unit is not None
    if not may_read(member, unit.id, await commune_of(session, unit), unit.kind):
        own = member.unit_name
        return [Reply(_("You can only see the reports of {unit}.").format(unit=own))]
    return await unit_report(session, unit, period, timezone)


async def unit_report(session: AsyncSession, unit: Unit, period: PeriodSpec | None, timezone: ZoneInfo,
                      deadline: dt.date | None = None) -> list[Reply]:
    """One unit's report of ``period`` (its latest when ``None``), every figure with its measure."""
    found = await indicator_set_for(session, unit)
    report: ReportView | None = None
    if found is not None:
        set_row, _indicators = found
        report = (await latest_report(session, unit.id) if period is None
                  else await report_for(session, unit.id, set_row.id, period.code))
    if report is None or found is None:
        if period is None:
            return [Reply(_("{unit} has not filed a report yet.").format(unit=unit.name))]
        text = _("{unit} has not filed the {period} report yet.").format(unit=unit.name, period=period_label(period))
        if deadline is not None:
            text += " " + _("Deadline: {deadline}.").format(deadline=fmt_date(deadline))
        return [Reply(text)]
    # Its own version's labels and questions: a set edited since does not rewrite what was filed.
    indicators = await set_definition(session, report.set_id) if report.set_id else found[1]
    values: dict[str, object] = {**report.values}
    for indicator in indicators:
        if indicator.kind == "text":
            values[indicator.code] = report.note
    head = (_("Latest report of {unit}: {period}, saved at {time} (version {revision}).") if period is None
            else _("Report of {unit} for {period}, saved at {time} (version {revision}).")).format(
        unit=unit.name, period=period_name(report.period_code),
        time=fmt_datetime(report.updated_at.astimezone(timezone)), revision=report.revision,
    )
    return [Reply("\n".join([head, *summary_lines(indicators, values, None)]))]


async def commune_summary(session: AsyncSession, commune: Unit, period: PeriodSpec | None,
                          now: dt.datetime, with_notes: bool = False) -> Summary | list[Reply]:
    """The summary of ``period`` (by default the one whose deadline is nearest), or the replies that say
    why there is none; ``with_notes`` only for a leader's private request of the full summary."""
    set_row = await hamlet_set(session, commune)
    if set_row is None:
        return [Reply(_("{commune} has no hamlet report set up yet.").format(commune=commune.name))]
    if period is None:
        period = default_period(await calendar_for(session, commune), set_row.period_kind, now)
    refused = period_out_of_range(period, now)
    if refused is not None:
        return [refused]
    try:
        return await build_summary(session, commune, period, now, history_months=1, per_hamlet_values=False,
                                   with_notes=with_notes)
    except SummaryError:
        return [Reply(_("This period is shorter than the hamlets' reporting period; ask for a longer one."))]


async def _commune_view(session: AsyncSession, member: Member, argument: str, timezone: ZoneInfo,
                        now: dt.datetime) -> list[Reply]:
    assert member.commune_id is not None
    commune = await session.get(Unit, member.commune_id)
    assert commune is not None
    today = local(now).date()
    period, name = split_period(argument, today)
    if not name:
        current = await commune_summary(session, commune, period or period_of("month", today), now)
        if isinstance(current, list):
            return current
        before = None
        if period is None:
            last = await commune_summary(session, commune, previous(current.period), now)
            before = None if isinstance(last, list) else last
        return [Reply(overview_text(current, before))]
    # The commune police read the hamlets and their own agency; leaders and admins every unit.
    police = is_commune_police(member)
    readable = [u for u in await units_under(session, commune.id)
                if u.kind == "hamlet" or (u.kind == "agency" and (not police or u.id == member.unit_id))]
    matches = best_matches(name, readable)
    if not matches:
        return [Reply(_("I found no hamlet called “{name}” in {commune}.").format(name=name, commune=commune.name))]
    if len(matches) > 1:
        return [Reply(_("Which one: {names}?").format(names=", ".join(u.name for u in matches[:MAX_CHOICES])))]
    deadline = (await calendar_for(session, commune)).hamlet_deadline(period) if period is not None else None
    return await unit_report(session, matches[0], period, timezone, deadline)

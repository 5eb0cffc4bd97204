"""Questions about reports in a private chat, answered for who is asking.

A leader, admin or the commune police ("tổng hợp tháng 11", "so với tháng trước", "xóm nào chưa nộp
quý 4") get their commune's summary, comparison or missing hamlets for the period asked. A reporter
("thôn mình báo cáo tháng này chưa?", "tháng trước tôi chưa nộp thì sao?") gets their own unit's
status only: filed when, or not yet, the deadline, that a late report is still accepted, how to file.
The dispatcher calls ``report_question_handler`` among its ``extra_handlers``; it returns ``None`` for
anything that is not such a question, so "báo cáo" and questions about plans go where they did.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import reads_commune
from handlers.report_questions import ReportQuestion, read_question
from handlers.report_view import commune_summary, view_report
from handlers.summaries import SummaryError, sub_periods
from handlers.summary_brief import brief_summary, comparison_text, missing_text
from handlers.summary_render import signed, summary_text
from locales.i18n import _, fmt_date, fmt_datetime, fmt_number, ngettext
from locales.messages import Incoming, Reply
from locales.vietnamese import nfc
from storage.calendar import TZ, CalendarRules, calendar_for, local
from storage.models import Unit
from storage.people import Member
from storage.periods import PeriodSpec, period_label, period_of, previous, same_last_year
from storage.reporting_scope import commune_of, filed_reports, hamlet_set
from storage.reports import IndicatorView, indicator_set_for, report_for


async def report_question_handler(session: AsyncSession, incoming: Incoming, member: Member | None,
                                  now: dt.datetime) -> list[Reply] | None:
    """Answer a question about reports typed in a private chat; ``None`` for any other text."""
    if member is None or incoming.chat_type != "private" or incoming.button is not None or incoming.file:
        return None
    if member.commune_id is None:
        # A province's people: their questions are not about one commune's hamlets.
        return None
    text = nfc(incoming.text or "").strip()
    if not text or text.startswith("/"):
        return None
    question = read_question(text, local(now).date())
    if question is None:
        return None
    if question.kind == "view":
        return await view_report(session, member, question.argument, TZ, now)
    if reads_commune(member):
        return await commune_answer(session, member, question, now)
    return await own_answer(session, member, question, now)


async def commune_answer(session: AsyncSession, member: Member, question: ReportQuestion,
                         now: dt.datetime) -> list[Reply]:
    """A leader's, admin's or the commune police's answer, about their whole commune."""
    assert member.commune_id is not None
    commune = await session.get(Unit, member.commune_id)
    assert commune is not None
    # The hamlets' notes only in the full summary a leader asks for here, in private.
    full = question.kind == "summary" and question.detail
    summary = await commune_summary(session, commune, question.period, now, with_notes=full)
    if isinstance(summary, list):
        return summary
    if question.kind == "summary":
        return [Reply(summary_text(summary) if full else brief_summary(summary))]
    if question.kind == "compare":
        base = same_last_year(summary.period) if question.versus_last_year else previous(summary.period)
        return [Reply(comparison_text(summary, question.versus_last_year,
                                      await _hamlets_reported(session, commune, base)))]
    return [Reply(missing_text(summary, local(now).date()))]


async def _hamlets_reported(session: AsyncSession, commune: Unit, period: PeriodSpec) -> int:
    """How many hamlets of ``commune`` filed at least one report in ``period``."""
    set_row = await hamlet_set(session, commune)
    if set_row is None:
        return 0
    try:
        subs = sub_periods(period, set_row.period_kind)
    except SummaryError:
        return 0
    return len({item.unit_id for item in await filed_reports(session, commune.id, set_row.code, subs)})


def file_command(period: PeriodSpec, today: dt.date) -> str:
    """What a reporter types to file (or correct) ``period``'s report."""
    if period == period_of(period.kind, today):
        return _("report")
    if period.kind == "month" and period.year == today.year:
        return _("report month {month}").format(month=period.number)
    return _("report {period}").format(period=period_label(period))


async def _status_lines(session: AsyncSession, unit: Unit, set_id: int, period: PeriodSpec, rules: CalendarRules,
                        today: dt.date, timezone: dt.tzinfo) -> tuple[list[str], bool]:
    """One period's status of ``unit``: the lines to say, and whether the report is filed."""
    label, deadline = period_label(period), rules.hamlet_deadline(period)
    report = await report_for(session, unit.id, set_id, period.code)
    if report is None:
        if today == deadline:
            return [_("{unit} has not filed the {period} report yet. Today, {deadline}, is the deadline.").format(
                unit=unit.name, period=label, deadline=fmt_date(deadline))], False
        if today < deadline:
            days = (deadline - today).days
            return [ngettext("{unit} has not filed the {period} report yet. Deadline: {deadline} ({days} day left).",
                             "{unit} has not filed the {period} report yet. Deadline: {deadline} ({days} days left).",
                             days).format(unit=unit.name, period=label, deadline=fmt_date(deadline), days=days)], False
        return [_("{unit} has not filed the {period} report yet; the deadline was {deadline}.").format(
            unit=unit.name, period=label, deadline=fmt_date(deadline))], False
    filed_at = fmt_datetime(report.submitted_at.astimezone(timezone))
    if report.submitted_at < rules.deadline_end(period):
        lines = [_("{unit} filed the {period} report at {time}, on time (deadline {deadline}).").format(
            unit=unit.name, period=label, time=filed_at, deadline=fmt_date(deadline))]
    else:
        lines = [_("{unit} filed the {period} report at {time}, after the deadline of {deadline}: it counts "
                   "as late.").format(unit=unit.name, period=label, time=filed_at, deadline=fmt_date(deadline))]
    if report.revision > 1:
        lines.append(_("Last corrected at {time}.").format(time=fmt_datetime(report.updated_at.astimezone(timezone))))
    return lines, True


def _periods_asked(question: ReportQuestion, set_kind: str, today: dt.date, rules: CalendarRules) -> list[PeriodSpec]:
    """The periods of the unit's set the question is about (by default this one, and the last if asked late)."""
    current = period_of(set_kind, today)
    if question.period is not None:
        try:
            subs = sub_periods(question.period, set_kind)
        except SummaryError:
            subs = [period_of(set_kind, question.period.starts_on)]
        return [p for p in subs if p.starts_on <= today] or subs[:1]
    if question.kind == "late" and today <= rules.hamlet_deadline(current):
        return [previous(current)]
    return [current]


async def own_answer(session: AsyncSession, member: Member, question: ReportQuestion,
                     now: dt.datetime) -> list[Reply]:
    """A reporter's (or an agency officer's) answer: their own unit's status, never another's."""
    unit = await session.get(Unit, member.unit_id)
    assert unit is not None
    lines: list[str] = []
    if question.kind in ("summary", "missing"):
        lines.append(_("Only the commune's leaders and the commune police see the other hamlets' reports. "
                       "Here is {unit}'s.").format(unit=unit.name))
    found = await indicator_set_for(session, unit)
    if found is None:
        lines.append(_("No report form is configured for {unit} yet.").format(unit=unit.name))
        return [Reply("\n".join(lines))]
    set_row, indicators = found
    commune = await commune_of(session, unit)
    rules = await calendar_for(session, commune or unit)
    moment = local(now)
    today = moment.date()
    if question.kind == "compare":
        compared = await _own_comparison(session, unit, set_row.id, indicators, question, set_row.period_kind, today)
        if compared is not None:
            return [Reply(compared)]
    periods = _periods_asked(question, set_row.period_kind, today, rules)
    if question.kind != "late" and periods == [period_of(set_row.period_kind, today)]:
        # Asked about this period: also say when last period's report is still missing.
        last = previous(periods[0])
        if await report_for(session, unit.id, set_row.id, last.code) is None:
            periods.append(last)
    late_unfiled: list[PeriodSpec] = []
    for period in periods:
        said, filed = await _status_lines(session, unit, set_row.id, period, rules, today, moment.tzinfo or dt.UTC)
        lines += said
        if not filed:
            if today > rules.hamlet_deadline(period):
                late_unfiled.append(period)
            else:
                lines.append(_("To file it, type “{command}”.").format(command=file_command(period, today)))
        elif question.kind == "late":
            lines.append(_("To correct it, type “{command}”: the new figures replace the old ones, which are "
                           "kept.").format(command=file_command(period, today)))
    if late_unfiled:
        lines.append(_("A report filed after the deadline is still accepted; it is only marked late."))
        lines += [_("To file {period}, type “{command}”.").format(period=period_label(p),
                                                                  command=file_command(p, today))
                  for p in late_unfiled]
    return [Reply("\n".join(lines))]


async def _own_comparison(session: AsyncSession, unit: Unit, set_id: int, indicators: list[IndicatorView],
                          question: ReportQuestion, set_kind: str, today: dt.date) -> str | None:
    """The unit's own figures against its previous report (or last year's); ``None`` when not filed."""
    current = period_of(set_kind, today)
    period = question.period
    if period is None:
        # "so với tháng trước": the latest of this and last period that is filed.
        filed = [p for p in (current, previous(current)) if await report_for(session, unit.id, set_id, p.code)]
        period = filed[0] if filed else current
    if period.kind != set_kind:
        return None
    report = await report_for(session, unit.id, set_id, period.code)
    if report is None:
        return None
    base_period = same_last_year(period) if question.versus_last_year else previous(period)
    base = await report_for(session, unit.id, set_id, base_period.code)
    lines = [_("Comparing {period} with {base} — {area}:").format(
        period=period_label(period), base=period_label(base_period), area=unit.name)]
    for indicator in indicators:
        if indicator.kind == "text":
            continue
        value = report.values.get(indicator.code)
        before = base.values.get(indicator.code) if base is not None else None
        lines.append(_("• {label}: {value} (before {before}; {change})").format(
            label=indicator.label, value="—" if value is None else fmt_number(value),
            before="—" if before is None else fmt_number(before), change=signed(value, before)))
    return "\n".join(lines)

"""Which report the commune police file: the month, or a quarter, half year or year when one is due.

The commune's calendar (``storage.calendar.calendar_for``: the plans in force, then the commune's own
settings) says when each longer report is due. A longer period is offered from ``OFFER_DAYS_BEFORE``
days before its deadline until the first days after it ends (late reports are common); of the longer
periods that end the same day only the longest is offered (the annual report covers the fourth quarter
and the second half), so the usual rhythm is quarter I, six months, quarter III, year. Any period of a
kind the set reports (``storage.commune_report.report_kinds``) can be named ("quý 4", "năm 2026").
When more than one report is due the officer picks one by its number or its name (Zalo has no buttons).
"""

from __future__ import annotations

import datetime as dt

from conversations.engine import Context
from conversations.report_payload import ReportPayload
from conversations.report_period import OFFER_PREVIOUS_UNTIL_DAY, calendar_rules
from locales.i18n import _, fmt_date, fmt_datetime
from locales.messages import Button, Reply
from locales.vietnamese import fold
from storage.calendar import CalendarRules, calendar_for
from storage.commune_report import is_commune_police, period_words, report_kinds
from storage.models import Unit
from storage.periods import PeriodSpec, find_periods, parse_period, period_label, period_of, previous, read_period
from storage.reporting_scope import commune_of
from storage.reports import report_for

# A quarter's, half year's or year's report is offered this many days before its deadline.
OFFER_DAYS_BEFORE = 21


def due_periods(rules: CalendarRules, today: dt.date, kinds: tuple[str, ...]) -> list[PeriodSpec]:
    """The commune's reports due around ``today``: the month (and the one before in the first days of a
    month), then each longer period in its window, the longest of those ending the same day."""
    current = period_of("month", today)
    months = [previous(current), current] if today.day <= OFFER_PREVIOUS_UNTIL_DAY else [current]
    longest: dict[dt.date, PeriodSpec] = {}
    for kind in kinds:
        if kind == "month":
            continue
        for spec in (previous(period_of(kind, today)), period_of(kind, today)):
            deadline = rules.commune_deadline(spec)
            last_day = max(deadline, spec.ends_on) + dt.timedelta(days=OFFER_PREVIOUS_UNTIL_DAY)
            if not deadline - dt.timedelta(days=OFFER_DAYS_BEFORE) <= today <= last_day:
                continue
            held = longest.get(spec.ends_on)
            if held is None or spec.starts_on < held.starts_on:
                longest[spec.ends_on] = spec
    return months + [longest[end] for end in sorted(longest)]


def named_period(text: str, today: dt.date, due: list[PeriodSpec], kinds: tuple[str, ...]) -> PeriodSpec | None:
    """The period ``text`` names ("quý 4", "6 tháng đầu năm", "năm 2026"; a bare "quý" or "năm" is the
    one of that kind that is due, else the current one), if it is of a kind the set reports and has begun."""
    folded = " ".join(fold(text).replace("?", " ").replace(".", " ").split())
    kind = period_words().get(folded)
    if kind is not None:
        spec = next((p for p in due if p.kind == kind), None) or period_of(kind, today)
    else:
        found = find_periods(folded, today)
        if len(found) != 1:
            return None
        spec = found[0].spec
    return spec if spec.kind in kinds and spec.starts_on <= today else None


async def police_unit(ctx: Context, unit_id: int) -> Unit | None:
    """The unit ``unit_id`` when it is the commune police (who file the commune's reports), else ``None``."""
    unit = await ctx.session.get(Unit, unit_id)
    return unit if unit is not None and is_commune_police(unit) else None


async def _rules(ctx: Context, unit: Unit) -> CalendarRules:
    commune = await commune_of(ctx.session, unit)
    return await calendar_for(ctx.session, commune) if commune is not None else CalendarRules()


async def police_offered(ctx: Context, data: ReportPayload) -> list[PeriodSpec] | None:
    """The reports due for the commune police now (``None`` for anyone else: the month picker applies)."""
    unit = await police_unit(ctx, data.unit_id)
    if unit is None:
        return None
    return due_periods(await _rules(ctx, unit), ctx.local_now.date(), report_kinds())


async def report_deadline(ctx: Context, unit_id: int, spec: PeriodSpec) -> dt.date:
    """When the report of ``spec`` is due: the commune's deadline (plans in force) for the commune police,
    the hamlets' deadline for anyone else."""
    unit = await police_unit(ctx, unit_id)
    if unit is None:
        return (await calendar_rules(ctx, unit_id)).hamlet_deadline(spec)
    return (await _rules(ctx, unit)).commune_deadline(spec)


async def start_period(ctx: Context, data: ReportPayload, argument: str) -> PeriodSpec | Reply | None:
    """How the commune police's report begins: the period named or the only one due (a spec), or the
    choice of the reports due (a reply); ``None`` for anyone else."""
    offered = await police_offered(ctx, data)
    if offered is None:
        return None
    today = ctx.local_now.date()
    if argument.strip():
        named = named_period(argument, today, offered, report_kinds())
        if named is not None:
            return named
    if len(offered) == 1:
        return offered[0]
    return await police_menu(ctx, data, offered)


async def police_menu(ctx: Context, data: ReportPayload, offered: list[PeriodSpec], prefix: str = "") -> Reply:
    """The choice of the reports due: each filed (when) or due (by when, late or not), one button each."""
    unit = await police_unit(ctx, data.unit_id)
    rules = await _rules(ctx, unit) if unit is not None else CalendarRules()
    today = ctx.local_now.date()
    lines = [_("Several reports are due for {unit}. Which one are you filing?").format(unit=data.unit_name)]
    for spec in offered:
        name = _capital(period_label(spec))
        filed = await report_for(ctx.session, data.unit_id, data.set_id, spec.code)
        deadline = rules.commune_deadline(spec)
        if filed is not None:
            lines.append(_("• {period}: filed at {time} (sending again corrects it)").format(
                period=name, time=fmt_datetime(filed.updated_at.astimezone(ctx.timezone))))
        elif deadline < today:
            lines.append(_("• {period}: not filed yet, was due by {date} (late)").format(
                period=name, date=fmt_date(deadline)))
        else:
            lines.append(_("• {period}: due by {date}").format(period=name, date=fmt_date(deadline)))
    lines.append(_("Type its number (1 to {count}) or name a period, for example “quý 4”, “6 tháng đầu năm”, "
                   "“năm {year}”.").format(count=len(offered), year=today.year))
    buttons = [[Button(_capital(period_label(spec)), f"period:{spec.code}")] for spec in offered]
    return Reply("\n".join([prefix, *lines]).strip(), buttons)


def _capital(label: str) -> str:
    """"quý IV/2026" → "Quý IV/2026" (``str.capitalize`` would lower the numeral)."""
    return label[:1].upper() + label[1:]


def picked_period(answer: str, is_button: bool, offered: list[PeriodSpec], today: dt.date) -> PeriodSpec | None:
    """The report a button, its number in the list, or a named period picks."""
    if is_button:
        code = answer.removeprefix("period:")
        try:
            return parse_period(code) if answer.startswith("period:") else None
        except ValueError:
            return None
    typed = answer.strip()
    if typed.isdigit() and 1 <= int(typed) <= len(offered):
        return offered[int(typed) - 1]
    return named_period(answer, today, offered, report_kinds())


def not_picked_text() -> str:
    """Why nothing was picked from the commune police's choice."""
    return _("I did not find that period among the reports you can file.")


def names_a_period(text: str) -> bool:
    """Tell whether ``text`` (what follows "báo cáo") is, all of it, a period or a kind of period
    ("quý 4", "6 tháng đầu năm", "năm"): the report starts with it, and it is no unit's name."""
    folded = " ".join(fold(text).replace("?", " ").replace(".", " ").split())
    return folded in period_words() or read_period(folded) is not None

"""The report's month picker: which months are offered, what each stands at, which one was typed.

In the first days of a month the previous month is offered with the current one (late reports are
common); the picker says, for each, whether it is filed (and when) or due (by when, late or not).
"""

from __future__ import annotations

from conversations.engine import Context
from conversations.report_intents import month_choice, month_number_in
from conversations.report_payload import ReportPayload
from conversations.report_text import period_menu_text, period_name
from locales.i18n import _, fmt_datetime
from locales.messages import Button, Reply
from storage.calendar import CalendarRules
from storage.models import Unit
from storage.periods import PeriodSpec, parse_period
from storage.periods import previous as period_before
from storage.reporting_scope import commune_of
from storage.reports import report_for

# During these first days of a month the previous month is offered too.
OFFER_PREVIOUS_UNTIL_DAY = 5
# How far back a month may be named when starting ("báo cáo tháng 9"): late reports are accepted.
MONTHS_BACK = 12


def months_back(current: PeriodSpec, count: int = MONTHS_BACK) -> list[PeriodSpec]:
    """``current`` and the ``count`` months before it, oldest first."""
    months = [current]
    for _n in range(count):
        months.insert(0, period_before(months[0]))
    return months


def offered_months(data: ReportPayload) -> list[PeriodSpec]:
    """The months the picker offers: the previous one and the current one."""
    current = parse_period(data.current)
    return [period_before(current), current]


async def calendar_rules(ctx: Context, unit_id: int) -> CalendarRules:
    """The calendar (deadlines) of the commune ``unit_id`` belongs to."""
    unit = await ctx.session.get(Unit, unit_id)
    commune = await commune_of(ctx.session, unit) if unit is not None else None
    return CalendarRules.from_settings(commune.settings if commune is not None else None)


def month_buttons(months: list[PeriodSpec]) -> list[list[Button]]:
    """One button per month offered."""
    return [[Button(period_name(spec.code).capitalize(), f"period:{spec.code}")] for spec in months]


async def month_menu(ctx: Context, data: ReportPayload, prefix: str = "") -> Reply:
    """The picker: each month offered, whether it is filed (when) or due (by when)."""
    rules = await calendar_rules(ctx, data.unit_id)
    lines = []
    months = offered_months(data)
    for spec in months:
        filed = await report_for(ctx.session, data.unit_id, data.set_id, spec.code)
        filed_at = fmt_datetime(filed.updated_at.astimezone(ctx.timezone)) if filed is not None else None
        lines.append((spec, filed_at, rules.hamlet_deadline(spec)))
    text = period_menu_text(data.unit_name, lines, ctx.local_now.date())
    return Reply(f"{prefix}\n{text}".strip(), month_buttons(months))


def picked_month(answer: str, is_button: bool, offered: list[PeriodSpec]) -> PeriodSpec | None:
    """The month a button or a typed answer picks among ``offered``, if any.

    A bare "1"/"2" is the position in the list (Zalo shows the buttons as numbered lines); "tháng 2"
    names February.
    """
    if is_button:
        return next((p for p in offered if answer == f"period:{p.code}"), None)
    typed = answer.strip()
    if typed in ("1", "2"):
        return offered[int(typed) - 1]
    return month_choice(answer, offered)


def not_picked_text(answer: str, offered: list[PeriodSpec]) -> str:
    """Why nothing was picked: a month not offered, or no month at all."""
    if month_number_in(answer):
        return _("That month is not offered here. For another month, type “hủy”, then “báo cáo tháng 9” "
                 "with its number.")
    return _("Please type the month, for example “tháng {month}”.").format(month=offered[0].number)

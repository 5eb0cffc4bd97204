"""The commune police's report in the report dialog: the hamlets' sums it is prefilled with.

An indicator of the commune's set with ``rules = {"sum_of": "<hamlet code>"}`` is asked with the sum of
that hamlet figure over the month's hamlet reports (``storage.commune_report``); the officer keeps it
with one word or types another figure and a short reason. A hamlet that files or corrects after the
commune's report is told when the officer next opens the report of that month (``moved_text``).
A quarter's, half year's or year's report is prefilled from the period's months instead
(``storage.commune_report.period_sums``), and says how many months it is built from.
"""

from __future__ import annotations

import datetime as dt

from conversations.engine import Context
from conversations.report_payload import ReportPayload
from conversations.report_text import value_text
from locales.i18n import _
from storage.commune_report import HamletSums, hamlet_sums, is_stock, period_sums
from storage.periods import parse_period
from storage.reports import IndicatorView


async def hamlet_sums_for(ctx: Context, data: ReportPayload, indicators: list[IndicatorView]) -> HamletSums | None:
    """Fill ``data.sums`` with what the report is prefilled with (``None`` for a set with no sum): the
    hamlets' sums of a month, or for a longer period the figures of its months (``period_sums``)."""
    sources = {i.code: str(i.rules["sum_of"]) for i in indicators if i.rules.get("sum_of")}
    commune_id = ctx.member.commune_id
    if not sources or commune_id is None:
        data.sums, data.hamlets_reported, data.hamlets_expected = {}, 0, 0
        return None
    spec = parse_period(data.period)
    if spec.kind == "month":
        found = await hamlet_sums(ctx.session, commune_id, data.period, sorted(set(sources.values())))
        data.sums = {code: found.sums.get(source, 0) for code, source in sources.items()}
    else:
        every: dict[str, str | None] = {i.code: sources.get(i.code) for i in indicators if i.kind != "text"}
        found = await period_sums(ctx.session, commune_id=commune_id, unit_id=data.unit_id, set_id=data.set_id,
                                  spec=spec, sources=every, stock={i.code for i in indicators if is_stock(i.rules)})
        data.sums = dict(found.sums)
    data.hamlets_reported, data.hamlets_expected = found.reported, found.expected
    return found


def _longer(data: ReportPayload) -> bool:
    """A quarter's, half year's or year's report: prefilled from months, not from one month's hamlets."""
    return parse_period(data.period).kind != "month"


def built_from_line(data: ReportPayload, sums: HamletSums | None) -> str | None:
    """Under a longer report's heading: how many months its prefilled figures are built from."""
    if sums is None or not _longer(data):
        return None
    if not sums.reported:
        return _("No month of this period has figures yet: please type each figure.")
    return _("The figures are prefilled from {reported}/{expected} months of the period: {own} from the commune's "
             "monthly reports, {hamlets} from the hamlets' sums (no commune report that month). Stock figures "
             "(people under management) are the latest month's; the others are added up.").format(
        reported=sums.reported, expected=sums.expected, own=sums.commune_months, hamlets=sums.hamlet_months)


def sum_line(data: ReportPayload, indicator: IndicatorView) -> str:
    """"Tổng các thôn: 12 (8/12 thôn đã báo cáo). Giữ nguyên: …" under a sum's question."""
    if _longer(data):
        return _("From the months: {total} ({reported}/{expected} months with figures). To keep it type “đúng” "
                 "or “1”; otherwise type the figure.").format(
            total=value_text(indicator, data.sums[indicator.code]), reported=data.hamlets_reported,
            expected=data.hamlets_expected)
    return _("Sum of the hamlets: {total} ({reported}/{expected} hamlets reported). To keep it type “đúng” or "
             "“1”; otherwise type the figure.").format(
        total=value_text(indicator, data.sums[indicator.code]), reported=data.hamlets_reported,
        expected=data.hamlets_expected)


def reason_question(indicator: IndicatorView, value: int, total: int, period: str = "") -> str:
    """Ask why a figure differs from the hamlets' sum (or, for a longer ``period``, from its months)."""
    if period and parse_period(period).kind != "month":
        return _("{label}: {value}, the months give {total}. Please write a short reason for the "
                 "difference.").format(label=indicator.label, value=value_text(indicator, value),
                                       total=value_text(indicator, total))
    return _("{label}: {value}, the hamlets' sum is {total}. Please write a short reason for the difference.").format(
        label=indicator.label, value=value_text(indicator, value), total=value_text(indicator, total))


def reason_lines(indicators: list[IndicatorView], data: ReportPayload) -> list[str]:
    """The summary's lines for the figures that differ from the hamlets' sum, each with its reason."""
    line = (_("{label}: differs from the months ({total}): {reason}") if _longer(data)
            else _("{label}: differs from the hamlets' sum ({total}): {reason}"))
    return [
        line.format(
            label=i.label, total=value_text(i, data.sums[i.code]), reason=data.reasons[i.code])
        for i in indicators
        if i.code in data.reasons and i.code in data.sums and data.answers.get(i.code) != data.sums[i.code]
    ]


def moved_text(indicators: list[IndicatorView], data: ReportPayload, sums: HamletSums | None,
               filed_at: dt.datetime) -> str | None:
    """Tell the officer the hamlets' sums moved since the commune's report was filed (else ``None``)."""
    if sums is None or sums.last_filed is None or _aware(sums.last_filed) <= _aware(filed_at):
        return None
    existing = data.existing or {}
    changed = [
        f"{i.label}: {existing.get(i.code)} → {data.sums[i.code]}"
        for i in indicators
        if i.code in data.sums and existing.get(i.code) != data.sums[i.code]
    ]
    head = _("Hamlets reported or corrected after your report was filed: the hamlets' sums moved. Go on to "
             "file it again.")
    if _longer(data):
        head = _("Reports of the period's months came in or were corrected after your report was filed: the "
                 "prefilled figures moved. Go on to file it again.")
    return "\n".join([head, *changed])


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive UTC times; compare both as aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)

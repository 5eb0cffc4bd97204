"""How the report dialog words things: period names, questions, summaries, old → new lines, the month
picker, the answers to questions asked inside the dialog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from conversations.numbers import CountError
from locales.i18n import _, fmt_date, fmt_number
from storage.periods import PeriodSpec, code_label, period_label
from storage.reports import IndicatorView


def period_name(code: str) -> str:
    """Name a period the way people say it: "tháng 11/2026", "quý IV/2026"… (``storage.periods``' label)."""
    return code_label(code)


def label_of(indicator: IndicatorView) -> str:
    """Return the indicator's short label in the user's language."""
    return indicator.label


def value_text(indicator: IndicatorView, value: object) -> str:
    """Write a stored value for reading: a number with its measure, a note, or "skipped"."""
    if value is None or value == "":
        return _("(skipped)")
    if isinstance(value, int):
        measure = f" {indicator.measure}" if indicator.measure else ""
        return f"{fmt_number(value)}{measure}"
    return str(value)


def question_text(
    indicator: IndicatorView, position: int, total: int, current: object | None, optional: bool
) -> str:
    """The question for one indicator: its number, the question, the measure, the current value."""
    lines = [f"({position}/{total}) {indicator.question}"]
    if indicator.kind == "text":
        lines.append(_("Do not write anyone's name. Phone and ID numbers are hidden before saving."))
    elif indicator.measure:
        lines.append(_("Unit: {measure}. Type a number (0 if there is none).").format(measure=indicator.measure))
    if current is not None:
        lines.append(_("Current value: {value}").format(value=value_text(indicator, current)))
    if optional:
        lines.append(_("Type “skip” if there is nothing to report."))
    return "\n".join(lines)


def count_error_text(error: CountError, answer: str) -> str:
    """Explain, in plain words, why the answer is not a count."""
    if error is CountError.EMPTY:
        return _("Please type a number (for example 0, 3 or “ba”).")
    if error is CountError.NEGATIVE:
        return _("The number cannot be negative. Type 0 if there is none.")
    if error is CountError.FRACTION:
        return _("Please type a count without a decimal part (for example 3).")
    if error is CountError.THOUSANDS_DOT:
        return _("Please type the number without dots (for example 1200).")
    if error is CountError.TOO_LARGE:
        return _("That number is too large for one hamlet. Please check it.")
    if error is CountError.RANGE:
        return _("Please type one figure, not a range (for example 3).")
    if error is CountError.SEVERAL:
        return _("I read several figures in “{answer}”. Please type just one (for example 3).").format(
            answer=answer.strip()[:40])
    return _("I could not read “{answer}” as a number. Please type digits, for example 3.").format(
        answer=answer.strip()[:40]
    )


def summary_lines(
    indicators: Sequence[IndicatorView], answers: Mapping[str, object], old: Mapping[str, object] | None
) -> list[str]:
    """One line per indicator; with ``old`` (a correction) changed values show old → new."""
    lines = []
    for position, indicator in enumerate(indicators, start=1):
        new = answers.get(indicator.code)
        if old is not None and indicator.code in old and old.get(indicator.code) != new:
            text = f"{value_text(indicator, old.get(indicator.code))} → {value_text(indicator, new)}"
        else:
            text = value_text(indicator, new)
        lines.append(f"{position}. {label_of(indicator)}: {text}")
    return lines


def far_from_previous_text(indicator: IndicatorView, value: int, previous: int | None, period: str) -> str:
    """Say what is unusual about a figure and ask to keep it (never "are you sure?")."""
    values = {"label": indicator.label, "value": value_text(indicator, value),
              "previous": value_text(indicator, previous), "period": period}
    if previous is not None and value < previous:
        return _("{label}: {value} is much lower than the last report ({period}: {previous}). "
                 "Keep {value}?").format(**values)
    return _("{label}: {value} is much higher than the last report ({period}: {previous}). "
             "Keep {value}?").format(**values)


def cancel_question(period: str) -> str:
    """Ask once more before a typed word drops a report in progress."""
    return _("Stop the report for {period} without saving? Type “có” to stop, or “tiếp” to go on.").format(
        period=period)


def deadline_text(period: str, deadline: dt.date) -> str:
    """The deadline of the period being reported."""
    return _("The report for {period} is due by {date}.").format(period=period, date=fmt_date(deadline))


def previous_text(indicators: Sequence[IndicatorView], values: Mapping[str, object], period: str | None) -> str:
    """The figures of the last report, to compare with."""
    if period is None or not values:
        return _("There is no earlier report to compare with.")
    shown = [f"{label_of(i)}: {value_text(i, values.get(i.code))}" for i in indicators if i.kind != "text"]
    return _("Last report ({period}):").format(period=period) + "\n" + "; ".join(shown)


def dialog_help(period: str) -> str:
    """What can be typed while reporting."""
    return "\n".join([
        _("You are filing the report for {period}. Type the figure of the item asked (3, “ba”, “không có”).")
        .format(period=period),
        _("• “quay lại”: the previous item • “bỏ qua”: skip an optional item"),
        _("• “làm lại từ đầu”: start again • “hủy”: stop without saving"),
        _("• “hạn nộp?”: the deadline • “tháng trước?”: the last report's figures"),
        _("• At the summary: “đúng” sends it, “sửa mục 9” or “mục 9 là 120” changes an item"),
    ])


def period_menu_text(unit: str, months: Sequence[tuple[PeriodSpec, str | None, dt.date]], today: dt.date) -> str:
    """The month picker: for each month offered, filed (when) or due (by when, overdue or not)."""
    lines = [_("Which month are you reporting for {unit}?").format(unit=unit)]
    for spec, filed_at, deadline in months:
        name = period_label(spec).capitalize()
        if filed_at is not None:
            lines.append(_("• {month}: filed at {time} (sending again corrects it)").format(month=name, time=filed_at))
        elif deadline < today:
            lines.append(_("• {month}: not filed yet, was due by {date} (late)").format(
                month=name, date=fmt_date(deadline)))
        else:
            lines.append(_("• {month}: due by {date}").format(month=name, date=fmt_date(deadline)))
    first, last = months[0][0], months[-1][0]
    lines.append(_("Type “tháng {first}” or “tháng {last}”.").format(first=first.number, last=last.number))
    return "\n".join(lines)

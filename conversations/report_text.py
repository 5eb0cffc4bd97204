"""How the report dialog words things: period names, questions, summaries, old → new lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from conversations.numbers import CountError
from handlers.i18n import _, fmt_number
from handlers.reporting_scope import period_label
from storage.calendar import parse_period
from storage.reports import IndicatorView


def period_name(code: str) -> str:
    """Name a period the way people say it: "tháng 11/2026", "quý IV/2026"…"""
    try:
        return period_label(parse_period(code))
    except ValueError:
        return code


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
        lines.append(_("Unit: {measure}. Type a whole number.").format(measure=indicator.measure))
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
        return _("Please type a whole number, without a comma or decimal point (for example 3).")
    if error is CountError.THOUSANDS_DOT:
        return _("Please type the number without dots (for example 1200).")
    if error is CountError.TOO_LARGE:
        return _("That number is too large for one hamlet. Please check it.")
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


"""A commune's summary sized for a phone, for a leader or the commune police in a private chat.

The direct answer first, in about 600 characters: who reported, who is missing, the few figures
leaders look at first; the full summary (``summary_render.summary_text``) on request. Per-hamlet
figures and notes never appear here: these answers are also short enough to read aloud. The hamlets'
group gets only who has reported (``reporting_status_text``): no figure at all.
"""

from __future__ import annotations

import datetime as dt

from handlers.report_questions import report_words
from handlers.summaries import Summary
from handlers.summary_render import derived_line, percent, signed
from locales.i18n import _, fmt_date, fmt_number
from storage.periods import period_label, previous, same_last_year

MAX_SHORT_NAMES = 12
# The short answer's length (characters): a note on a change of the set goes in only if it still fits.
BRIEF_CHARS = 600


def short_names(items: list[str]) -> str:
    """Join hamlet names, cutting after a dozen with "…and N more"."""
    shown = ", ".join(items[:MAX_SHORT_NAMES])
    if len(items) > MAX_SHORT_NAMES:
        shown += " " + _("…and {count} more").format(count=fmt_number(len(items) - MAX_SHORT_NAMES))
    return shown


def full_command(summary: Summary) -> str:
    """What to type for the full summary of the same period ("tổng hợp tháng 11/2026 chi tiết")."""
    return _("summary {period} in full").format(period=period_label(summary.period))


def _who_reported(summary: Summary) -> list[str]:
    lines = [_("Reported: {done} of {total} hamlets ({percent}). Deadline: {deadline}.").format(
        done=fmt_number(summary.reported), total=fmt_number(summary.expected),
        percent=percent(summary.reported / summary.expected if summary.expected else 0.0),
        deadline=fmt_date(summary.deadline),
    )]
    missing = [h.name for h in summary.with_status("missing")]
    late = [h.name for h in summary.with_status("late")]
    if missing:
        lines.append(_("Not reported ({count}): {names}").format(count=fmt_number(len(missing)),
                                                                 names=short_names(missing)))
    else:
        lines.append(_("All hamlets have reported."))
    if late:
        lines.append(_("Reported late ({count}): {names}").format(count=fmt_number(len(late)),
                                                                  names=short_names(late)))
    return lines


def reporting_status_text(summary: Summary) -> str:
    """Who has reported, who is late, who has not, and the deadline: what the hamlets' group may read."""
    lines = [_("Reporting of {period} — {area}").format(period=period_label(summary.period), area=summary.area_name)]
    return "\n".join(lines + _who_reported(summary))


def _figure(summary: Summary, code: str, base: dict[str, int | None] | None) -> str | None:
    """One total with its measure, and its change from ``base`` when given."""
    info = next((i for i in summary.indicators if i.code == code), None)
    if info is None:
        return None
    value = summary.totals.get(code)
    shown = "—" if value is None else fmt_number(value)
    if base is None:
        return _("• {label}: {value} {measure}").format(label=info.label, value=shown, measure=info.measure).strip()
    return _("• {label}: {value} {measure} ({change})").format(
        label=info.label, value=shown, measure=info.measure, change=signed(value, base.get(code)),
    ).replace("  ", " ")


def brief_summary(summary: Summary) -> str:
    """The summary's direct answer: who reported, the main figures against the previous period, targets."""
    lines = [_("Summary of {period} — {area}").format(period=period_label(summary.period), area=summary.area_name)]
    lines += _who_reported(summary)
    if summary.reported:
        lines.append(_("Main figures (change against {period}):").format(
            period=period_label(previous(summary.period))))
        figures = (_figure(summary, code, summary.previous_totals) for code in report_words()["key_codes"])
        lines += [line for line in figures if line]
        lines += [derived_line(item) for item in summary.derived if item.code == "tu_van_ratio"]
    lines.append(_("Every figure and the hamlets' difficulties: type “{command}”.").format(
        command=full_command(summary)))
    return "\n".join(with_change_note(lines, summary.change_note))


def with_change_note(lines: list[str], note: str | None) -> list[str]:
    """``lines`` with the note on a change of the set before their last line (the way to the details), the
    whole note if the answer stays within ``BRIEF_CHARS``, else a short pointer if that fits, else nothing."""
    if not note:
        return lines
    size = sum(len(line) + 1 for line in lines)
    short = _("Reports of this period used different versions of the indicator set (see the details).")
    for text in (note, short):
        if size + len(text) + 1 <= BRIEF_CHARS:
            return [*lines[:-1], text, lines[-1]]
    return lines


def comparison_text(summary: Summary, last_year: bool, base_reported: int) -> str:
    """Each figure of the period against the previous period (or the same period last year), and how
    many hamlets each side is built from (fewer reports, smaller totals)."""
    base_period = same_last_year(summary.period) if last_year else previous(summary.period)
    base = summary.last_year_totals if last_year else summary.previous_totals
    lines = [_("Comparing {period} with {base} — {area}:").format(
        period=period_label(summary.period), base=period_label(base_period), area=summary.area_name)]
    for info in summary.indicators:
        value, before = summary.totals.get(info.code), base.get(info.code)
        lines.append(_("• {label}: {value} (before {before}; {change})").format(
            label=info.label, value="—" if value is None else fmt_number(value),
            before="—" if before is None else fmt_number(before), change=signed(value, before)))
    lines.append(_("Built from the reports of {done} of {total} hamlets ({base}: {base_done} of {total}).").format(
        done=fmt_number(summary.reported), total=fmt_number(summary.expected), base=period_label(base_period),
        base_done=fmt_number(base_reported)))
    return "\n".join(lines)


def missing_text(summary: Summary, today: dt.date) -> str:
    """The hamlets missing for the period, numbered, with the deadline and whether it has passed."""
    missing = summary.with_status("missing")
    label = period_label(summary.period)
    if not missing:
        text = _("All {count} hamlets of {area} have reported for {period}.").format(
            count=fmt_number(summary.expected), area=summary.area_name, period=label)
    else:
        text = _("{count} of {total} hamlets of {area} have not reported for {period}:").format(
            count=fmt_number(len(missing)), total=fmt_number(summary.expected), area=summary.area_name,
            period=label)
        text += "\n" + "\n".join(f"{n}. {h.name}" for n, h in enumerate(missing, start=1))
        if today > summary.deadline:
            text += "\n" + _("The deadline was {deadline}; a late report is still accepted.").format(
                deadline=fmt_date(summary.deadline))
        else:
            text += "\n" + _("Deadline: {deadline}.").format(deadline=fmt_date(summary.deadline))
    late = [h.name for h in summary.with_status("late")]
    if late:
        text += "\n" + _("Reported late ({count}): {names}").format(count=fmt_number(len(late)),
                                                                    names=short_names(late))
    return text


def overview_text(current: Summary, before: Summary | None) -> str:
    """``/xem`` for a leader or the commune police: this period's reporting and totals, last period's gaps."""
    lines = [_("{area} — reports of {period}").format(area=current.area_name, period=period_label(current.period))]
    lines += _who_reported(current)
    if current.reported:
        lines.append(_("Totals of the {count} hamlets that reported:").format(count=fmt_number(current.reported)))
        # No change shown: a month still coming in against a complete one would mislead.
        figures = (_figure(current, code, None) for code in report_words()["key_codes"][:3])
        lines += [line for line in figures if line]
    if before is not None:
        gaps = [h.name for h in before.with_status("missing")]
        if gaps:
            lines.append(_("Reports of {period}: {done} of {total} filed; missing: {names}.").format(
                period=period_label(before.period), done=fmt_number(before.reported),
                total=fmt_number(before.expected), names=short_names(gaps)))
        else:
            lines.append(_("Reports of {period}: all {total} filed.").format(
                period=period_label(before.period), total=fmt_number(before.expected)))
    lines.append(_("A hamlet's report: type “/xem” and its name. The summary: “{command}”.").format(
        command=_("summary {period}").format(period=period_label(current.period))))
    return "\n".join(lines)

"""A summary as the text a leaders' group reads: gettext sentences, Babel numbers, dates and percents.

The hamlets' notes appear only when the summary was built with them (``build_summary(with_notes=True)``,
a leader's private request); a summary for a group never holds any.
"""

from __future__ import annotations

from babel.numbers import format_percent

from handlers.summaries import Derived, Summary
from locales.i18n import _, babel_locale, fmt_date, fmt_number
from storage.periods import period_label

MAX_NAMES = 40
MAX_NOTES = 10
NOTE_CHARS = 200


def percent(value: float, signed: bool = False) -> str:
    """Format a ratio as a percent in the user's locale (``38 %`` / ``+5 %``)."""
    pattern = "+#,##0%;-#,##0%" if signed else "#,##0%"
    return format_percent(value, pattern, locale=babel_locale())


def signed(value: int | None, base: int | None) -> str:
    """The change from ``base`` to ``value`` as ``+2``, ``-3`` or ``0``; a dash when unknown."""
    if value is None or base is None:
        return "—"
    diff = value - base
    return ("+" if diff > 0 else "") + fmt_number(diff)


def names(items: list[str]) -> str:
    """Join hamlet names, cutting a long list with "…and N more"."""
    shown = ", ".join(items[:MAX_NAMES])
    if len(items) > MAX_NAMES:
        shown += " " + _("…and {count} more").format(count=fmt_number(len(items) - MAX_NAMES))
    return shown


def _verdict(item: Derived) -> str:
    if item.met is None:
        return _("no data")
    return _("met") if item.met else _("not met")


def derived_line(item: Derived) -> str:
    """One target line: the figure, the target and whether it is met."""
    value = _("no data") if item.value is None else percent(item.value, signed=item.code == "users_change")
    if item.code == "tu_van_ratio":
        return _("• Counselled / (addicted + users): {value}; target at least {target}: {verdict}").format(
            value=value, target=percent(item.target), verdict=_verdict(item)
        )
    if item.code == "users_change":
        return _(
            "• Addicted + users against the same period last year: {value}; target a fall of at least "
            "{target}: {verdict}"
        ).format(value=value, target=percent(abs(item.target)), verdict=_verdict(item))
    return _("• {code}: {value}; target {target}: {verdict}").format(
        code=item.code, value=value, target=percent(item.target), verdict=_verdict(item)
    )


def summary_text(summary: Summary) -> str:
    """Render the whole summary as one message (well under Telegram's 4096 characters for a commune)."""
    lines = [
        _("Summary of {period} — {area}").format(period=period_label(summary.period), area=summary.area_name),
        _("Reported: {done} of {total} hamlets ({percent}). Deadline: {deadline}.").format(
            done=fmt_number(summary.reported),
            total=fmt_number(summary.expected),
            percent=percent(summary.reported / summary.expected if summary.expected else 0.0),
            deadline=fmt_date(summary.deadline),
        ),
    ]
    missing = [h.name for h in summary.with_status("missing")]
    late = [h.name for h in summary.with_status("late")]
    if missing:
        text = _("Not reported ({count}): {names}")
        lines.append(text.format(count=fmt_number(len(missing)), names=names(missing)))
    else:
        lines.append(_("All hamlets have reported."))
    if late:
        text = _("Reported late ({count}): {names}")
        lines.append(text.format(count=fmt_number(len(late)), names=names(late)))
    lines.append("")
    lines.append(_("Figures (change against the previous period · the same period last year):"))
    for info in summary.indicators:
        value = summary.totals.get(info.code)
        lines.append(
            _("• {label}: {value} {measure} ({previous} · {last_year})").format(
                label=info.label,
                value="—" if value is None else fmt_number(value),
                measure=info.measure,
                previous=signed(value, summary.previous_totals.get(info.code)),
                last_year=signed(value, summary.last_year_totals.get(info.code)),
            ).replace("  ", " ")
        )
    if summary.change_note:
        lines.append(summary.change_note)
    if summary.derived:
        lines.append("")
        lines.append(_("Targets:"))
        lines.extend(derived_line(item) for item in summary.derived)
    if summary.notes:
        lines.append("")
        lines.append(_("Difficulties and proposals from the hamlets:"))
        for note in summary.notes[:MAX_NOTES]:
            cut = note if len(note) <= NOTE_CHARS else note[: NOTE_CHARS - 1] + "…"
            lines.append("– " + " ".join(cut.split()))
        if len(summary.notes) > MAX_NOTES:
            lines.append(_("…and {count} more").format(count=fmt_number(len(summary.notes) - MAX_NOTES)))
    return "\n".join(lines)

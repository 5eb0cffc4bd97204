"""The province summary as a province leader reads it: a short answer first, the details on request, a chart.

The short text (about 600 characters) says how many communes have reported, which are missing with
the officer to call, the targets and the rate per 1,000 residents; the details (``/tonghop chi tiết``)
list every missing and late commune, every total and the communes furthest from their targets. The
chart shows the communes' statuses and the furthest communes' counselled ratio against its target.
No figure about a person under management is ever tied to a name: only communes and officers are named.
"""

from __future__ import annotations

import io
import logging

from matplotlib.figure import Figure

from handlers.province_summary import (
    OFFENDERS_CODE,
    OFFENDERS_PER_1000,
    USERS_CODES,
    USERS_PER_1000,
    CommuneLine,
    ProvinceSummary,
)
from handlers.summary_brief import with_change_note
from handlers.summary_chart import COLOURS, FONT, PLAIN
from handlers.summary_render import derived_line, names, percent
from locales.i18n import _, fmt_date, fmt_number
from storage.periods import period_label

SHORT_NAMES = 5
log = logging.getLogger(__name__)


def _rate(value: float) -> str:
    """A rate per 1,000 with one decimal, in the user's locale (2,5)."""
    return fmt_number(round(value, 1))


def _callee(line: CommuneLine, contact: bool = True) -> str:
    """A missing commune and whom to call there (the first registered officer of its police, one who gave a
    phone first). A phone is said wherever known: any leader dials it, on any messenger, which a tg:// link
    is not. To stay short, the short answer gives the phone alone, else the name alone (the details say both,
    or the name and the link)."""
    if not line.officers:
        return _("{commune} (no officer registered)").format(commune=line.name)
    officer = line.officers[0]
    if not contact:
        if officer.phone:
            return _("{commune} (call {phone})").format(commune=line.name, phone=officer.phone)
        return _("{commune} (call {name})").format(commune=line.name, name=officer.name)
    return _("{commune} (call {name}, {contact})").format(commune=line.name, name=officer.name,
                                                          contact=officer.phone or officer.contact)


def _head(summary: ProvinceSummary) -> list[str]:
    total = len(summary.communes)
    return [
        _("Communes' reports of {period} — {area}").format(period=period_label(summary.period),
                                                          area=summary.area_name),
        _("Reported: {done} of {total} communes ({percent}), {late} late. Deadline: {deadline}.").format(
            done=fmt_number(summary.reported), total=fmt_number(total),
            percent=percent(summary.reported / total if total else 0.0),
            late=fmt_number(len(summary.with_status("late"))), deadline=fmt_date(summary.deadline)),
    ]


def _rates(summary: ProvinceSummary) -> list[str]:
    users = summary.rate(USERS_CODES)
    if users is None:
        return [_("No commune has its population recorded: no rate per 1,000 residents.")]
    over = summary.over_threshold(USERS_CODES, USERS_PER_1000)
    line = _("Addicted + users: {rate} per 1,000 residents; {count} communes at or over {threshold} per 1,000 "
             "(QĐ 28/2025 criterion).").format(rate=_rate(users), count=fmt_number(len(over)),
                                               threshold=fmt_number(USERS_PER_1000))
    out = [line]
    offenders = summary.rate((OFFENDERS_CODE,))
    if offenders is not None:
        out.append(_("People detected: {rate} per 1,000 residents ({threshold} per 1,000 is a criterion).").format(
            rate=_rate(offenders), threshold=fmt_number(OFFENDERS_PER_1000)))
    return out


def province_text(summary: ProvinceSummary) -> str:
    """The short answer: status, whom to call, targets, rates, and how to get the details (about 600 chars)."""
    lines = _head(summary)
    missing = summary.with_status("missing")
    if missing:
        heading = _("Not reported ({count}):") if summary.overdue else _("Not reported yet ({count}):")
        shown = "; ".join(_callee(line, contact=False) for line in missing[:SHORT_NAMES])
        more = len(missing) - SHORT_NAMES
        if more > 0:
            shown += " " + _("…and {count} more").format(count=fmt_number(more))
        lines.append(heading.format(count=fmt_number(len(missing))) + " " + shown)
    else:
        lines.append(_("Every commune has reported."))
    lines.extend(derived_line(item) for item in summary.derived)
    lines.extend(_rates(summary)[:1])
    furthest = summary.furthest(3)
    if furthest:
        lines.append(_("Furthest from the targets: {names}").format(names=", ".join(c.name for c in furthest)))
    lines.append(_("Details: /tonghop chi tiết; Excel file: /xuatexcel"))
    return "\n".join(with_change_note(lines, summary.change_note))


def province_details(summary: ProvinceSummary) -> str:
    """The details: every missing and late commune with whom to call, every total, rates, the furthest."""
    lines = _head(summary)
    missing = summary.with_status("missing")
    if missing:
        lines.append(_("Not reported ({count}):").format(count=fmt_number(len(missing))))
        lines.extend("• " + _callee(line) for line in missing)
    late = [c.name for c in summary.with_status("late")]
    if late:
        lines.append(_("Reported late ({count}): {names}").format(count=fmt_number(len(late)), names=names(late)))
    lines.append("")
    lines.append(_("Totals of the communes' reports (same period last year):"))
    for info in summary.indicators:
        value = summary.totals.get(info.code)
        before = summary.last_year_totals.get(info.code)
        lines.append(_("• {label}: {value} {measure} ({last_year})").format(
            label=info.label, value="—" if value is None else fmt_number(value), measure=info.measure,
            last_year="—" if before is None else fmt_number(before)).replace("  ", " "))
    if summary.change_note:
        lines.append(summary.change_note)
    if summary.derived:
        lines.append("")
        lines.append(_("Targets:"))
        lines.extend(derived_line(item) for item in summary.derived)
    lines.append("")
    lines.extend(_rates(summary))
    furthest = summary.furthest()
    if furthest:
        lines.append("")
        lines.append(_("Furthest from the targets:"))
        for line in furthest:
            misses = [derived_line(item).lstrip("• ") for item in line.derived if item.met is False]
            lines.append(f"• {line.name}: " + "; ".join(misses))
    return "\n".join(lines)


def province_png(summary: ProvinceSummary) -> bytes:
    """Draw the communes' statuses and the furthest communes' counselled ratio; return the PNG bytes."""
    fig = Figure(figsize=(7.2, 9), dpi=150)
    fig.patch.set_facecolor("white")
    label = period_label(summary.period)
    title = _("{period} — {area}").format(period=label[:1].upper() + label[1:], area=summary.area_name)
    fig.text(0.04, 0.975, title, fontsize=20, fontweight="bold", family=FONT, va="top", **PLAIN)
    total = len(summary.communes)
    fig.text(0.04, 0.93, _("Communes reported: {done} of {total}").format(
        done=fmt_number(summary.reported), total=fmt_number(total)), fontsize=17, family=FONT, va="top", **PLAIN)
    labels = {"on_time": _("On time"), "late": _("Late"), "missing": _("Not reported")}
    bar = fig.add_axes((0.04, 0.74, 0.92, 0.1))
    bar.set_axis_off()
    left = 0.0
    for status, colour in COLOURS.items():
        count = len(summary.with_status(status))
        share = count / total if total else 0.0
        bar.barh(0, share, left=left, color=colour, height=0.8)
        if count:
            bar.text(left + share / 2, 0, fmt_number(count), ha="center", va="center", color="white",
                     fontsize=18, fontweight="bold", family=FONT, **PLAIN)
        left += share
    bar.set_xlim(0, 1)
    x = 0.04
    for status, colour in COLOURS.items():
        fig.text(x, 0.89, f"■ {labels[status]}", color=colour, fontsize=14, fontweight="bold", family=FONT,
                 va="top", **PLAIN)
        x += 0.3
    _furthest_axes(fig, summary)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def _furthest_axes(fig: Figure, summary: ProvinceSummary) -> None:
    """The counselled ratio of the communes furthest from their targets, against the target line."""
    ax = fig.add_axes((0.3, 0.08, 0.62, 0.55))
    rows = [(line.name, item.value, item.target) for line in summary.furthest(10) for item in line.derived
            if item.code == "tu_van_ratio" and item.value is not None]
    ax.set_title(_("Counselled / (addicted + users), furthest communes"), fontsize=14, family=FONT, loc="left",
                 **PLAIN)
    if not rows:
        ax.set_axis_off()
        ax.text(0.5, 0.5, _("Every commune meets its targets or has no figures."), ha="center", va="center",
                fontsize=14, family=FONT, **PLAIN)
        return
    ys = list(range(len(rows)))
    ax.barh(ys, [value * 100 for _name, value, _t in rows], color="#c62828")
    ax.axvline(rows[0][2] * 100, color="#1565c0", linewidth=2)
    ax.set_yticks(ys, [name if len(name) <= 18 else name[:17] + "…" for name, _v, _t in rows], fontsize=12,
                  family=FONT, **PLAIN)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("%", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def province_png_or_none(summary: ProvinceSummary) -> bytes | None:
    """The chart's PNG, or ``None`` (logged) when it cannot be drawn: the text goes alone."""
    try:
        return province_png(summary)
    except Exception:
        log.exception("the province chart of area %s, period %s could not be drawn", summary.area_id,
                      summary.period.code)
        return None

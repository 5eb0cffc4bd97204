"""The summary as a picture for a phone: each hamlet's status as coloured tiles, the main figures by month.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, safe in a worker thread),
in DejaVu Sans, which has every Vietnamese glyph; large type and three colours. Every label is drawn
as plain text (``parse_math=False``): a unit named ``$x^{$`` is a name, not mathtext to parse. A chart
that fails anyway is logged and left out (``chart_or_none``): the text summary never depends on it.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from handlers.summaries import Summary
from locales.i18n import _, fmt_number
from storage.periods import period_label

COLOURS = {"on_time": "#2e7d32", "late": "#ef8f00", "missing": "#c62828"}
FONT = "DejaVu Sans"
MAX_TILES = 80
# Text as typed: no mathtext ("$…$"), whatever a unit's name holds.
PLAIN: dict[str, Any] = {"parse_math": False, "usetex": False}
log = logging.getLogger(__name__)


def _status_labels() -> dict[str, str]:
    return {"on_time": _("On time"), "late": _("Late"), "missing": _("Not reported")}


def _tiles(fig: Figure, summary: Summary, rect: tuple[float, float, float, float]) -> None:
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    hamlets = summary.hamlets
    cols = 3 if len(hamlets) <= 12 else 4 if len(hamlets) <= 32 else 6
    rows = max(1, -(-len(hamlets) // cols))
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    size = 13 if cols <= 4 else 10
    for index, hamlet in enumerate(hamlets):
        x, y = index % cols, index // cols
        ax.add_patch(Rectangle((x + 0.04, y + 0.06), 0.92, 0.88, color=COLOURS[hamlet.status]))
        name = hamlet.name if len(hamlet.name) <= 14 else hamlet.name[:13] + "…"
        ax.text(x + 0.5, y + 0.5, name, ha="center", va="center", color="white", fontsize=size,
                fontweight="bold", family=FONT, **PLAIN)


def _bar(fig: Figure, summary: Summary, rect: tuple[float, float, float, float]) -> None:
    """A province has too many hamlets for tiles: one stacked bar of the counts."""
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    left = 0.0
    total = max(1, summary.expected)
    for status, colour in COLOURS.items():
        count = summary.count(status)
        ax.barh(0, count / total, left=left, color=colour, height=0.8)
        if count:
            ax.text(left + count / total / 2, 0, fmt_number(count), ha="center", va="center", color="white",
                    fontsize=18, fontweight="bold", family=FONT, **PLAIN)
        left += count / total
    ax.set_xlim(0, 1)


def _history(fig: Figure, summary: Summary, rect: tuple[float, float, float, float]) -> None:
    ax = fig.add_axes(rect)
    labels = [f"{p.number:02d}/{p.year % 100:02d}" for p, _v in summary.history]
    xs = list(range(len(labels)))

    def series(codes: list[str]) -> list[float]:
        out = []
        for _p, values in summary.history:
            parts = [values.get(code) for code in codes]
            out.append(float("nan") if any(v is None for v in parts) else float(sum(v or 0 for v in parts)))
        return out

    users, counselled = series(["nghien", "su_dung"]), series(["tu_van"])
    ax.plot(xs, users, color="#c62828", linewidth=3, marker="o", markersize=7, label=_("Addicted + users"))
    ax.plot(xs, counselled, color="#1565c0", linewidth=3, marker="s", markersize=7, label=_("Counselled"))
    top = max([v for v in users + counselled if v == v] or [1.0])
    ax.set_xticks(xs, labels, rotation=45, fontsize=12, family=FONT, **PLAIN)
    ax.tick_params(axis="y", labelsize=13)
    ax.set_title(_("Last 12 months (all hamlets)"), fontsize=16, family=FONT, loc="left", **PLAIN)
    ax.grid(axis="y", alpha=0.3)
    # Head-room above the lines for the legend, so it never covers a point.
    ax.set_ylim(0, top * 1.4 + 1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    legend = ax.legend(loc="upper left", ncol=2, frameon=False, prop={"family": FONT, "size": 14})
    for text in legend.get_texts():
        text.set_parse_math(False)


def summary_png(summary: Summary) -> bytes:
    """Draw the summary chart and return the PNG bytes (about 1080 × 1500 pixels)."""
    fig = Figure(figsize=(7.2, 10), dpi=150)
    fig.patch.set_facecolor("white")
    label = period_label(summary.period)
    title = _("{period} — {area}").format(period=label[:1].upper() + label[1:], area=summary.area_name)
    fig.text(0.04, 0.975, title, fontsize=20, fontweight="bold", family=FONT, va="top", **PLAIN)
    counts = _("Reported: {done} of {total}").format(
        done=fmt_number(summary.reported), total=fmt_number(summary.expected)
    )
    fig.text(0.04, 0.935, counts, fontsize=17, family=FONT, va="top", **PLAIN)
    labels = _status_labels()
    x = 0.04
    for status, colour in COLOURS.items():
        text = f"■ {labels[status]} ({fmt_number(summary.count(status))})"
        fig.text(x, 0.9, text, color=colour, fontsize=14, fontweight="bold", family=FONT, va="top", **PLAIN)
        x += 0.29 if status == "on_time" else 0.27
    # Tiles need every hamlet listed; a province summary that only counts its on-time hamlets gets the bar.
    if not summary.on_time_unlisted and len(summary.hamlets) <= MAX_TILES:
        _tiles(fig, summary, (0.03, 0.45, 0.94, 0.43))
    else:
        _bar(fig, summary, (0.04, 0.72, 0.92, 0.12))
    _history(fig, summary, (0.12, 0.08, 0.84, 0.3))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def chart_or_none(summary: Summary) -> bytes | None:
    """The chart's PNG, or ``None`` (logged) when it cannot be drawn: the caller sends the text alone."""
    try:
        return summary_png(summary)
    except Exception:
        log.exception("the summary chart of area %s, period %s could not be drawn", summary.area_id,
                      summary.period.code)
        return None

"""Appendix tables: target tables (indicator, target) and task tables (content, lead, support, time)."""

from __future__ import annotations

import re

from locales.vietnamese import fold
from storage.plans import extract
from storage.plans.document import TableRegion
from storage.plans.parsed import ParsedAssignment, ParsedPlan, ParsedTarget, ParsedTask, Source
from storage.plans.units import split_units
from storage.plans.vocabulary import pattern, vocabulary

_ROW_NUMBER = re.compile(r"^\(?\d+\)?\.?$")


def _columns(header: list[str]) -> dict[str, int]:
    """Which column holds what, from the header's wording (``table_columns`` in the vocabulary)."""
    cols: dict[str, int] = {}
    for i, cell in enumerate(header):
        f = fold(cell)
        for name, words in vocabulary().table_columns.items():
            if any(w in f for w in words):
                cols.setdefault(name, i)
                break
    return cols


def _title(region: TableRegion) -> str:
    title = region.title.strip()
    return title if len(title) <= 160 else title[:159].rstrip() + "…"


def read_tables(plan: ParsedPlan, regions: list[TableRegion]) -> None:
    """Add the targets and tasks of every recognised table to ``plan``."""
    for region in regions:
        header_at = next(
            (
                i
                for i, row in enumerate(region.rows)
                if len(row) >= 3 and fold(row[0]) in vocabulary().row_number_headers
            ),
            None,
        )
        if header_at is None:
            continue
        cols = _columns(region.rows[header_at])
        title = _title(region)
        years = pattern("year").findall(region.title)
        group = ""
        for n, row in enumerate(region.rows[header_at + 1 :], start=1):
            if not row or not _ROW_NUMBER.match(row[0].strip()):
                continue
            cells = [c.strip() for c in row]
            if "lead" in cols:
                _task_row(plan, cells, cols, title, n)
            elif "value" in cols:
                if len(cells) == 2 and cells[1].endswith(":"):
                    group = cells[1].rstrip(":")
                    continue
                if len(cells) < 3:
                    continue
                section = f"{title} › {group}" if group else title
                plan.targets.append(
                    ParsedTarget(
                        indicator=" ".join(cells[1:-1]),
                        value=cells[-1],
                        source=Source(section, n),
                        time_frame=years[-1] if years else None,
                    )
                )


def _cell(cells: list[str], cols: dict[str, int], name: str) -> str:
    i = cols.get(name)
    return cells[i] if i is not None and i < len(cells) else ""


def _task_row(plan: ParsedPlan, cells: list[str], cols: dict[str, int], title: str, n: int) -> None:
    text = _cell(cells, cols, "content")
    if not text:
        return
    assignments = [ParsedAssignment(u, "lead") for u in split_units(_cell(cells, cols, "lead"))]
    assignments += [ParsedAssignment(u, "support") for u in split_units(_cell(cells, cols, "support"))]
    if not assignments:
        return
    plan.tasks.append(
        ParsedTask(
            text=text,
            assignments=assignments,
            source=Source(title, n),
            time_frame=_cell(cells, cols, "time").rstrip(" .") or extract.time_frame(text),
            projects=extract.project_codes(text),
        )
    )

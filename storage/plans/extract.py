"""Small extractors over one paragraph: time frames, project codes, target values, report deadlines."""

from __future__ import annotations

import datetime as dt
import re

from locales.vietnamese import fold
from storage.plans.vocabulary import pattern, patterns, vocabulary


def time_frame(text: str) -> str | None:
    """The first time frame a task states ("Hoàn thành trong Quý III/2025", "thường xuyên")."""
    for frame in patterns("time_frames"):
        m = frame.search(text)
        if m:
            return m.group(1).strip()
    return None


def project_codes(text: str, context: str | None = None) -> list[str]:
    """Project codes a text refers to: "Dự án 7 - Tiểu dự án 2" → ["7.2"]; "Dự án 5" → ["5"].

    ``context`` is the project a bare "Tiểu dự án N" belongs to (the one last named around it).
    """
    codes: list[str] = []
    for m in pattern("project_ref").finditer(text):
        if m.group("sub"):
            parent = m.group("parent") or context
            subs = [s.strip() for s in m.group("subs").split(",")]
            codes.extend(f"{parent}.{s}" if parent else f"?.{s}" for s in subs)
        elif m.group("child"):
            codes.append(f"{m.group('main')}.{m.group('child')}")
        else:
            codes.append(m.group("main"))
    out: list[str] = []
    for code in codes:
        if code not in out and not code.startswith("?"):
            out.append(code)
    return out


def target_values(text: str) -> list[str]:
    """Quantities a clause sets ("Trên 80%", "800 người")."""
    return [m.group(1).strip() for m in pattern("target_value").finditer(text)]


def status_values(text: str) -> list[str]:
    """Status targets ("xã “không ma túy”")."""
    return [m.group(1).strip() for m in pattern("status_value").finditer(text)]


def deadlines(text: str, year: int | None) -> list[tuple[str, str, dt.date | None]]:
    """Report deadlines in a paragraph: (kind, due as written, full date when given)."""
    vocab = vocabulary()
    folded = fold(text)
    if not any(word in folded for word in vocab.deadline_context):
        return []
    found: list[tuple[str, str, dt.date | None]] = []
    last = 0
    for m in pattern("report_due").finditer(text):
        before = fold(text[last : m.start()])
        # Only the words since the last deadline or clause start name what this one is for.
        before = re.split(r"[;]", before)[-1]
        kind, best = "other", -1
        for name, kind_words in vocab.deadline_kinds:
            ends = [h.end() for h in kind_words.finditer(before)]
            # The kind word nearest the date wins; on a tie the more specific kind (listed first) stays.
            if ends and max(ends) > best:
                kind, best = name, max(ends)
        due = " ".join(m.group(1).split()).replace(" / ", "/")
        full = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", due)
        on: dt.date | None = None
        if full:
            try:
                on = dt.date(int(full.group(3)), int(full.group(2)), int(full.group(1)))
            except ValueError:
                on = None
        found.append((kind, due, on))
        last = m.end()
    return found

"""The header of a plan: its number, date, title and the area that issued it."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from locales.vietnamese import fold
from storage.plans.document import Document
from storage.plans.parsed import ParsedPlan
from storage.plans.vocabulary import pattern, vocabulary


def area_kind(name: str) -> str | None:
    """The kind of an area from the word its name opens with ("tỉnh Nghệ An" → "province")."""
    folded = fold(name)
    kinds = vocabulary().area_kinds
    for word in sorted(kinds, key=len, reverse=True):
        if folded.startswith(word + " "):
            return kinds[word]
    return None


def read_header(plan: ParsedPlan, doc: Document, raw: str) -> None:
    head = "\n".join(doc.head)
    m = pattern("plan_number").search(head)
    if m and m.group(1):
        plan.number = f"{m.group(1)}/{m.group(2)}"
    d = pattern("issue_date").search(head)
    if d:
        if d.group(1):
            try:
                plan.issued_on = dt.date(int(d.group(3)), int(d.group(2)), int(d.group(1)))
            except ValueError:
                plan.issued_on = None
        if plan.issued_on is None:
            plan.issued_text = f"{int(d.group(2)):02d}/{d.group(3)}"
    for i, para in enumerate(doc.paragraphs[:12]):
        folded = fold(para.text)
        if folded == vocabulary().plan_word and i + 1 < len(doc.paragraphs):
            plan.title = doc.paragraphs[i + 1].text
            break
        if folded.startswith(vocabulary().plan_word + " ") and len(folded) > 30:
            plan.title = pattern("plan_title_prefix").sub("", para.text)
            break
    place = next(
        (pm.group(1).strip() for line in doc.head if (pm := pattern("place_line").match(line.strip("| ")))), None
    )
    text = raw[:200_000]
    found = Counter((m.group(1).lower(), m.group(2)) for m in pattern("area_name").finditer(text))
    if place:
        kinds = Counter({k: c for k, c in found.items() if fold(k[1]) == fold(place)})
        if kinds:
            found = kinds
    top = [k for k, _ in found.most_common() if vocabulary().area_kinds.get(fold(k[0])) in ("province", "commune")]
    if top:
        plan.area_name = f"{top[0][0]} {top[0][1]}"
        plan.area_kind = area_kind(plan.area_name)

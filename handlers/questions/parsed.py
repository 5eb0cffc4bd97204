"""A question read once: folded, normalised and split into words one time, with what its words name.

``read_question`` is called where a question enters (``answer_question``, ``question_handler``); the
answering functions work on the ``ParsedQuestion`` it returns instead of folding, normalising and
splitting the raw text again each on its own. What needs the plans (which of their units the words
name) is matched later, from ``unit_words`` and ``levels``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handlers.questions.entities import (
    Umbrella,
    asked_period,
    asks_who,
    deadline_kind,
    mentions_commune,
    mentions_hamlet,
    mentions_self,
    named_span,
    project_codes,
    question_levels,
    umbrella_members,
)
from handlers.questions.intents import intent_of
from handlers.questions.matching import has_any, normalize_folded, phrases
from handlers.questions.unit_replies import UnitQuery, detail_number
from locales.vietnamese import fold


@dataclass(frozen=True)
class ParsedQuestion:
    """One question as every answer reads it: its forms, its words, its intent and what it names."""

    raw: str
    folded: str  # lower case, without diacritics
    norm: str  # folded, without punctuation, abbreviations and chat shorthand spelled out
    tokens: tuple[str, ...]  # the words of ``norm``
    intent: str
    unit_words: tuple[str, ...]  # the words a unit's name is matched against (level words dropped)
    levels: frozenset[str]  # the levels named: "province", "district", "commune"
    span: str | None  # the words that name a body, whether or not a plan has it ("so cong thuong")
    umbrellas: tuple[Umbrella, ...]  # bodies named that a plan may name only through another
    names_self: bool  # "đơn vị tôi", "xóm mình"
    names_hamlets: bool  # "xóm", "thôn", "bản"
    names_communes: bool  # "UBND xã", "các xã", or opening with "xã …"
    asks_who: bool  # "ai", "đơn vị nào", "chủ trì"
    asks_assigned: bool  # the words of an assigned-tasks question ("nhiệm vụ", "làm gì")
    query: UnitQuery  # the narrow fact asked about a unit ("chủ trì dự án nào", "chi tiết 2")
    projects: tuple[str, ...]  # project codes: "7.4", "*.2", "5"
    deadline_kind: str | None  # the kind of report a deadline question is about
    period: tuple[str, int, int] | None  # the period a deadline question names


def read_question(text: str, today: dt.date) -> ParsedQuestion:
    """Read ``text`` once into a ``ParsedQuestion`` (periods without a year are in ``today``'s year)."""
    folded = fold(text)
    norm = normalize_folded(folded)
    tokens = tuple(norm.split())
    p = phrases()
    kind = deadline_kind(norm)
    return ParsedQuestion(
        raw=text,
        folded=folded,
        norm=norm,
        tokens=tokens,
        intent=intent_of(norm, tokens),
        unit_words=tuple(t for t in tokens if t not in p.unit_stop_tokens),
        levels=frozenset(question_levels(tokens)),
        span=named_span(tokens),
        umbrellas=tuple(umbrella_members(norm)),
        names_self=mentions_self(tokens),
        names_hamlets=mentions_hamlet(tokens),
        names_communes=mentions_commune(tokens) or (bool(tokens) and tokens[0] in p.commune_starts),
        asks_who=asks_who(tokens),
        asks_assigned=has_any(tokens, next(r for r in p.rules if r.intent == "assigned_tasks").groups[0]),
        query=_unit_query(tokens),
        projects=tuple(project_codes(norm)),
        deadline_kind=kind,
        period=asked_period(norm, kind, today),
    )


def _unit_query(tokens: tuple[str, ...]) -> UnitQuery:
    """Narrow questions get the narrow fact: "chủ trì dự án nào", "phối hợp với ai", "chi tiết 2"."""
    p = phrases()
    if has_any(tokens, p.detail_words):
        return UnitQuery(detail=detail_number(tokens))
    for focus in ("partners", "projects", "lead", "support"):
        if has_any(tokens, p.focus[focus]):
            return UnitQuery(focus=focus)
    return UnitQuery()

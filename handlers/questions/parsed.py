"""A question read once: folded, normalised and split into words one time, with what its words name.

``read_question`` is called where a question enters (``answer_question``, ``question_handler``); the
answering functions work on the ``ParsedQuestion`` it returns instead of folding, normalising and
splitting the raw text again each on its own. What needs the plans (which of their units the words
name) is matched later, from ``unit_words`` and ``levels``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from handlers.questions.entities import (
    Umbrella,
    asked_period,
    deadline_kind,
    mentions_commune,
    mentions_hamlet,
    mentions_self,
    named_span,
    project_codes,
    question_levels,
    umbrella_members,
)
from handlers.questions.entities import asks_who as who_asked
from handlers.questions.intents import intent_of
from handlers.questions.matching import has_any, normalize_folded, phrases
from handlers.questions.unit_replies import UnitQuery, detail_number
from locales.vietnamese import fold


@dataclass(frozen=True)
class ParsedQuestion:
    """One question as every answer reads it: its forms, its words, its intent and what it names.

    What only some answers need (the units, levels and phrasings it names) is read on first use, once.
    """

    raw: str
    folded: str  # lower case, without diacritics
    norm: str  # folded, without punctuation, abbreviations and chat shorthand spelled out
    tokens: tuple[str, ...]  # the words of ``norm``
    intent: str
    projects: tuple[str, ...]  # project codes: "7.4", "*.2", "5"
    deadline_kind: str | None  # the kind of report a deadline question is about
    today: dt.date  # the day asked on: a period named without a year is in its year

    @cached_property
    def period(self) -> tuple[str, int, int] | None:
        """The period a deadline question names ("quý 2" → ("quarter", year, 2))."""
        return asked_period(self.norm, self.deadline_kind, self.today)

    @cached_property
    def unit_words(self) -> tuple[str, ...]:
        """The words a unit's name is matched against (level words dropped)."""
        stop = phrases().unit_stop_tokens
        return tuple(t for t in self.tokens if t not in stop)

    @cached_property
    def levels(self) -> frozenset[str]:
        """The levels named: "province", "district", "commune"."""
        return frozenset(question_levels(self.tokens))

    @cached_property
    def span(self) -> str | None:
        """The words that name a body, whether or not a plan has it ("so cong thuong")."""
        return named_span(self.tokens)

    @cached_property
    def umbrellas(self) -> tuple[Umbrella, ...]:
        """Bodies named that a plan may name only through another ("Hội Phụ nữ" under the Mặt trận)."""
        return tuple(umbrella_members(self.norm))

    @cached_property
    def names_self(self) -> bool:
        """Whether the asker speaks of their own unit ("đơn vị tôi", "xóm mình")."""
        return mentions_self(self.tokens)

    @cached_property
    def names_hamlets(self) -> bool:
        """Whether hamlets in general are named ("xóm", "thôn", "bản")."""
        return mentions_hamlet(self.tokens)

    @cached_property
    def names_communes(self) -> bool:
        """Whether communes in general are named ("UBND xã", "các xã", or opening with "xã …")."""
        return mentions_commune(self.tokens) or (bool(self.tokens) and self.tokens[0] in phrases().commune_starts)

    @cached_property
    def asks_who(self) -> bool:
        """Whether it asks who ("ai", "đơn vị nào", "chủ trì")."""
        return who_asked(self.tokens)

    @cached_property
    def asks_assigned(self) -> bool:
        """Whether it has the words of an assigned-tasks question ("nhiệm vụ", "làm gì")."""
        rule = next(r for r in phrases().rules if r.intent == "assigned_tasks")
        return has_any(self.tokens, rule.groups[0])

    @cached_property
    def query(self) -> UnitQuery:
        """The narrow fact asked about a unit: "chủ trì dự án nào", "phối hợp với ai", "chi tiết 2"."""
        p = phrases()
        if has_any(self.tokens, p.detail_words):
            return UnitQuery(detail=detail_number(self.tokens))
        for focus in ("partners", "projects", "lead", "support"):
            if has_any(self.tokens, p.focus[focus]):
                return UnitQuery(focus=focus)
        return UnitQuery()


def read_question(text: str, today: dt.date) -> ParsedQuestion:
    """Read ``text`` once into a ``ParsedQuestion`` (periods without a year are in ``today``'s year)."""
    folded = fold(text)
    norm = normalize_folded(folded)
    tokens = tuple(norm.split())
    return ParsedQuestion(
        raw=text,
        folded=folded,
        norm=norm,
        tokens=tokens,
        intent=intent_of(norm, tokens),
        projects=tuple(project_codes(norm)),
        deadline_kind=deadline_kind(norm),
        today=today,
    )

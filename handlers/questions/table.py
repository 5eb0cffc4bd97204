"""The intent table's shapes: what an answerer gets (``Context``), what it returns (``Answer``), and the
table that maps each intent's name to its one answerer (``IntentTable``).

The table itself, with every answerer, is ``handlers.questions.answerers.TABLE``; this module holds only
the types, so that the modules answerers draw on can build an ``Answer`` without importing the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.questions.parsed import ParsedQuestion
from locales.messages import Reply


@dataclass(frozen=True)
class Asker:
    """Who asks: their unit (hamlet or agency) and role, as far as known."""

    unit_id: int | None
    role: str | None  # "reporter" | "officer" | "leader" | "admin" | None


@dataclass
class Answer:
    """The intent understood, the unit the answer is about, the replies, and the tasks listed."""

    intent: str
    unit: str | None
    replies: list[Reply]
    tasks: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What an answerer gets: the database session, the question read once, who asks, and the day asked."""

    session: AsyncSession
    q: ParsedQuestion
    asker: Asker
    today: dt.date


Answerer = Callable[[Context], Awaitable[Answer]]


class IntentTable:
    """Each intent's name mapped to its one answerer, in the order they were declared."""

    def __init__(self) -> None:
        self._answerers: dict[str, Answerer] = {}

    def answers(self, intent: str) -> Callable[[Answerer], Answerer]:
        """Declare the decorated function as the answerer of ``intent``; an intent is declared once."""

        def register(answerer: Answerer) -> Answerer:
            if intent in self._answerers:
                raise ValueError(f"intent {intent!r} already has an answerer")
            self._answerers[intent] = answerer
            return answerer

        return register

    async def answer(self, context: Context) -> Answer:
        """The answer of the answerer of the question's intent."""
        answerer = self._answerers.get(context.q.intent)
        if answerer is None:
            raise LookupError(f"no answerer for intent {context.q.intent!r} in handlers/questions/answerers.py")
        return await answerer(context)

    def missing(self, intents: Iterable[str]) -> list[str]:
        """Those of ``intents`` (the phrase rules' ones) that have no answerer here."""
        return sorted({i for i in intents if i not in self._answerers})

    def __iter__(self) -> Iterator[str]:
        """The intents, in the order their answerers were declared."""
        return iter(self._answerers)

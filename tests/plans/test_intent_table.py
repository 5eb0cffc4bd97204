"""The intent table: every intent a phrase rule names has one answerer, declared once.

Adding an intent is its rule in ``phrases.json``, its answerer in ``handlers/questions/answerers.py`` and
its strings in the two catalogs; this test fails when the answerer was forgotten.
"""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.questions import INTENTS
from handlers.questions.answerers import TABLE
from handlers.questions.matching import phrases
from handlers.questions.parsed import read_question
from handlers.questions.table import Answer, Asker, Context, IntentTable


def test_every_intent_a_phrase_rule_names_has_an_answerer() -> None:
    assert TABLE.missing(rule.intent for rule in phrases().rules) == []


def test_intents_are_the_table_s_names_with_unknown_among_them() -> None:
    assert tuple(TABLE) == INTENTS
    assert "unknown" in INTENTS
    assert set(INTENTS) == {rule.intent for rule in phrases().rules} | {"unknown"}


def test_an_intent_declared_twice_is_refused() -> None:
    table = IntentTable()

    @table.answers("greeting")
    async def first(c: Context) -> Answer:
        return Answer("greeting", None, [])

    with pytest.raises(ValueError, match="greeting"):
        table.answers("greeting")(first)


async def test_a_question_whose_intent_has_no_answerer_fails_loudly() -> None:
    table = IntentTable()
    q = read_question("giúp", dt.date(2026, 3, 10))
    with pytest.raises(LookupError, match="help"):
        await table.answer(Context(None, q, Asker(None, None), q.today))  # type: ignore[arg-type]

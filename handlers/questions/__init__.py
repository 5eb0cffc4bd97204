"""Questions about the imported plans, in the user's own words: "đơn vị tôi được giao gì?" and more.

``answer_question`` is what the dispatcher calls for free text that is not a command: the question is
read once (``parsed.py``), its intent found by the phrase rules (``intents.py``, ``phrases.json``), and
the answerer the intent table (``answerers.py``) declares for that intent answers it. How to add an
intent is in ``answerers.py``'s docstring.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.questions.answerers import TABLE
from handlers.questions.matching import has_any, phrases
from handlers.questions.parsed import ParsedQuestion, read_question
from handlers.questions.table import Answer, Asker, Context
from locales.messages import Reply
from storage.people import Member

__all__ = [
    "INTENTS",
    "Answer",
    "Asker",
    "ParsedQuestion",
    "answer_parsed",
    "answer_question",
    "question_handler",
    "read_question",
]

# Every intent a question can have: the names of the intent table, in the order it declares them.
INTENTS = tuple(TABLE)


async def answer_question(session: AsyncSession, text: str, asker: Asker, today: dt.date) -> Answer:
    """Understand ``text`` and answer it from the plans and reports in the database."""
    return await answer_parsed(session, read_question(text, today), asker, today)


async def answer_parsed(session: AsyncSession, q: ParsedQuestion, asker: Asker, today: dt.date) -> Answer:
    """Answer a question already read (``read_question``) by the answerer of its intent."""
    return await TABLE.answer(Context(session, q, asker, today))


# The unit each person last asked about, so that "xem chi tiết" or a bare task number right after a
# list gives that unit's full text. Process memory, bounded: after a restart the user names the unit.
_LAST_UNIT: OrderedDict[int, str] = OrderedDict()
_LAST_MAX = 5000


def follow_up(q: ParsedQuestion, last_unit: str | None) -> str | None:
    """ "2", "xem chi tiết", "chi tiết 3" right after a list: the question it stands for, or ``None``."""
    if last_unit is None:
        return None
    m = phrases().task_number.match(q.raw)
    if m:
        return f"chi tiết {m.group(1)} {last_unit}"
    tokens = q.tokens
    if not has_any(tokens, phrases().detail_words) or len(tokens) > 5:
        return None
    rest = [t for t in tokens if not t.isdigit() and t not in phrases().detail_fillers]
    if rest:
        return None  # "chi tiết Công an xã" names its unit
    number = next((t for t in tokens if t.isdigit()), "")
    return f"chi tiết {number} {last_unit}".replace("  ", " ")


async def question_handler(session: AsyncSession, text: str, member: Member, today: dt.date) -> tuple[str, list[Reply]]:
    """``answer_question`` in the shape of the dispatcher's ``QuestionHandler`` (``Core.questions``)."""
    q = read_question(text, today)
    asked = follow_up(q, _LAST_UNIT.get(member.person_id))
    if asked is not None:
        q = read_question(asked, today)  # the question a follow-up stands for: a text of its own, read once
    answer = await answer_parsed(session, q, Asker(member.unit_id, member.role), today)
    if answer.intent == "assigned_tasks" and answer.unit and answer.tasks:
        _LAST_UNIT[member.person_id] = answer.unit
        _LAST_UNIT.move_to_end(member.person_id)
        while len(_LAST_UNIT) > _LAST_MAX:
            _LAST_UNIT.popitem(last=False)
    return answer.intent, answer.replies

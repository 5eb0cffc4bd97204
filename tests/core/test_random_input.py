"""Random input through the core, on the real database (issue 11): the report dialog and the question
path get random text, any Unicode, control and invisible characters, huge numbers and long messages.

Whatever is typed: no exception escapes (the core's "something went wrong" never shows), every reply
is Vietnamese (never an English msgid, no English marker the user did not type), and nothing invalid
is stored (notes and dialog payloads visible, notes at most NOTE_MAX_CHARS; counts whole numbers
from 0 to MAX_COUNT). Deterministic (``derandomize``, no example database) and bounded (300 examples
per backend: about 10 s on SQLite, 20 s on PostgreSQL), so CI never flakes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.numbers import MAX_COUNT
from conversations.privacy import NOTE_MAX_CHARS
from handlers.dispatch import Core
from handlers.questions import question_handler
from locales.i18n import LOCALE_DIR
from locales.messages import Reply
from locales.vietnamese import visible
from storage.models import DialogState, Report, ReportRevision, ReportValue
from tests.core.chat import Clock, User, code_of, demo

GENERIC_ERRORS = ("Sorry, something went wrong", "hệ thống đang gặp sự cố")
# Words of English replies that no Vietnamese reply holds (unless the user typed them: replies echo).
ENGLISH_MARKERS = ("Please ", "Type ", "The report", "Saved the", "Cancelled", "Sorry", "You ", "Which ",
                   "Report for", " is due", "Unit:", "Confirm")
EXAMPLES = 300
# Valid answers to the 12 counts of the demo's hamlet form, then the note: in the report, an example's
# random messages come after the first ``answered`` of them and before the rest and "đúng", so they
# reach every step (a count, the note, the summary, a correction) and most examples try to save.
ANSWERS = ["3", "2", "3", "1", "2", "1", "0", "3", "90", "1", "0", "0", "thiếu loa"]

# What officials type, the dialog's own words, and input meant to break things.
WORDS = [
    "báo cáo", "bao cao", "/baocao", "/xem", "/huy", "/giup", "giúp", "hủy", "huy", "có", "không", "ko",
    "đúng", "dung", "sai", "xác nhận", "sửa", "sửa mục 9", "mục 13 là không", "mục 2 là 5", "quay lại",
    "bỏ qua", "làm lại từ đầu", "tiếp", "hạn nộp?", "tháng trước?", "như tháng trước", "giữ nguyên",
    "ba", "mười hai", "một trăm linh năm", "hai nghìn ba", "3 người", "2 nam 1 nữ", "2-3", "-1", "3,5",
    "1.200", "0,5 ha", "nhiều", "tháng 11", "tháng 10", "1", "2", "3", "0", "５", "３ người", "5\u200b",
    "xóm tôi được giao gì?", "Công an xã làm gì?", "hạn báo cáo quý IV?", "chỉ tiêu là bao nhiêu",
    "Anh Nguyễn Văn A ở xóm 3 dùng ma túy", "chị Lan", "gọi 0912 345 678", "thiếu loa", "$x^{$",
    "\x00", "\u202e", "\u200b", "\ufeff", "\u2066", "\r\n", "\u2028", "²", "🙂", "ﷺ", "\U0001f468\u200d\U0001f469",
]
_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)
_DIGITS = st.text(st.sampled_from("0123456789"), min_size=5, max_size=6000)
_LONG = st.builds(lambda word, n: (word + " ") * n, st.sampled_from(WORDS), st.integers(10, 2500))
_PIECE = st.one_of(st.sampled_from(WORDS), _TEXT, _DIGITS.map(lambda d: d[:40]))
MESSAGE = st.one_of(
    st.sampled_from(WORDS),
    st.lists(_PIECE, min_size=1, max_size=4).map(" ".join),
    _TEXT,
    _DIGITS,
    _LONG,
)


@dataclass
class _Setup:
    engine: AsyncEngine
    user: User
    english: frozenset[str]


_SETUP: list[_Setup] = []  # the current database's; the next backend's test replaces it


def _english_msgids() -> frozenset[str]:
    ids: set[str] = set()
    for po in (LOCALE_DIR / "en" / "LC_MESSAGES").glob("*.po"):
        with Path(po).open("rb") as handle:
            ids |= {str(m.id) for m in read_po(handle) if m.id and isinstance(m.id, str) and len(m.id) > 3}
    return frozenset(ids)


async def _setup(engine: AsyncEngine) -> _Setup:
    """One demo commune and one registered reporter per database, shared by the examples."""
    if not _SETUP or _SETUP[0].engine is not engine:
        clock = Clock()
        sessions, summary = await demo(engine, clock)
        user = User(Core(sessions=sessions, clock=clock, questions=question_handler), "rand-1")
        await user.say(f"/start {code_of(summary, 'Bản Khe Ló')}")
        _SETUP[:] = [_Setup(engine, user, _english_msgids())]
    return _SETUP[0]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _check_replies(replies: list[Reply], sent: list[str], english: frozenset[str]) -> None:
    typed = " ".join(sent)
    for reply in replies:
        shown = [reply.text, *(b.label for row in reply.buttons for b in row)]
        for text in shown:
            assert not any(e in text for e in GENERIC_ERRORS), (sent, text)
            assert text.strip() not in english, (sent, text)
            leaked = [m for m in ENGLISH_MARKERS if m in text and m not in typed]
            assert not leaked, (sent, leaked, text)


async def _check_stored(user: User) -> None:
    async with user.core.sessions() as session:
        notes = (await session.execute(select(Report.note))).scalars().all()
        snapshots = (await session.execute(select(ReportRevision.snapshot))).scalars().all()
        values = (await session.execute(select(ReportValue.value))).scalars().all()
        payloads = (await session.execute(select(DialogState.payload))).scalars().all()
    for note in notes:
        assert note is None or (visible(note) == note and 0 < len(note) <= NOTE_MAX_CHARS), note
    for value in values:
        assert value is None or (type(value) is int and 0 <= value <= MAX_COUNT), value
    for text in (*_strings(list(snapshots)), *_strings(list(payloads))):
        assert visible(text) == text, text
    for snapshot in snapshots:
        assert all(v is None or (type(v) is int and 0 <= v <= MAX_COUNT)
                   for v in (snapshot.get("values") or {}).values()), snapshot


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(in_report=st.booleans(), answered=st.integers(0, len(ANSWERS)),
       messages=st.lists(MESSAGE, min_size=1, max_size=5), confirm=st.booleans())
async def test_random_input_never_breaks_the_core(engine: AsyncEngine, in_report: bool, answered: int,
                                                  messages: list[str], confirm: bool) -> None:
    setup = await _setup(engine)
    user = setup.user
    await user.say("/huy")  # each example starts outside any dialog
    sent = ["/huy"]
    if in_report:
        messages = ["báo cáo", *ANSWERS[:answered], *messages, *ANSWERS[answered:], "đúng"]
    for message in [*messages, *(["đúng"] if confirm else [])]:
        sent.append(message)
        _check_replies(await user.say(message), sent, setup.english)
    await _check_stored(user)
    json.dumps(sent)  # the example itself is printable when it fails

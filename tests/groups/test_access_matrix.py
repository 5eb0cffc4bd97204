"""Who gets which figures where: every role × every command and question that shows figures × every chat.

Roles: not registered, and the reporter of a hamlet, an officer of an agency (Trạm y tế xã), the commune
police (Công an xã), a leader and an admin, of this commune and of another. Chats: private, this
commune's leaders' group, its hamlets' group, a group bound to no commune. The expected answer of each
cell is written in ``TABLE`` below; ``CHECKS`` says what each kind of answer must (and must not) hold.
The rules (domain: Privacy): the hamlets' group gets who has reported, never figures; per-hamlet figures
go only to leaders (the leaders' group, and leaders and the commune police privately); no group message
holds a hamlet's note; in a bound group only the commune's registered members get an answer.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.command_table import COMMANDS
from handlers.commands import split_command
from handlers.dispatch import Core
from handlers.report_status import report_question_handler
from locales.messages import Incoming, Reply
from locales.vietnamese import fold
from storage.calendar import TZ
from storage.db import session_factory
from storage.models import Identity, Membership, Person, Unit
from tests.groups.commune import HAMLETS_CHAT, LEADERS_CHAT, build_commune, file_report

# Calendar-dependent only through the fixed NOW below (after the 25/11 deadline of November).
pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
UNBOUND_CHAT = "-1999"
OURS, THEIRS = "Xã Hòa Bình Thử", "Xã Bên Cạnh"
NOTE = "Cần thêm loa ở đầu xóm"
THEIR_NOTE = "Thiếu kinh phí ở bản"
# Three of our four hamlets filed November and October with nghien = 7: 7 is a hamlet's figure, 21 the
# commune's total. The other commune's two hamlets ("Bản 1", "Bản 2") filed nghien = 5 (total 10).
OUR_VALUES = {"nghien": 7, "su_dung": 3, "sau_cai": 2, "nghien_moi": 1, "tu_van": 4, "cai_nghien": 1,
              "loan_than": 0, "tuyen_truyen": 2, "luot_nghe": 80, "to_giac": 1, "diem_nghi_van": 0, "trong_cay": 0}
THEIR_VALUES = {**OUR_VALUES, "nghien": 5}
HAMLET_LINE = "1. Người nghiện: 7 người"   # one hamlet's report, as /xem shows it
OUR_TOTAL = "Người nghiện: 21 người"   # the commune's total, as summaries show it
THEIR_TOTAL = "Người nghiện: 10 người"

USERS = ("none",
         "reporter", "officer", "police", "leader", "admin",
         "reporter-b", "officer-b", "police-b", "leader-b", "admin-b")
CHATS = ("private", "leaders", "hamlets", "unbound")
ASKS = ("/tonghop", "/xuatexcel", "/xem", "/xem Xóm 2", "tổng hợp tháng 11", "tổng hợp tháng 11 chi tiết",
        "xóm nào chưa nộp", "so với tháng trước")

# One line per (what is asked, where): one cell per user of USERS, in that order ("-": no answer at all).
# Groups are not chatted with: /xem and questions typed in any group get no answer from anyone.
TABLE = """
ask                        | chat    | none  rep   off   pol    lead   adm    | rep-b off-b pol-b  lead-b adm-b
/tonghop                   | private | reg   deny  deny  full+n full+n full+n | deny  deny  full+n full+n full+n
/tonghop                   | leaders | -     full  full  full   full   full   | other other other  other  other
/tonghop                   | hamlets | -     stat  stat  stat   stat   stat   | other other other  other  other
/tonghop                   | unbound | conn  conn  conn  conn   conn   conn   | conn  conn  conn   conn   conn
/xuatexcel                 | private | reg   deny  deny  xlsx   xlsx   xlsx   | deny  deny  xlsx   xlsx   xlsx
/xuatexcel                 | leaders | -     deny  deny  xlsx   xlsx   xlsx   | other other other  other  other
/xuatexcel                 | hamlets | -     deny  deny  deny   deny   deny   | other other other  other  other
/xuatexcel                 | unbound | conn  conn  conn  conn   conn   conn   | conn  conn  conn   conn   conn
/xem                       | private | reg   own   own   overv  overv  overv  | own   own   overv  overv  overv
/xem Xóm 2                 | private | reg   deny  deny  hamlet hamlet hamlet | deny  deny  nf     nf     nf
tổng hợp tháng 11          | private | reg   own   own   brief  brief  brief  | own   own   brief  brief  brief
tổng hợp tháng 11 chi tiết | private | reg   own   own   text+n text+n text+n | own   own   text+n text+n text+n
xóm nào chưa nộp           | private | reg   own   own   miss   miss   miss   | own   own   miss   miss   miss
so với tháng trước         | private | reg   own   own   cmp    cmp    cmp    | own   own   cmp    cmp    cmp
"""


def _matrix() -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for line in TABLE.strip().splitlines()[1:]:
        ask, chat, ours, theirs = (part.strip() for part in line.split("|"))
        out[(ask, chat)] = ours.split() + theirs.split()
    for ask in ASKS[2:]:
        for chat in CHATS[1:]:
            out[(ask, chat)] = ["-"] * len(USERS)
    return out


MATRIX = _matrix()


@dataclass(frozen=True)
class Asker:
    """Who is asking, for the checks: their commune's name and total, their own unit."""

    user: str
    commune: str
    total: str
    unit: str
    note: str


def _text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def _no_figures(replies: list[Reply]) -> None:
    text = _text(replies)
    assert "Người nghiện:" not in text and not any(r.attachment for r in replies), text


def _silent(replies: list[Reply], asker: Asker) -> None:
    assert replies == []


def _says(*parts: str) -> Callable[[list[Reply], Asker], None]:
    def check(replies: list[Reply], asker: Asker) -> None:
        assert len(replies) == 1 and all(p in replies[0].text for p in parts), _text(replies)
        _no_figures(replies)
    return check


def _deny(replies: list[Reply], asker: Asker) -> None:
    assert len(replies) == 1, _text(replies)
    text = replies[0].text
    assert any(p in text for p in ("Chỉ lãnh đạo xã", "chỉ được xem", "không nhận số liệu")), text
    _no_figures(replies)


def _status(replies: list[Reply], asker: Asker) -> None:
    # Who has reported and who has not: names and counts, no figure, no chart, no note.
    assert len(replies) == 1, _text(replies)
    text = replies[0].text
    assert asker.commune in text and "Đã báo cáo: 3/4" in text and "Chưa báo cáo (1): Xóm 4" in text, text
    _no_figures(replies)
    assert NOTE not in text


def _full(notes: bool, chart: bool) -> Callable[[list[Reply], Asker], None]:
    def check(replies: list[Reply], asker: Asker) -> None:
        assert len(replies) == (2 if chart else 1), _text(replies)
        text = replies[0].text
        assert text.startswith(f"Tổng hợp báo cáo tháng 11/2026 — {asker.commune}"), text
        assert asker.total in text and HAMLET_LINE not in text
        assert (asker.note in text) == notes, text
        if chart:
            attachment = replies[1].attachment
            assert attachment is not None and attachment.content[:4] == b"\x89PNG"
    return check


def _xlsx(replies: list[Reply], asker: Asker) -> None:
    assert len(replies) == 1
    attachment = replies[0].attachment
    assert attachment is not None and attachment.name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(attachment.content)).active
    assert sheet is not None
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any(asker.commune in c for c in cells)
    hamlets = {"Xóm 1", "Xóm 2", "Xóm 3", "Xóm 4"} if asker.commune == OURS else {"Bản 1", "Bản 2"}
    assert hamlets <= set(cells)
    assert not any(asker.note in c for c in cells)


def _overview(replies: list[Reply], asker: Asker) -> None:
    assert len(replies) == 1
    text = replies[0].text
    assert text.startswith(f"{asker.commune} — báo cáo tháng 11/2026"), text
    assert asker.total in text and HAMLET_LINE not in text and asker.note not in text


def _hamlet(replies: list[Reply], asker: Asker) -> None:
    assert len(replies) == 1
    text = replies[0].text
    assert "của Xóm 2" in text and HAMLET_LINE in text, text


def _own(replies: list[Reply], asker: Asker) -> None:
    # Only the asker's own unit: no other hamlet's name, no commune total.
    assert len(replies) == 1
    text = replies[0].text
    assert asker.unit in text, text
    others = {"Xóm 2", "Xóm 3", "Xóm 4", "Bản 2", OURS, THEIRS}
    assert not any(name in text for name in others), text
    assert OUR_TOTAL not in text and THEIR_TOTAL not in text and not replies[0].attachment


def _brief(replies: list[Reply], asker: Asker) -> None:
    assert len(replies) == 1
    text = replies[0].text
    assert text.startswith(f"Tổng hợp báo cáo tháng 11/2026 — {asker.commune}") and asker.note not in text, text


def _missing(replies: list[Reply], asker: Asker) -> None:
    text = _text(replies)
    assert asker.commune in text, text
    assert ("1. Xóm 4" in text) == (asker.commune == OURS), text
    _no_figures(replies)


def _compare(replies: list[Reply], asker: Asker) -> None:
    text = _text(replies)
    assert text.startswith("So sánh tháng 11/2026 với tháng 10/2026") and asker.commune in text, text
    assert HAMLET_LINE not in text and asker.note not in text


CHECKS: dict[str, Callable[[list[Reply], Asker], None]] = {
    "-": _silent,
    "reg": _says("chưa đăng ký"),  # how to register
    "conn": _says("chưa được kết nối", "/ketnoi"),  # how to connect the group
    "other": _says("thuộc xã khác"),  # the group belongs to another commune
    "deny": _deny,  # who may, and nothing else
    "stat": _status,  # who has reported: no figure
    "full": _full(notes=False, chart=True),  # totals and chart, no note
    "full+n": _full(notes=True, chart=True),  # the same with the hamlets' notes (privately)
    "text+n": _full(notes=True, chart=False),
    "xlsx": _xlsx,  # one row per hamlet
    "overv": _overview,  # /xem of the commune: who reported, totals
    "hamlet": _hamlet,  # one hamlet's report, its figures
    "nf": _says("Không tìm thấy"),  # no such hamlet in the asker's commune
    "own": _own,  # the asker's own unit only
    "brief": _brief,
    "miss": _missing,
    "cmp": _compare,
}


async def _build(engine: AsyncEngine) -> dict[str, Asker]:
    """Our commune (4 hamlets, both groups bound) and another (2 hamlets), each with every role."""
    askers: dict[str, Asker] = {"none": Asker("none", "", "", "", NOTE)}
    async with session_factory(engine)() as session, session.begin():
        ours = await build_commune(session, hamlets=4, name=OURS, reporters=False)
        theirs = await build_commune(session, hamlets=2, name=THEIRS, province=ours.province, groups=False,
                                     reporters=False)
        for hamlet in theirs.hamlets:
            hamlet.name = hamlet.name.replace("Xóm", "Bản")
            hamlet.folded_name = fold(hamlet.name)
        for built, values, note, count in ((ours, OUR_VALUES, NOTE, 3), (theirs, THEIR_VALUES, THEIR_NOTE, 2)):
            for hamlet in built.hamlets[:count]:
                for month in ("2026-10", "2026-11"):
                    day = dt.datetime(2026, int(month[-2:]), 20, 9, tzinfo=TZ)
                    await file_report(session, built, hamlet, month, values, day, note)
        for built, suffix, total, note in ((ours, "", OUR_TOTAL, NOTE), (theirs, "-b", THEIR_TOTAL, THEIR_NOTE)):
            agencies = {}
            for name in ("Công an xã", "Trạm y tế xã"):
                agency = Unit(kind="agency", name=name, folded_name=fold(name), parent_id=built.commune.id,
                              settings={})
                session.add(agency)
                await session.flush()
                agencies[name] = agency
            roles = (("reporter", built.hamlets[0], "reporter"), ("officer", agencies["Trạm y tế xã"], "officer"),
                     ("police", agencies["Công an xã"], "officer"), ("leader", built.commune, "leader"),
                     ("admin", built.commune, "admin"))
            for label, unit, role in roles:
                user = label + suffix
                person = Person(display_name=user, language="vi")
                session.add(person)
                await session.flush()
                session.add(Identity(person_id=person.id, transport="telegram", external_id=user))
                session.add(Membership(person_id=person.id, unit_id=unit.id, role=role))
                askers[user] = Asker(user, built.commune.name, total, unit.name, note)
    return askers


_ids = itertools.count(1)


async def _ask(core: Core, user: str, chat: str, text: str) -> list[Reply]:
    chat_id = {"private": user, "leaders": LEADERS_CHAT, "hamlets": HAMLETS_CHAT, "unbound": UNBOUND_CHAT}[chat]
    return await core.handle(Incoming(transport="telegram", update_id=str(next(_ids)), chat_id=chat_id,
                                      user_id=user, text=text, chat_type="private" if chat == "private" else "group"))


def test_the_matrix_has_a_cell_for_every_role_command_and_chat() -> None:
    assert set(MATRIX) == {(ask, chat) for ask in ASKS for chat in CHATS}
    for row in MATRIX.values():
        assert len(row) == len(USERS) and set(row) <= set(CHECKS), row


def test_the_matrix_asks_every_command_that_shows_figures() -> None:
    asked = {command.name for ask in ASKS if (command := COMMANDS.find(split_command(ask)[0])) is not None}
    assert {command.name for command in COMMANDS if command.figures} <= asked


def test_the_matrix_agrees_with_the_command_table() -> None:
    """Who the table lets use a bare command where is whom the matrix expects an answer from."""
    for ask in ASKS:
        word, argument = split_command(ask)
        command = COMMANDS.find(word)
        if command is None or argument:
            continue  # words, or a command whose argument the handler judges (another unit's report)
        for chat in ("private", "leaders", "hamlets"):
            for user, cell in zip(USERS, MATRIX[(ask, chat)], strict=True):
                if user == "none" or (user.endswith("-b") and chat != "private"):
                    continue  # the front door (registration) and the group's commune answer them
                audience = user.removesuffix("-b")  # the matrix's users are named by their audience
                refused = cell in ("deny", "-")
                assert command.allows(audience, chat) != refused, (ask, chat, user, cell)


async def test_access_matrix(engine: AsyncEngine) -> None:
    askers = await _build(engine)
    core = Core(sessions=session_factory(engine), clock=lambda: NOW, extra_handlers=[report_question_handler])
    failures: list[str] = []
    for (ask, chat), row in MATRIX.items():
        for user, expected in zip(USERS, row, strict=True):
            replies = await _ask(core, user, chat, ask)
            try:
                CHECKS[expected](replies, askers[user])
                if chat != "private":
                    # No group message ever holds a note, whoever asks.
                    assert not any(n in r.text for r in replies for n in (NOTE, THEIR_NOTE))
            except AssertionError as error:
                failures.append(f"{ask!r} in {chat} by {user}: expected {expected}; got {_text(replies)[:300]!r} "
                                f"({error})")
    assert not failures, "\n".join(failures)

"""The one command table: words found however they are typed, the help read from it, ``/ketnoi`` on a
messenger whose bots cannot join groups, effects refused by the unit of work (never by ``assert``),
and the one keyed lock."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from conversations.engine import Context, Outcome, State
from conversations.plan_import import PlanImportDialog, SavePlan
from conversations.report_dialog import SaveReport
from handlers.command_table import COMMANDS
from handlers.commands import PLACES, CommandTable, split_command
from handlers.dispatch import Core
from handlers.help import help_reply
from handlers.keyed_lock import KeyedLock
from locales.i18n import set_language
from locales.messages import Incoming, Reply
from locales.profiles import declare_groups, reset_declarations
from storage.models import Report
from storage.periods import period_of
from tests.core.chat import Clock, User, demo, texts


@pytest.mark.parametrize("typed", ["/baocao", "/BaoCao", "/báocáo", "/report", "/baocao@baocao_bot tháng 11"])
def test_a_command_is_found_however_it_is_typed(typed: str) -> None:
    word, _argument = split_command(typed)
    command = COMMANDS.find(word)
    assert command is not None and command.name == "report"


def test_every_command_is_declared_once_with_words_places_and_who() -> None:
    names = [command.name for command in COMMANDS]
    assert len(names) == len(set(names))
    for command in COMMANDS:
        assert command.words and set(command.access) <= set(PLACES), command.name
    # Vietnamese and English side by side.
    assert {"tonghop", "summary"} <= set(COMMANDS["summary"].words)
    with pytest.raises(ValueError, match="not folded or not unique"):
        CommandTable([*COMMANDS, COMMANDS["view"]])


def test_the_help_lists_what_the_member_may_use() -> None:
    from storage.people import Member

    set_language("en")
    reporter = Member(person_id=1, role="reporter", unit_id=2, unit_name="Xóm 1", unit_kind="hamlet",
                      commune_id=3, language="en")
    leader = Member(person_id=4, role="leader", unit_id=3, unit_name="Xã", unit_kind="commune", commune_id=3,
                    language="en")
    admin = Member(person_id=5, role="admin", unit_id=3, unit_name="Xã", unit_kind="commune", commune_id=3,
                   language="en")
    mine, theirs, admins = (help_reply(m, COMMANDS).text for m in (reporter, leader, admin))
    assert "/baocao" in mine and "/tonghop" not in mine and "/maketnoi" not in mine
    assert "/tonghop" in theirs and "/xuatexcel" in theirs and "/ketnoi" in theirs and "/baocao" not in theirs
    assert "/maketnoi" in admins


async def _leader_on(engine: AsyncEngine, transport: str) -> tuple[Core, User]:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    leader = User(core, f"{transport}-leader", transport=transport)
    assert "lãnh đạo" in texts(await leader.say(f"/start {summary.leader_code}"))
    return core, leader


async def test_ketnoi_on_zalo_says_plainly_that_bots_cannot_join_groups(engine: AsyncEngine) -> None:
    reset_declarations()
    core, leader = await _leader_on(engine, "zalo")
    for typed in ("/ketnoi ABC234", "/ketnoi"):
        answer = texts(await leader.say(typed))
        assert "Zalo" in answer and "chưa thể tham gia nhóm" in answer and "riêng" in answer, answer
    # Typed in a Zalo group chat (internal testing), the same explanation, even from someone unregistered.
    in_group = await core.handle(Incoming("zalo", "g-1", "zalo-group", "stranger", text="/ketnoi ABC234",
                                          chat_type="group"))
    assert "chưa thể tham gia nhóm" in texts(in_group)


async def test_ketnoi_where_the_platform_says_the_bot_may_join_groups(engine: AsyncEngine) -> None:
    declare_groups("zalo", True)
    try:
        core, _leader = await _leader_on(engine, "zalo")
        in_group = await core.handle(Incoming("zalo", "g-2", "zalo-group", "zalo-leader", text="/ketnoi ABC234",
                                              chat_type="group"))
        assert "không hợp lệ" in texts(in_group)  # the code is checked, as on Telegram
    finally:
        reset_declarations()


async def test_ketnoi_typed_privately_on_telegram_gets_the_help(engine: AsyncEngine) -> None:
    _core, leader = await _leader_on(engine, "telegram")
    answer = texts(await leader.say("/ketnoi ABC234"))
    assert "chưa thể tham gia nhóm" not in answer and "/tonghop" in answer


class _OverreachingDialog:
    """A report dialog that (by a bug) asks to save another unit's report, or a plan."""

    name = "report"
    version = 1

    def __init__(self, effect: str) -> None:
        self.effect = effect

    async def start(self, ctx: Context, argument: str) -> Outcome:
        if self.effect == "plan":
            effect: SaveReport | SavePlan = SavePlan(source_name="x.md", plan={}, area_id=ctx.member.unit_id)
        else:
            effect = SaveReport(unit_id=ctx.member.unit_id + 1000, set_id=1,
                                period=period_of("month", dt.date(2026, 11, 1)), values={"nghien": 1}, note=None)
        return Outcome([Reply("saved?")], None, [effect])

    async def step(self, ctx: Context, state: State, answer: str, is_button: bool) -> Outcome:  # type: ignore[type-arg]
        raise AssertionError("not reached")


@pytest.mark.parametrize("effect", ["report", "plan"])
async def test_an_effect_the_sender_may_not_perform_is_refused_and_logged(
    engine: AsyncEngine, effect: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock,
                dialogs={"report": _OverreachingDialog(effect), "plan_import": PlanImportDialog()})  # type: ignore[dict-item]
    reporter = User(core, "r-1")
    await reporter.say(f"/start {summary.hamlets[0].invite_code}")
    async with sessions() as session:
        reports = await session.scalar(select(func.count()).select_from(Report))
    with caplog.at_level(logging.WARNING, logger="handlers.dispatch"):
        answer = texts(await reporter.say("/baocao"))
    assert answer.startswith("Chưa lưu gì") and "saved?" not in answer, answer
    assert any("refused" in record.getMessage() for record in caplog.records)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == reports
    # The update was applied (claimed): the bot answers the next message as usual.
    assert "giúp" in texts(await reporter.say("chào")).lower()


async def test_the_keyed_lock_serialises_one_key_and_forgets_it() -> None:
    locks: KeyedLock[str] = KeyedLock()
    order: list[str] = []

    async def hold(key: str, name: str, pause: float) -> None:
        async with locks.hold(key):
            order.append(f"{name}+")
            await asyncio.sleep(pause)
            order.append(f"{name}-")

    await asyncio.gather(hold("a", "1", 0.02), hold("a", "2", 0), hold("b", "3", 0))
    assert order.index("1-") < order.index("2+")  # same key: one after the other
    assert order.index("3+") < order.index("1-")  # another key: side by side
    assert len(locks) == 0
    # A waiter cancelled while it waits leaves nothing behind.
    async with locks.hold("a"):
        waiter = asyncio.create_task(hold("a", "4", 0))
        await asyncio.sleep(0)
        waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert len(locks) == 0


async def test_the_reminders_button_is_the_report_command(engine: AsyncEngine) -> None:
    clock = Clock()
    sessions, summary = await demo(engine, clock)
    core = Core(sessions=sessions, clock=clock)
    reporter, leader = User(core, "r-2"), User(core, "l-2")
    await reporter.say(f"/start {summary.hamlets[0].invite_code}")
    await leader.say(f"/start {summary.leader_code}")
    assert "Báo cáo tháng 11/2026" in texts(await reporter.press("report:start"))
    assert "Chỉ người báo cáo" in texts(await leader.press("report:start"))

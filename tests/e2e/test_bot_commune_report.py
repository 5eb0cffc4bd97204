"""The commune police's report end to end: the real bot (``baocao run``, aiogram) against the emulator.

Two hamlets file the month; the officer of Công an xã files the commune's monthly report with the
hamlets' sums prefilled ("2/12 thôn"), keeps them with one word, changes one with a reason; a third
hamlet files late and the officer, reopening the report, is told the sums moved; then the officer
files the quarter's report, prefilled from the months. SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from tests.e2e.support.bot_process import BotRunner, Database
from tests.e2e.support.client import BotMessage, Chat, Emulator, User
from tests.e2e.support.commune import (
    COMMUNE_ONLY,
    POLICE,
    QUESTIONS,
    REASON,
    Periods,
    officer_code,
    other_months,
    quarter_expected,
    vi_label,
    vi_text,
)
from tests.e2e.support.fixtures import require_postgres
from tests.e2e.support.scenarios import ANSWERS, SKIP_WORD, expect, question_mark, vi

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]

HAMLETS = {
    "Bản Khe Ló": User(5552101, "Hoa", "hoa_khelo"),
    "Bản Nà Pục": User(5552102, "Lan", "lan_napuc"),
    "Bản Huổi Mí": User(5552103, "Mai", "mai_huoimi"),
}
OFFICER = User(5552001, "Tuấn", "tuan_caxa")


def mark(number: int) -> str:
    """How the bot numbers a question of the commune set: ``(3/14)``."""
    return f"({number}/{QUESTIONS})"


async def file_hamlet(tg: Emulator, db: Database, hamlet: str, periods: Periods) -> None:
    """A hamlet registers and files the month (named, so a run crossing midnight files the same month)."""
    chat = tg.private(HAMLETS[hamlet])
    expect(await chat.ask(db.codes.hamlets[hamlet]), hamlet)
    await chat.send(periods.month_words)
    _intro, first = await chat.new_messages(2)
    expect(first, question_mark(1))
    for value in ANSWERS:
        await chat.ask(str(value))
    summary = await chat.ask(SKIP_WORD)
    await chat.press(summary, "confirm")
    expect(await chat.reply(), vi("Saved the report of {unit} for {period} at {time}. Thank you!"), hamlet)


async def open_month(chat: Chat, periods: Periods) -> tuple[BotMessage, BotMessage]:
    """The officer names the month: the intro and the first question, with the hamlets' sum."""
    await chat.send(periods.month_words)
    intro, first = await chat.new_messages(2)
    expect(intro, POLICE, vi_label(periods.month))
    return intro, expect(first, mark(1))


async def file_month_with_a_reason(chat: Chat, periods: Periods) -> None:
    """The commune's month: sums kept ("đúng", "1"), one changed with a reason, commune-only figures typed."""
    _intro, first = await open_month(chat, periods)
    expect(first, vi_text("Sum of the hamlets: {total} ({reported}/{expected} hamlets reported). To keep it type "
                          "“đúng” or “1”; otherwise type the figure.", total="10 người", reported=2, expected=12))
    expect(await chat.ask("đúng"), mark(2))
    expect(await chat.ask("1"), mark(3))
    asked = await chat.ask("3")  # sau_cai: the hamlets say 1 + 1
    expect(asked, vi_text("{label}: {value}, the hamlets' sum is {total}. Please write a short reason for the "
                          "difference.", label="Người sau cai", value="3 người", total="2 người"))
    expect(await chat.ask(REASON), mark(4))
    for number in range(5, 9):
        expect(await chat.ask("đúng"), mark(number))
    for answer in COMMUNE_ONLY[:-1]:
        await chat.ask(answer)
    summary = await chat.ask(COMMUNE_ONLY[-1])
    expect(summary, vi_text("{label}: differs from the hamlets' sum ({total}): {reason}", label="Người sau cai",
                            total="2 người", reason=REASON))
    await chat.press(summary, "confirm")
    expect(await chat.reply(), vi("Saved the report of {unit} for {period} at {time}. Thank you!"), POLICE)


async def file_quarter(chat: Chat, periods: Periods) -> None:
    """The quarter's report, named without diacritics: prefilled from the months, every figure kept."""
    await chat.send(periods.quarter_words)
    intro, first = await chat.new_messages(2)
    expect(intro, vi_label(periods.quarter), vi("The figures are prefilled from {reported}/{expected} months of the "
                                                 "period: {own} from the commune's monthly reports, {hamlets} "
                                                 "from the hamlets' sums (no commune report that month). Stock "
                                                 "figures (people under management) are the latest month's; the "
                                                 "others are added up."))
    # A stock: the latest month, the commune's own report (10 people), not a sum of months.
    expect(first, mark(1), vi("From the months: {total} ({reported}/{expected} months with figures). To "
                                 "keep it type “đúng” or “1”; otherwise type the figure."), "10 người")
    for number in range(2, QUESTIONS + 1):
        expect(await chat.ask("đúng"), mark(number))
    summary = await chat.ask("đúng")
    await chat.press(summary, "confirm")
    expect(await chat.reply(), vi("Saved the report of {unit} for {period} at {time}. Thank you!"),
           vi_label(periods.quarter))


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"])
async def test_commune_month_with_sums_a_reason_a_late_hamlet_then_the_quarter(
    tg: Emulator, bots: BotRunner, db_kind: str
) -> None:
    if db_kind == "postgres":
        require_postgres()
    db = await bots.database(db_kind)
    code = await officer_code(db.url)
    bot = await bots.start("aiogram", db)
    periods = Periods.now()
    for hamlet in ("Bản Khe Ló", "Bản Nà Pục"):
        await file_hamlet(tg, db, hamlet, periods)
    officer = tg.private(OFFICER)
    expect(await officer.ask(code), POLICE)
    await file_month_with_a_reason(officer, periods)
    month = await db.report_values(POLICE, periods.month.code)
    assert month[:3] == [10, 4, 3] and month[7:] == [1, 2, 1, 0, 3, 2, 0], month
    reasons = await db.query(
        "SELECT i.code, v.reason FROM report_values v JOIN indicators i ON i.id = v.indicator_id "
        "WHERE v.reason IS NOT NULL")
    assert reasons == [("sau_cai", REASON)], reasons

    await file_hamlet(tg, db, "Bản Huổi Mí", periods)  # late: after the commune filed
    intro, first = await open_month(officer, periods)
    expect(intro, vi("Hamlets reported or corrected after your report was filed: the hamlets' sums "
                  "moved. Go on to file it again."),
           "Người nghiện: 10 → 15")
    expect(first, "15 người (3/12")
    stop = await officer.ask("hủy")
    await officer.press(stop, "cancel")
    expect(await officer.reply(), vi("Cancelled. Nothing was saved."))

    earlier = [await db.report_values(POLICE, code) for code in other_months(periods)]
    await file_quarter(officer, periods)
    quarter = await db.report_values(POLICE, periods.quarter.code)
    expected = quarter_expected(month, earlier)
    assert quarter[0] == 10 and quarter[7:] == expected[7:], (quarter, expected)
    await tg.wait_consumed()
    assert bot.stop() == 0, bot.log()
    assert "Traceback" not in bot.log()

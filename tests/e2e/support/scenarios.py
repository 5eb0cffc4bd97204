"""User journeys shared by the end-to-end tests: what a hamlet reporter does, step by step, with checks.

Expected texts come from the Vietnamese catalog through ``locales.i18n`` (the bot runs in Vietnamese),
so a test checks the bot said the right thing without copying the translation.
"""

from __future__ import annotations

from locales.i18n import _, set_language
from tests.e2e.support.bot_process import Database
from tests.e2e.support.client import BotMessage, Chat

HAMLET = "Bản Khe Ló"
# The twelve counts of the demo's hamlet form, then the free-text item (skipped).
ANSWERS = [5, 2, 1, 0, 0, 3, 1, 2, 40, 4, 0, 0]
CORRECTED_FIRST = 6
QUESTIONS = len(ANSWERS) + 1
SKIP_WORD = "bỏ qua"  # the reporter's own word for "skip" (domain vocabulary, matched by the bot)


def vi(msgid: str) -> str:
    """The Vietnamese text of ``msgid``, up to its first placeholder (what every variant starts with)."""
    set_language("vi")
    text = _(msgid)
    assert text != msgid, f"no Vietnamese translation of {msgid!r}: the test names a msgid the bot does not use"
    return text.split("{", 1)[0]


def expect(message: BotMessage, *parts: str) -> BotMessage:
    """Check that every part occurs in the message's text; return the message."""
    missing = [p for p in parts if p not in message.text]
    assert not missing, f"{missing} not in the bot's message:\n{message.text}"
    return message


def question_mark(number: int) -> str:
    """How the bot numbers a question: ``(3/13)``."""
    return f"({number}/{QUESTIONS})"


def period_choice(message: BotMessage) -> str | None:
    """When ``message`` asks which month to report, the button of the latest month offered (this month).

    The bot asks in the first days of a month, so a scenario answers whatever is asked instead of
    assuming the day; the latest code is this month whatever the clock says (``2027-01`` > ``2026-12``).
    """
    offered = [data for row in message.buttons for _label, data in row if data.startswith("period:")]
    return max(offered) if offered else None


async def first_question(chat: Chat, timeout: float = 10.0) -> tuple[BotMessage, BotMessage]:
    """After "báo cáo": answer the month question if it comes; return (the intro, the first question)."""
    seen: list[BotMessage] = []
    while True:
        seen += await chat.new_messages(1, timeout=timeout)
        firsts = [m for m in seen if question_mark(1) in m.text]
        if firsts:
            return seen[-2] if len(seen) > 1 else firsts[0], firsts[0]
        choice = period_choice(seen[-1])
        if choice is not None:
            await chat.press(seen[-1], choice)
            seen = []
        elif vi("Type “tháng {first}” or “tháng {last}”.") in seen[-1].text:
            # Where there are no buttons (Zalo), the official types the month, as they would.
            await chat.send("tháng này")
            seen = []


async def start_report(chat: Chat, timeout: float = 10.0) -> tuple[BotMessage, BotMessage]:
    """Say "báo cáo" and reach the first question (picking this month when asked)."""
    await chat.send("báo cáo")
    return await first_question(chat, timeout)


async def register(chat: Chat, db: Database, hamlet: str = HAMLET) -> None:
    """Start the bot unregistered, send a wrong code, then the hamlet's invite code."""
    greeting = await chat.ask("/start")
    expect(
        greeting,
        vi(
            "Hello! You are not registered yet. Please send the invite code you received from the "
            "commune police (for example: /start ABCD2345, or just the code)."
        ),
    )
    expect(
        await chat.ask("ZZZZ9999"), vi("The code {code} is not correct. Please check it and send it again."), "ZZZZ9999"
    )
    welcome = await chat.ask(db.codes.hamlets[hamlet])
    expect(welcome, vi("Registered: you are the {role} of {unit}."), hamlet)


async def file_report_with_rejection_and_correction(chat: Chat) -> BotMessage:
    """File the month's report: a negative first answer is refused, the first item is corrected, confirmed."""
    intro, first = await start_report(chat)
    expect(intro, HAMLET)
    expect(first, question_mark(1))
    refused = await chat.ask("-1")
    expect(refused, vi("The number cannot be negative. Type 0 if there is none."), question_mark(1))
    for index, value in enumerate(ANSWERS, start=1):
        expect(await chat.ask(str(value)), question_mark(index + 1))
    summary = await chat.ask(SKIP_WORD)
    expect(summary, HAMLET, f": {ANSWERS[0]} ")
    await chat.press(summary, "edit")
    which = await chat.reply()
    expect(which, vi("Which item do you want to change? Type its number."))
    expect(await chat.ask("1"), question_mark(1))
    again = await chat.ask(str(CORRECTED_FIRST))
    expect(again, f": {CORRECTED_FIRST} ")
    await chat.press(again, "confirm")
    saved = await chat.reply()
    return expect(saved, vi("Saved the report of {unit} for {period} at {time}. Thank you!"), HAMLET)


async def reports_of(db: Database, unit: str = HAMLET) -> list[tuple[str, int]]:
    """(period code, revision) of every report of ``unit``, newest period first."""
    rows = await db.query(
        "SELECT p.code, r.revision FROM reports r JOIN units u ON u.id = r.unit_id "
        "JOIN periods p ON p.id = r.period_id WHERE u.name = :unit ORDER BY p.starts_on DESC",
        unit=unit,
    )
    return [(str(code), int(revision)) for code, revision in rows]


async def check_stored_once(db: Database, before: list[tuple[str, int]]) -> None:
    """One new report (first revision, a period not reported before) holds the corrected values."""
    after = await reports_of(db)
    assert len(after) == len(before) + 1, (before, after)
    period, revision = after[0]
    assert revision == 1 and period not in {code for code, _ in before}, (before, after)
    values = await db.report_values(HAMLET, period)
    assert values[: len(ANSWERS)] == [CORRECTED_FIRST, *ANSWERS[1:]], values


async def view_latest(chat: Chat) -> BotMessage:
    """``/xem`` shows the saved report with the corrected first value."""
    shown = await chat.ask("/xem")
    return expect(
        shown,
        vi("Latest report of {unit}: {period}, saved at {time} (version {revision})."),
        HAMLET,
        f": {CORRECTED_FIRST} ",
    )

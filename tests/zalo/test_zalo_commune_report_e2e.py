"""The commune police's report end to end on Zalo: the real ``baocao run --transport zalo`` process
against the Zalo test server, where every option is a numbered line to type (no buttons).

Two hamlets file the month; the officer of Công an xã files the commune's monthly report with the
hamlets' sums prefilled, keeps them with one word, changes one with a reason; a third hamlet files late
and the officer, reopening the report, is told the sums moved; then the officer files the quarter's
report, prefilled from the months.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import clock
from storage.calendar import TZ
from storage.db import create_engine, session_factory
from storage.demo import load_demo
from storage.migrate import upgrade
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
from tests.e2e.support.scenarios import ANSWERS, SKIP_WORD, vi
from tests.zalo.bot_process import BotProcess, ZaloUser
from tests.zalo.server import ZaloTestServer

pytestmark = [pytest.mark.e2e, pytest.mark.calendar]

HAMLETS = ("Bản Khe Ló", "Bản Nà Pục", "Bản Huổi Mí")


@dataclass
class Commune:
    """The demo commune in a fresh SQLite file: its hamlets' invite codes and the officer's."""

    url: str
    hamlet_codes: dict[str, str]
    officer_code: str


@pytest.fixture
async def commune(tmp_path: Path) -> Commune:
    """Load the demo commune and open an invite for the commune police's officer."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'baocao.db'}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        now = clock.now()
        async with session_factory(engine)() as session, session.begin():
            summary = await load_demo(session, now, now.astimezone(TZ).date())
    finally:
        await engine.dispose()
    return Commune(url, {h.name: h.invite_code for h in summary.hamlets}, await officer_code(url))


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloTestServer]:
    """A fresh Zalo test server."""
    async with ZaloTestServer() as server:
        yield server


def mark(number: int) -> str:
    """How the bot numbers a question of the commune set: ``(3/14)``."""
    return f"({number}/{QUESTIONS})"


async def _saved_values(url: str, unit: str, period: str) -> list[int | None]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text(
                "SELECT v.value FROM reports r JOIN units u ON u.id = r.unit_id JOIN periods p ON p.id = r.period_id "
                "JOIN report_values v ON v.report_id = r.id JOIN indicators i ON i.id = v.indicator_id "
                "WHERE u.name = :unit AND p.code = :period ORDER BY i.position"), {"unit": unit, "period": period})
            return [row[0] for row in rows.all()]
    finally:
        await engine.dispose()


async def _file_hamlet(zalo: ZaloTestServer, token: str, commune: Commune, number: int, periods: Periods) -> None:
    hamlet = HAMLETS[number]
    user = ZaloUser(zalo, token, f"zalo-hamlet-{number}")
    [welcome] = await user.ask(commune.hamlet_codes[hamlet])
    assert hamlet in welcome
    _intro, first = await user.ask(periods.month_words, count=2)
    assert "(1/13)" in first, first
    for value in ANSWERS:
        await user.ask(str(value))
    [summary] = await user.ask(SKIP_WORD)
    assert "\n1. " in summary, summary  # Confirm, as a numbered line
    [saved] = await user.ask("1")
    assert hamlet in saved and "Đã lưu" in saved, saved


async def test_commune_month_with_sums_a_reason_a_late_hamlet_then_the_quarter_on_zalo(
    commune: Commune, zalo: ZaloTestServer, tmp_path: Path
) -> None:
    token = zalo.add_bot()
    env = {"DATABASE_URL": commune.url, "ZALO_BOT_TOKEN": token, "ZALO_API_URL": zalo.base_url,
           "BAOCAO_QUIET_HOURS": "off"}
    bot = await BotProcess(env, tmp_path / "bot.log").start()
    periods = Periods.now()
    try:
        for number in (0, 1):
            await _file_hamlet(zalo, token, commune, number, periods)
        officer = ZaloUser(zalo, token, "zalo-officer")
        [welcome] = await officer.ask(commune.officer_code)
        assert POLICE in welcome

        intro, first = await officer.ask(periods.month_words, count=2)
        assert vi_label(periods.month) in intro and mark(1) in first
        assert vi_text("Sum of the hamlets: {total} ({reported}/{expected} hamlets reported). To keep it type "
                       "“đúng” or “1”; otherwise type the figure.", total="10 người", reported=2,
                       expected=12) in first
        [second] = await officer.ask("dung")  # kept, typed without diacritics
        assert mark(2) in second
        await officer.ask("1")
        [reason] = await officer.ask("3")
        assert vi_text("{label}: {value}, the hamlets' sum is {total}. Please write a short reason for the "
                       "difference.", label="Người sau cai", value="3 người", total="2 người") in reason
        [fourth] = await officer.ask(REASON)
        assert mark(4) in fourth
        for _keep in range(4):
            await officer.ask("đúng")
        for answer in COMMUNE_ONLY:
            [summary] = await officer.ask(answer)
        assert vi_text("{label}: differs from the hamlets' sum ({total}): {reason}", label="Người sau cai",
                       total="2 người", reason=REASON) in summary
        [saved] = await officer.ask("1")
        assert POLICE in saved and "Đã lưu" in saved, saved
        month = await _saved_values(commune.url, POLICE, periods.month.code)
        assert month[:3] == [10, 4, 3] and month[7:] == [1, 2, 1, 0, 3, 2, 0], month

        await _file_hamlet(zalo, token, commune, 2, periods)  # late: after the commune filed
        intro, first = await officer.ask(periods.month_words, count=2)
        assert vi_text("Hamlets reported or corrected after your report was filed: the hamlets' sums moved. Go on "
                       "to file it again.") in intro and "Người nghiện: 10 → 15" in intro, intro
        assert "15 người (3/12" in first, first
        await officer.ask("hủy")
        [cancelled] = await officer.ask("đúng")
        assert vi_text("Cancelled. Nothing was saved.") in cancelled

        earlier = [await _saved_values(commune.url, POLICE, code) for code in other_months(periods)]
        intro, first = await officer.ask(periods.quarter_words, count=2)
        built_from = vi("The figures are prefilled from {reported}/{expected} months of the period: {own} from the "
                        "commune's monthly reports, {hamlets} from the hamlets' sums (no commune report that month). "
                        "Stock figures (people under management) are the latest month's; the others are added up.")
        assert vi_label(periods.quarter) in intro and built_from in intro, intro
        assert mark(1) in first and "10 người" in first, first
        for number in range(2, QUESTIONS + 1):
            [asked] = await officer.ask("1")
            assert mark(number) in asked, asked
        [summary] = await officer.ask("1")
        [saved] = await officer.ask("1")
        assert vi_label(periods.quarter) in saved and "Đã lưu" in saved, saved
        quarter = await _saved_values(commune.url, POLICE, periods.quarter.code)
        expected = quarter_expected(month, earlier)
        assert quarter[0] == 10 and quarter[7:] == expected[7:], (quarter, expected)
    finally:
        code = await bot.stop()
        log = bot.log()
    assert code == 0, log
    assert "Traceback" not in log, log

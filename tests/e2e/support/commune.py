"""What the commune report's end-to-end tests share: the officer's invite, the month and quarter the
test files (read once from the program clock, so a run pinned at 31/12 23:59 that crosses midnight
still names the month its hamlets filed), and the commune set's answers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from locales.i18n import _, set_language
from storage import clock
from storage.calendar import TZ
from storage.db import create_engine, session_factory
from storage.invites import open_or_new_invite
from storage.models import Unit
from storage.periods import PeriodSpec, months_in, period_label, period_of

POLICE = "Công an xã"
# The commune set: 14 figures, the first seven prefilled with the hamlets' sums.
QUESTIONS = 14
# The commune-only figures (questions 8 to 14) the officer types.
COMMUNE_ONLY = ["1", "2", "1", "0", "3", "2", "0"]
REASON = "1 người từ xã khác chuyển về"


async def officer_code(url: str) -> str:
    """A fresh invite code for the officer of the demo commune's police (``baocao demo`` prints the admin's)."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            police = (await session.execute(select(Unit).where(Unit.name == POLICE))).scalar_one()
            return (await open_or_new_invite(session, police.id, "officer", clock.now())).code
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Periods:
    """The month the test files and its quarter, with what the officer types to name them."""

    month: PeriodSpec
    quarter: PeriodSpec

    @classmethod
    def now(cls) -> Periods:
        """This month and quarter by the program clock (pinned by ``BAOCAO_CLOCK`` under make test-dates)."""
        today = clock.now().astimezone(TZ).date()
        return cls(period_of("month", today), period_of("quarter", today))

    @property
    def month_words(self) -> str:
        """"báo cáo tháng 12/2026"."""
        return f"báo cáo tháng {self.month.number}/{self.month.year}"

    @property
    def quarter_words(self) -> str:
        """"bao cao quy 4/2026" (typed without diacritics, as on a cheap phone)."""
        return f"bao cao quy {self.quarter.number}/{self.quarter.year}"


def vi_text(msgid: str, **values: object) -> str:
    """The Vietnamese text of ``msgid`` with ``values`` filled in (what the bot sends)."""
    set_language("vi")
    text = _(msgid)
    assert text != msgid, f"no Vietnamese translation of {msgid!r}"
    return text.format(**values)


def vi_label(spec: PeriodSpec) -> str:
    """The period's one label in Vietnamese ("quý IV/2026")."""
    set_language("vi")
    return period_label(spec)


# Positions (question order) of the commune-only figures and of the stock among them (counselling points).
COMMUNE_ONLY_FROM = 7
STOCK_POSITIONS = (0, 1, 2, 11)


def other_months(periods: Periods) -> list[str]:
    """The quarter's months before the one the test files (the demo's police may have filed some)."""
    return [m.code for m in months_in(periods.quarter) if m.starts_on < periods.month.starts_on]


def quarter_expected(month: list[int | None], earlier: list[list[int | None]]) -> list[int | None]:
    """The quarter as prefilled and kept: stocks from this month (the latest), the commune-only flows
    summed over this month and the commune's earlier reports of the quarter (the demo files its months
    but the last, so which of them exist depends on the date)."""
    out = list(month)
    for position in range(COMMUNE_ONLY_FROM, len(month)):
        if position in STOCK_POSITIONS:
            continue
        out[position] = (month[position] or 0) + sum((values[position] or 0) for values in earlier if values)
    return out

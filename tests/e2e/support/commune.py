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
from storage.periods import PeriodSpec, period_label, period_of

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

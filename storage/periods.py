"""Reporting periods, in one place: what a period is, its arithmetic, its one label, reading one from
what people type, and its row in the database.

A period is a month, a quarter, a half year or a year, written as a code (``2026-11``, ``2026-Q4``,
``2026-H2``, ``2026``) and named in replies as people say it ("tháng 11/2026", "quý IV/2026",
"6 tháng đầu năm 2026", "năm 2026"). People type periods many ways: "tháng 11", "t11",
"thang 11/2026", "11/2026", "quý 4/2026", "quy IV", "6 tháng đầu năm", "năm 2026", "tháng này",
"tháng trước"; relative ones are read against a day given by the caller (by default the program's
clock, in Vietnam time). Deadlines and reminders are ``storage.calendar``'s.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import _
from locales.vietnamese import fold
from storage import clock
from storage.models.reports import Period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_CODE = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|Q([1-4])|H([12])))?$")


@dataclass(frozen=True, order=True)
class PeriodSpec:
    """A period as pure data (no database row): its code, kind, number and first/last day."""

    starts_on: dt.date
    ends_on: dt.date
    kind: str
    year: int
    number: int
    code: str


# --- what a period is, and its arithmetic -------------------------------------------------------

def _spec(kind: str, year: int, number: int) -> PeriodSpec:
    if kind == "month":
        first, last = dt.date(year, number, 1), dt.date(year, number, _cal.monthrange(year, number)[1])
        code = f"{year}-{number:02d}"
    elif kind == "quarter":
        first = dt.date(year, 3 * number - 2, 1)
        last = dt.date(year, 3 * number, _cal.monthrange(year, 3 * number)[1])
        code = f"{year}-Q{number}"
    elif kind == "half":
        first = dt.date(year, 6 * number - 5, 1)
        last = dt.date(year, 6 * number, 30 if number == 1 else 31)
        code = f"{year}-H{number}"
    elif kind == "year":
        first, last, code = dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    return PeriodSpec(first, last, kind, year, number, code)


def period_spec(kind: str, year: int, number: int = 1) -> PeriodSpec:
    """The period of ``kind`` (month, quarter, half, year) numbered ``number`` in ``year``."""
    return _spec(kind, year, number)


def parse_period(code: str) -> PeriodSpec:
    """Parse ``2026-11``, ``2026-Q4``, ``2026-H2`` or ``2026`` (case-insensitive); ValueError otherwise."""
    match = _CODE.match(code.strip().upper())
    if not match:
        raise ValueError(f"not a period code: {code!r}")
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"not a month: {code!r}")
        return _spec("month", year, month)
    if match.group(3):
        return _spec("quarter", year, int(match.group(3)))
    if match.group(4):
        return _spec("half", year, int(match.group(4)))
    return _spec("year", year, 1)


def period_of(kind: str, day: dt.date) -> PeriodSpec:
    """Return the period of ``kind`` that contains ``day``."""
    number = {"month": day.month, "quarter": (day.month - 1) // 3 + 1, "half": 1 if day.month <= 6 else 2}
    return _spec(kind, day.year, number.get(kind, 1))


def previous(spec: PeriodSpec) -> PeriodSpec:
    """Return the period of the same kind just before ``spec``."""
    return period_of(spec.kind, spec.starts_on - dt.timedelta(days=1))


def following(spec: PeriodSpec) -> PeriodSpec:
    """Return the period of the same kind just after ``spec``."""
    return period_of(spec.kind, spec.ends_on + dt.timedelta(days=1))


def same_last_year(spec: PeriodSpec) -> PeriodSpec:
    """Return the same period one year earlier."""
    return _spec(spec.kind, spec.year - 1, spec.number)


def months_in(spec: PeriodSpec) -> list[PeriodSpec]:
    """Return the months a period covers, in order."""
    months = []
    day = spec.starts_on
    while day <= spec.ends_on:
        months.append(period_of("month", day))
        day = months[-1].ends_on + dt.timedelta(days=1)
    return months


# --- its one label ------------------------------------------------------------------------------

def period_label(spec: PeriodSpec) -> str:
    """Name a period the way people say it, the same in every reply: "tháng 11/2026", "quý IV/2026",
    "6 tháng đầu năm 2026", "năm 2026"."""
    if spec.kind == "month":
        return _("month {month}/{year}").format(month=spec.number, year=spec.year)
    if spec.kind == "quarter":
        roman = ("I", "II", "III", "IV")[spec.number - 1]
        return _("quarter {quarter}/{year}").format(quarter=roman, year=spec.year)
    if spec.kind == "half":
        if spec.number == 1:
            return _("first half of {year}").format(year=spec.year)
        return _("second half of {year}").format(year=spec.year)
    return _("year {year}").format(year=spec.year)


def code_label(code: str) -> str:
    """The label of the period ``code`` ("2026-Q4" → "quý IV/2026"); the code itself if it is none."""
    try:
        return period_label(parse_period(code))
    except ValueError:
        return code


# --- reading a period from what people type -----------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# Words saying "this one" (0) or "the one before" (-1): "tháng này", "quý trước", "tháng rồi".
_RELATIVE = {"nay": 0, "truoc": -1, "roi": -1, "vua roi": -1, "vua qua": -1}
_REL = r"nay|truoc|vua roi|vua qua|roi"
_YEAR = r"(?:\s*(?:/|-|nam)?\s*(\d{4}))?"
# Tried in this order; each match is blanked out so "6 tháng đầu năm" is not also read as a month.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("code", re.compile(r"\b(\d{4}-(?:\d{1,2}|q[1-4]|h[12]))\b")),
    ("half", re.compile(r"\b(?:6|sau) thang (dau|cuoi)(?: nam)?" + _YEAR + r"\b")),
    ("half", re.compile(r"\bnua (dau|cuoi) nam" + _YEAR + r"\b")),
    ("quarter", re.compile(r"\b(?:quy|quarter|q)\s*(" + _REL + r"|iv|iii|ii|i|[1-4])\b" + _YEAR)),
    ("month", re.compile(r"\b(?:thang|month|th|t)\s*(" + _REL + r"|\d{1,2})\b" + _YEAR)),
    ("month", re.compile(r"\bky (nay|truoc|roi|vua roi|vua qua)\b()")),
    ("numeric", re.compile(r"\b(\d{1,2})\s*[/-]\s*(\d{4})\b")),
    ("year", re.compile(r"\bnam (\d{4}|nay)\b()")),
)
_PUNCTUATION = re.compile(r"[?!.,;:…\"“”()]+")
# "11.2026" is a month and a year: the dot is kept as a slash before punctuation is dropped.
_DOTTED = re.compile(r"\b(\d{1,2})\s*\.\s*(\d{4})\b")


@dataclass(frozen=True)
class AskedPeriod:
    """A period found in text: ``before_now`` when said relative to today ("tháng trước"),
    ``year_said`` when its year was written ("tháng 11/2026", "2026-11", "năm 2026")."""

    spec: PeriodSpec
    before_now: bool
    year_said: bool = False


def today_in_vietnam() -> dt.date:
    """Today by the program's clock, in Vietnam time: what "tháng này" means by default."""
    return clock.now().astimezone(TZ).date()


def _normalise(text: str) -> str:
    """Fold ``text`` and drop punctuation (a dot between a month and a year becomes a slash)."""
    return " ".join(_PUNCTUATION.sub(" ", _DOTTED.sub(r"\1/\2", fold(text))).split())


def _a_year(text: str | None) -> bool:
    """A year a date can hold (1-9999): "0001" and "9999" are periods, only out of the range served."""
    return text is not None and text.isdigit() and 1 <= int(text) <= 9999


def _numbered(kind: str, number: int, today: dt.date, latest: bool) -> PeriodSpec:
    """The period ``number`` of ``kind`` in today's year, or (``latest``) the latest one that has begun."""
    spec = _spec(kind, today.year, number)
    return _spec(kind, today.year - 1, number) if latest and spec.starts_on > today else spec


def _read(kind: str, groups: tuple[str | None, ...], today: dt.date, latest: bool) -> AskedPeriod | None:
    word, year = (*groups, None, None)[:2]
    word = word or ""
    if kind == "code":
        try:
            return AskedPeriod(parse_period(word), False, True)
        except ValueError:  # "2026-13", "0000-11": not a period
            return None
    if kind == "numeric":
        if not (1 <= int(word) <= 12 and _a_year(year)):
            return None
        return AskedPeriod(_spec("month", int(year or 0), int(word)), False, True)
    if kind == "year":
        number = today.year if word == "nay" else int(word)
        # "năm 0001" is a period (out of range, and said so), not a reason for the generic error.
        return AskedPeriod(_spec("year", number, 1), False, word != "nay") if _a_year(str(number)) else None
    if word in _RELATIVE:
        current = period_of(kind, today)
        return AskedPeriod(previous(current), True) if _RELATIVE[word] else AskedPeriod(current, False)
    if kind == "half":
        number = 1 if word == "dau" else 2
    elif kind == "quarter":
        number = _ROMAN.get(word) or int(word)
    else:
        number = int(word)
        if not 1 <= number <= 12:
            return None
    if year:
        return AskedPeriod(_spec(kind, int(year), number), False, True) if _a_year(year) else None
    return AskedPeriod(_numbered(kind, number, today, latest), False)


def _scan(text: str, today: dt.date, latest: bool) -> tuple[list[AskedPeriod], str]:
    """The periods named in normalised ``text`` in the order written, and the text without them."""
    found: list[tuple[int, AskedPeriod]] = []
    rest = text
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(rest):
            read = _read(kind, match.groups(), today, latest)
            if read is not None:
                found.append((match.start(), read))
        rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    return [period for _start, period in sorted(found, key=lambda item: item[0])], " ".join(rest.split())


def find_periods(text: str, today: dt.date | None = None, *, latest: bool = True) -> list[AskedPeriod]:
    """Every period named in ``text``, in the order written.

    A number without a year ("tháng 12", "quý 4") is the latest such period that has begun by ``today``
    (a report looks back), or with ``latest=False`` the one of today's year (a deadline looks ahead).
    """
    return _scan(_normalise(text), today or today_in_vietnam(), latest)[0]


def split_period(text: str, today: dt.date | None = None) -> tuple[PeriodSpec | None, str]:
    """The first period named in ``text`` and the rest of it, normalised ("Xóm 3 tháng 10" → 10, "xom 3")."""
    periods, rest = _scan(_normalise(text), today or today_in_vietnam(), True)
    return (periods[0].spec if periods else None), rest


def read_asked(text: str, today: dt.date | None = None) -> AskedPeriod | None:
    """The period ``text`` is, all of it, and how it was said (``read_period``); ``None`` otherwise."""
    normal = _normalise(text)
    try:
        return AskedPeriod(parse_period(normal), False, True)
    except ValueError:
        pass
    periods, rest = _scan(normal, today or today_in_vietnam(), True)
    return periods[0] if len(periods) == 1 and not rest else None


def read_period(text: str, today: dt.date | None = None) -> PeriodSpec | None:
    """The period ``text`` is, all of it ("2026-11", "11/2026", "t11.2026", "quý 4/2026", "Q4 2026",
    "2026", "tháng này"); ``None`` when it is no period or says something more."""
    asked = read_asked(text, today)
    return asked.spec if asked is not None else None


# --- its row in the database --------------------------------------------------------------------

async def get_or_create_period(session: AsyncSession, period: PeriodSpec | str) -> Period:
    """Return the row of ``period`` (a spec or a code), inserting it when missing (safe when two workers race)."""
    spec = parse_period(period) if isinstance(period, str) else period
    found = await find_period(session, spec.code)
    if found is not None:
        return found
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(Period)
        .values(code=spec.code, kind=spec.kind, year=spec.year, number=spec.number,
                starts_on=spec.starts_on, ends_on=spec.ends_on)
        .on_conflict_do_nothing(index_elements=["code"])
    )
    return (await session.execute(select(Period).where(Period.code == spec.code))).scalar_one()


async def find_period(session: AsyncSession, code: str) -> Period | None:
    """Return the row of the period ``code`` if any report or reminder created it."""
    return (await session.execute(select(Period).where(Period.code == code))).scalar_one_or_none()

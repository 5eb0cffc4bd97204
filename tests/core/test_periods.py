"""The one period module: codes, arithmetic, the one label, and periods read as people type them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from locales.i18n import set_language
from storage.periods import (
    TZ,
    code_label,
    find_periods,
    following,
    months_in,
    parse_period,
    period_label,
    period_of,
    period_spec,
    previous,
    read_asked,
    read_period,
    same_last_year,
    split_period,
)

TODAY = dt.date(2026, 12, 5)


@pytest.fixture(autouse=True)
def vietnamese() -> Iterator[None]:
    set_language("vi")
    yield
    set_language("vi")


def test_codes_and_arithmetic() -> None:
    q4 = parse_period("2026-q4")
    assert (q4.kind, q4.number, q4.starts_on, q4.ends_on) == ("quarter", 4, dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_spec("month", 2026, 2).ends_on == dt.date(2026, 2, 28)
    assert period_of("half", dt.date(2026, 7, 1)).code == "2026-H2"
    assert previous(parse_period("2026-01")).code == "2025-12"
    assert following(parse_period("2026-Q4")).code == "2027-Q1"
    assert same_last_year(parse_period("2026-H1")).code == "2025-H1"
    assert [m.code for m in months_in(parse_period("2026-Q3"))] == ["2026-07", "2026-08", "2026-09"]
    for bad in ("2026-13", "2026-Q5", "26-11", "tháng 11"):
        with pytest.raises(ValueError):
            parse_period(bad)


@pytest.mark.parametrize(("code", "label"), [
    ("2026-06", "tháng 6/2026"),
    ("2026-11", "tháng 11/2026"),
    ("2026-Q4", "quý IV/2026"),
    ("2026-Q1", "quý I/2026"),
    ("2026-H1", "6 tháng đầu năm 2026"),
    ("2026-H2", "6 tháng cuối năm 2026"),
    ("2026", "năm 2026"),
])
def test_one_label_per_kind(code: str, label: str) -> None:
    assert period_label(parse_period(code)) == label
    assert code_label(code) == label


def test_labels_in_english_and_a_code_that_is_no_period() -> None:
    set_language("en")
    assert period_label(parse_period("2026-Q4")) == "quarter IV/2026"
    assert code_label("draft") == "draft"


@pytest.mark.parametrize(("text", "code"), [
    # months, with and without diacritics, with and without a year
    ("tháng 11", "2026-11"),
    ("thang 11", "2026-11"),
    ("Tháng 12", "2026-12"),
    ("t11", "2026-11"),
    ("th 10", "2026-10"),
    ("thang 11/2026", "2026-11"),
    ("tháng 11 năm 2025", "2025-11"),
    ("11/2026", "2026-11"),
    ("11.2026", "2026-11"),
    ("11-2026", "2026-11"),
    ("2026-11", "2026-11"),
    # quarters, arabic and roman
    ("quý 4/2026", "2026-Q4"),
    ("quy IV", "2026-Q4"),
    ("Quý III", "2026-Q3"),
    ("Q4 2026", "2026-Q4"),
    ("2026-Q4", "2026-Q4"),
    # halves and years
    ("6 tháng đầu năm", "2026-H1"),
    ("sau thang cuoi nam 2025", "2025-H2"),
    ("nửa đầu năm 2026", "2026-H1"),
    ("năm 2026", "2026"),
    ("nam nay", "2026"),
    ("2026", "2026"),
    # relative to today
    ("tháng này", "2026-12"),
    ("thang truoc", "2026-11"),
    ("tháng rồi", "2026-11"),
    ("quý trước", "2026-Q3"),
    ("kỳ này", "2026-12"),
])
def test_a_period_as_people_type_it(text: str, code: str) -> None:
    spec = read_period(text, TODAY)
    assert spec is not None and spec.code == code


@pytest.mark.parametrize("text", ["tháng mười", "tháng 13", "xóm 3", "", "2026-13", "tháng 11 xóm 3"])
def test_what_is_no_period_alone(text: str) -> None:
    assert read_period(text, TODAY) is None


def test_periods_in_a_sentence_in_the_order_written() -> None:
    found = find_periods("so sánh tháng 11 với tháng trước", TODAY)
    assert [p.spec.code for p in found] == ["2026-11", "2026-11"]
    assert [p.before_now for p in found] == [False, True]
    # "6 tháng đầu năm" is a half, not also the month 6
    assert [p.spec.code for p in find_periods("báo cáo 6 tháng đầu năm 2026", TODAY)] == ["2026-H1"]


def test_a_deadline_looks_ahead_a_report_looks_back() -> None:
    assert find_periods("quý 4", dt.date(2026, 2, 1))[0].spec.code == "2025-Q4"
    assert find_periods("quý 4", dt.date(2026, 2, 1), latest=False)[0].spec.code == "2026-Q4"
    said = find_periods("quý 4/2026", TODAY)[0]
    assert said.year_said and not find_periods("quý 4", TODAY)[0].year_said


def test_a_period_split_from_a_hamlet_name() -> None:
    period, rest = split_period("Xóm 3 tháng 10", TODAY)
    assert period is not None and period.code == "2026-10" and rest == "xom 3"
    assert split_period("Bản Khe Ló", TODAY) == (None, "ban khe lo")


def test_relative_periods_follow_the_program_clock(pin_clock: Callable[[dt.datetime], None]) -> None:
    # New Year's first minute in Vietnam is still 31 December in UTC: "tháng này" is January.
    pin_clock(dt.datetime(2027, 1, 1, 0, 1, tzinfo=TZ))
    assert read_period("tháng này") == parse_period("2027-01")
    assert read_period("tháng trước") == parse_period("2026-12")


def test_how_a_period_was_said() -> None:
    said = read_asked("thang 11/2026", TODAY)
    assert said is not None and said.spec.code == "2026-11" and said.year_said and not said.before_now
    before = read_asked("tháng trước", TODAY)
    assert before is not None and before.before_now and not before.year_said
    assert read_asked("tháng 11 xóm 3", TODAY) is None

"""How counts typed by hamlet officials are read, and refused (never misread)."""

from __future__ import annotations

import pytest

from conversations.numbers import CountError, parse_count


@pytest.mark.parametrize(
    ("typed", "measure", "value"),
    [
        ("3", "người", 3),
        ("3 người", "người", 3),
        ("3 nguoi", "người", 3),
        ("ba", "người", 3),
        ("không", "người", 0),
        ("khong", "người", 0),
        ("0", "người", 0),
        ("mười hai", "người", 12),
        ("muoi hai", "người", 12),
        ("mười lăm", "người", 15),
        ("ba mươi lăm", "người", 35),
        ("ba muoi lam", "người", 35),
        ("hai mươi mốt", "người", 21),
        ("bốn mươi tư", "người", 44),
        ("hai chục", "người", 20),
        ("một trăm linh năm", "lượt", 105),
        ("hai nghìn ba trăm", "lượt", 2300),
        ("1.200", "lượt", 1200),
        ("1.200 lượt", "lượt", 1200),
        ("1.200", "m²", 1200),
        ("500 m2", "m²", 500),
        ("  7  ", "tin", 7),
        # A decomposed "ba mươi lăm" (as some phone keyboards send it) must read the same.
        ("ba mu\u031bo\u031bi la\u0306m", "người", 35),
    ],
)
def test_reads_counts(typed: str, measure: str, value: int) -> None:
    assert parse_count(typed, measure).value == value


@pytest.mark.parametrize(
    ("typed", "measure", "error"),
    [
        ("-1", "người", CountError.NEGATIVE),
        ("- 2", "người", CountError.NEGATIVE),
        ("3,5", "người", CountError.FRACTION),
        ("3.5", "người", CountError.FRACTION),
        ("nhiều", "người", CountError.NOT_A_NUMBER),
        ("", "người", CountError.EMPTY),
        ("   ", "người", CountError.EMPTY),
        ("1.200", "người", CountError.THOUSANDS_DOT),
        ("99999999", "người", CountError.TOO_LARGE),
        # "năm" after "mươi" may be a year ("ba mươi năm"): refused rather than guessed.
        ("ba muoi nam", "người", CountError.NOT_A_NUMBER),
        ("ba mươi năm", "người", CountError.NOT_A_NUMBER),
        # "lăm" and "tư" only mean 5 and 4 after a tens word.
        ("lam", "người", CountError.NOT_A_NUMBER),
        ("tu", "người", CountError.NOT_A_NUMBER),
        # "một trăm ba" is 130 to some and 103 to others.
        ("mot tram ba", "người", CountError.NOT_A_NUMBER),
        ("khoảng 3", "người", CountError.NOT_A_NUMBER),
    ],
)
def test_refuses_what_is_not_a_count(typed: str, measure: str, error: CountError) -> None:
    result = parse_count(typed, measure)
    assert result.value is None
    assert result.error is error

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
        # "lăm" and "tư" only mean 5 and 4 after a tens word.
        ("lam", "người", CountError.NOT_A_NUMBER),
        ("tu", "người", CountError.NOT_A_NUMBER),
        ("khoảng 2-3", "người", CountError.RANGE),
        ("3 hay 4", "người", CountError.SEVERAL),
        ("chưa biết", "người", CountError.NOT_A_NUMBER),
        ("0,25 m2", "m²", CountError.FRACTION),
    ],
)
def test_refuses_what_is_not_a_count(typed: str, measure: str, error: CountError) -> None:
    result = parse_count(typed, measure)
    assert result.value is None
    assert result.error is error


@pytest.mark.parametrize(
    ("typed", "measure", "value"),
    [
        # As spoken: a lone digit after "trăm" is the tens, after "nghìn" the hundreds.
        ("một trăm hai", "lượt", 120),
        ("mot tram ba", "lượt", 130),
        ("trăm hai", "lượt", 120),
        ("hai nghìn ba", "lượt", 2300),
        ("1 nghìn 2", "lượt", 1200),
        ("2 ngàn 3", "lượt", 2300),
        ("nghìn rưỡi", "lượt", 1500),
        ("hai trăm rưỡi", "lượt", 250),
        ("hai mốt", "người", 21),
        ("ba lăm", "người", 35),
        ("hai nghìn không trăm năm mươi", "lượt", 2050),
        # A figure inside a sentence, and the ways of saying none.
        ("có 3 người thôi", "người", 3),
        ("tháng 11 có 3 người", "người", 3),
        ("3 người sau cai", "người", 3),
        ("khoảng 3", "người", 3),
        ("không có ai", "người", 0),
        ("chưa có", "người", 0),
        ("chua phat hien ai", "người", 0),
        ("0,5 ha", "m²", 5000),
        ("1,2 ha", "m²", 12000),
    ],
)
def test_reads_numbers_as_spoken_and_figures_in_sentences(typed: str, measure: str, value: int) -> None:
    assert parse_count(typed, measure).value == value


def test_a_breakdown_is_asked_back_as_its_total() -> None:
    result = parse_count("2 nam 1 nữ", "người")
    assert result.value is None and result.guess == 3


def test_nam_after_muoi_is_asked_back_as_lam() -> None:
    """"năm" after "mươi" may be years ("ba mươi năm"): asked back as 35 rather than read or refused."""
    for typed in ("ba muoi nam", "ba mươi năm"):
        result = parse_count(typed, "người")
        assert result.value is None and result.guess == 35


def test_hectares_say_what_was_converted() -> None:
    assert parse_count("0,5 ha", "m²").hectares == "0,5"
    assert parse_count("0,5 ha", "người").value is None  # hectares only where the measure is an area


# Word-to-number cases adapted from the ``vietnam-number`` package (github.com/ngthuong45/vietnam-number,
# tests/test_hundreds.py, test_tens.py, word2number/test_large_number.py) that are safe readings
# of a count. Where it reads digit by digit ("hai ba" 23, "ba mươi bảy năm" 375, "bốn tám mươi" 480)
# we ask back instead: a count typed that way is more likely a slip than a number.
@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("mười", 10), ("mười một", 11), ("mười lăm", 15), ("trăm mười", 110), ("hai trăm mười ba", 213),
        ("trăm hai", 120), ("ba trăm", 300), ("hai mươi", 20), ("năm mươi hai", 52), ("bốn trăm hai", 420),
        ("trăm hai mươi ba", 123), ("không trăm tám mươi", 80), ("một trăm ba mươi hai", 132),
        ("hai mươi mốt", 21), ("bốn nghìn ba mươi hai", 4032), ("hai nghìn", 2000),
        ("hai nghìn hai mươi ba", 2023), ("mười nghìn hai mươi ba", 10023),
    ],
)
def test_agrees_with_vietnam_number_on_safe_readings(typed: str, value: int) -> None:
    assert parse_count(typed, "lượt").value == value


@pytest.mark.parametrize("typed", ["hai ba", "ba mươi bảy năm", "bốn tám mươi", "trăm hai ba"])
def test_digit_by_digit_readings_are_not_guessed(typed: str) -> None:
    assert parse_count(typed, "lượt").value is None

"""Provinces and communes of the official list (2025) found by what people type."""

from __future__ import annotations

import pytest

from storage.official_units import OfficialProvince, communes_of, find_commune, find_province, provinces


def _nghe_an() -> OfficialProvince:
    province = find_province("Nghệ An").province
    assert province is not None
    return province


def test_the_list_has_34_provinces_and_3321_communes() -> None:
    assert len(provinces()) == 34
    assert sum(len(communes_of(p)) for p in provinces().values()) == 3321


@pytest.mark.parametrize("typed", ["Nghệ An", "nghe an", "Tỉnh Nghệ An", "tinh nghe an", "NGHE AN", "Nghe Ann"])
def test_a_province_is_found_with_or_without_diacritics_and_its_kind(typed: str) -> None:
    found = find_province(typed).province
    assert found is not None and found.code == 40 and found.full_name == "Tỉnh Nghệ An"


def test_a_city_is_found_with_tp() -> None:
    found = find_province("TP. Hà Nội").province
    assert found is not None and found.full_name == "Thành phố Hà Nội" and found.code_text == "01"


@pytest.mark.parametrize("typed", ["Xã Quỳ Hợp", "xa Quy Hop", "X. Quỳ Hợp", "quy hop", "TT. Quỳ Hợp", "Quy Hopp"])
def test_a_commune_is_found_as_people_type_it(typed: str) -> None:
    found = find_commune(typed, _nghe_an()).commune
    assert found is not None and found.name == "Xã Quỳ Hợp" and found.code_text == "17035"


@pytest.mark.parametrize("typed", ["P. Trường Vinh", "phuong truong vinh", "Trường Vinh"])
def test_a_ward_is_found_with_p_or_phuong(typed: str) -> None:
    found = find_commune(typed, _nghe_an()).commune
    assert found is not None and found.name == "Phường Trường Vinh" and found.kind == "phường"


def test_an_old_province_is_answered_with_what_it_is_now_part_of() -> None:
    match = find_province("Ha Giang")
    assert match.province is None
    assert match.now_part_of is not None and match.now_part_of.name == "Tuyên Quang"


def test_an_unknown_commune_gets_suggestions_never_a_guess() -> None:
    match = find_commune("Quỳ Hơp Mới", _nghe_an())
    assert match.commune is None
    assert "Xã Quỳ Hợp" in match.suggestions


def test_a_commune_of_another_province_is_said_to_be_elsewhere() -> None:
    match = find_commune("Phường Hoàn Kiếm", _nghe_an())
    assert match.commune is None and [c.name for c in match.elsewhere] == ["Phường Hoàn Kiếm"]


def test_an_unknown_province_gets_suggestions() -> None:
    match = find_province("Nghe")
    assert match.province is None and "Tỉnh Nghệ An" in match.suggestions


@pytest.mark.parametrize(("typed", "code"), [("TP.HCM", 79), ("Sài Gòn", 79), ("Thừa Thiên Huế", 46)])
def test_the_names_people_use_for_a_city(typed: str, code: int) -> None:
    found = find_province(typed).province
    assert found is not None and found.code == code

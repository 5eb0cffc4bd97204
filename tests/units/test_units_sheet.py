"""Reading the hamlet sheet: encodings, header anywhere in the first rows, and every bad sheet named by row."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.units_sheet import read_sheet
from storage.units_template import write_template
from tests.units.sheets import HEADER, QUY_HOP, cp1258, write_csv, write_xlsx


def _names(path: Path) -> list[str]:
    sheet = read_sheet(path)
    assert sheet.errors == []
    return [row.hamlet for row in sheet.rows]


EXPECTED = ["Xóm Đồng Tâm", "Bản Mới", "Xóm 5"]


def test_utf8_with_and_without_bom(tmp_path: Path) -> None:
    assert _names(write_csv(tmp_path / "bom.csv", [HEADER, *QUY_HOP])) == EXPECTED
    assert _names(write_csv(tmp_path / "plain.csv", [HEADER, *QUY_HOP], lambda t: t.encode("utf-8"))) == EXPECTED


def test_excel_windows_1258_with_semicolons(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "win.csv", [HEADER, *QUY_HOP], cp1258, delimiter=";")
    sheet = read_sheet(path)
    assert [r.hamlet for r in sheet.rows] == EXPECTED and sheet.rows[0].commune == "Xã Quỳ Hợp"


def test_windows_1252_loses_letters_and_says_to_save_as_utf8(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "west.csv", [HEADER, *QUY_HOP], lambda t: t.encode("cp1252", errors="replace"))
    errors = read_sheet(path).errors
    assert errors and "CSV UTF-8" in errors[0].message


def test_headers_without_diacritics_and_population_with_dots(tmp_path: Path) -> None:
    rows = [["tinh", "xa/phuong", "thon/xom", "dan so"], ["Nghe An", "xa Quy Hop", "Xom Dong Tam", "1.250"]]
    sheet = read_sheet(write_csv(tmp_path / "ascii.csv", rows))
    assert sheet.errors == [] and sheet.rows[0].hamlet == "Xóm Dong Tam" and sheet.rows[0].population == 1250


def test_the_header_is_found_below_a_title(tmp_path: Path) -> None:
    rows = [["DANH SÁCH THÔN, XÓM"], [], ["Ghi chú: mỗi thôn một dòng"], HEADER, *QUY_HOP]
    sheet = read_sheet(write_xlsx(tmp_path / "title.xlsx", rows, merge="A1:E1"))
    assert sheet.errors == [] and [r.row for r in sheet.rows] == [5, 6, 7]


def test_the_template_reads_back_without_errors(tmp_path: Path) -> None:
    write_template(tmp_path / "mau.xlsx")
    write_template(tmp_path / "mau.csv")
    assert len(_names(tmp_path / "mau.xlsx")) == 4 and len(_names(tmp_path / "mau.csv")) == 4


def _only_error(path: Path) -> tuple[int | None, str | None, str]:
    sheet = read_sheet(path)
    assert sheet.errors, sheet.rows
    error = sheet.errors[0]
    return error.row, error.column, error.message


def test_wrong_file_type(tmp_path: Path) -> None:
    path = tmp_path / "list.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    row, _, message = _only_error(path)
    assert row is None and ".xlsx" in message and "CSV UTF-8" in message


def test_a_csv_named_xlsx_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "fake.xlsx", [HEADER, *QUY_HOP])
    assert "Không đọc được" in _only_error(path)[2]


def test_empty_sheet(tmp_path: Path) -> None:
    assert "Bảng trống" in _only_error(write_xlsx(tmp_path / "empty.xlsx", []))[2]
    assert "chưa có thôn" in _only_error(write_csv(tmp_path / "header.csv", [HEADER]))[2]


def test_header_too_far_down(tmp_path: Path) -> None:
    rows = [["…"]] * 11 + [HEADER, *QUY_HOP]
    row, _, message = _only_error(write_xlsx(tmp_path / "far.xlsx", rows))
    assert row is None and "10 dòng đầu" in message


def test_merged_cells_in_the_data(tmp_path: Path) -> None:
    row, column, message = _only_error(write_xlsx(tmp_path / "merged.xlsx", [HEADER, *QUY_HOP], merge="B2:B4"))
    assert (row, column) == (2, "Xã/Phường") and "gộp" in message


def test_a_formula_is_refused_and_never_evaluated(tmp_path: Path) -> None:
    rows = [HEADER, ["Nghệ An", "Xã Quỳ Hợp", '=HYPERLINK("http://x.example","Xóm 1")', "xóm", ""]]
    row, column, message = _only_error(write_xlsx(tmp_path / "formula.xlsx", rows))
    assert (row, column) == (2, "Thôn/Xóm/Bản/Tổ dân phố") and "công thức" in message
    assert _only_error(write_csv(tmp_path / "formula.csv", rows))[:2] == (2, "Thôn/Xóm/Bản/Tổ dân phố")


@pytest.mark.parametrize("name", ["Xóm " + "A" * 296, "Xóm\x00Một", "Xóm\nMột", "Xóm\u202eMột"])
def test_long_names_and_control_characters(tmp_path: Path, name: str) -> None:
    rows = [HEADER, ["Nghệ An", "Xã Quỳ Hợp", name, "", ""]]
    row, column, message = _only_error(write_xlsx(tmp_path / "bad.xlsx", rows) if "\x00" not in name
                                       else write_csv(tmp_path / "bad.csv", rows))
    assert (row, column) == (2, "Thôn/Xóm/Bản/Tổ dân phố")
    assert ("300 ký tự" in message) if len(name) == 300 else ("ký tự điều khiển" in message)


def test_a_hamlet_without_a_kind_and_a_wrong_kind(tmp_path: Path) -> None:
    rows = [HEADER, ["Nghệ An", "Xã Quỳ Hợp", "Đồng Tâm", "", ""], ["Nghệ An", "Xã Quỳ Hợp", "Xóm 2", "bản", ""],
            ["Nghệ An", "Xã Quỳ Hợp", "Xóm 3", "", "nhiều"]]
    errors = read_sheet(write_csv(tmp_path / "kinds.csv", rows)).errors
    assert [(e.row, e.column) for e in errors] == [(2, "Thôn/Xóm/Bản/Tổ dân phố"), (3, "Loại"), (4, "Dân số")]
    assert "Xóm Đồng Tâm" in errors[0].message

"""``baocao units import`` and ``baocao units template``: exit status, the --json shape, the printed preview."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.units.sheets import HEADER, QUY_HOP, write_csv

KEYS = {"provinces", "communes", "hamlets", "created", "unchanged", "retired", "errors"}


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite file for the command (it migrates it itself)."""
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_import_json_twice_then_a_bad_sheet_exits_1(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = write_csv(tmp_path / "ok.csv", [HEADER, *QUY_HOP])
    assert main(["units", "import", str(sheet), "--json"]) == 0
    first = _json(capsys)
    assert set(first) >= KEYS and (first["created"], first["unchanged"], first["errors"]) == (3, 0, [])
    assert main(["units", "import", str(sheet), "--json"]) == 0
    again = _json(capsys)
    assert (again["created"], again["unchanged"]) == (0, 3)
    bad = write_csv(tmp_path / "bad.csv", [HEADER, *QUY_HOP, ["Nghệ An", "Xã Quỳ Hợp", "=1+1", "", ""]])
    assert main(["units", "import", str(bad), "--json"]) == 1
    errors = _json(capsys)["errors"]
    assert isinstance(errors, list) and set(errors[0]) == {"row", "column", "message"} and errors[0]["row"] == 5


def test_dry_run_saves_nothing_and_the_preview_names_row_and_column(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = write_csv(tmp_path / "ok.csv", [HEADER, *QUY_HOP])
    assert main(["units", "import", str(sheet), "--dry-run"]) == 0
    assert "Chạy thử: chưa lưu gì." in capsys.readouterr().out
    assert main(["units", "import", str(sheet), "--json"]) == 0
    assert _json(capsys)["created"] == 3  # the dry run created nothing
    bad = write_csv(tmp_path / "bad.csv", [HEADER, ["Nghe An", "Xa Khong Co", "Xóm 1", "", ""]])
    assert main(["units", "import", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "Chưa lưu gì" in out and "Dòng 2, cột Xã/Phường:" in out


def test_wrong_file_type_exits_1(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "list.docx"
    doc.write_bytes(b"PK")
    assert main(["units", "import", str(doc), "--json"]) == 1
    assert _json(capsys)["errors"][0]["row"] is None  # type: ignore[index]


def test_template_then_import_it(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mau.xlsx"
    assert main(["units", "template", str(target)]) == 0 and target.stat().st_size > 0
    capsys.readouterr()
    assert main(["units", "import", str(target), "--json"]) == 0
    result = _json(capsys)
    assert (result["communes"], result["created"]) == (2, 4)

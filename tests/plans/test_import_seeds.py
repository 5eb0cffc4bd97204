"""``baocao import-plan --dry-run --json`` on each real seed: what it finds, checked by reading the plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.conftest import shared_dir


def _preview(name: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    path: Path = shared_dir() / "seeds" / name
    assert main(["import-plan", str(path), "--dry-run", "--json"]) == 0
    out = capsys.readouterr().out
    data: dict[str, Any] = json.loads(out)
    return data


def _counts(data: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {u["name"]: (u["lead"], u["support"]) for u in data["units"]}


def test_000_commune_plan_assigns_by_agency_and_to_every_hamlet(capsys: pytest.CaptureFixture[str]) -> None:
    data = _preview("000_3afe9e87286c643e.txt", capsys)
    assert data["number"] is None and data["issued_text"] == "01/2026"  # "Số: /KH-UBND", "ngày tháng 01 năm 2026"
    assert data["area"] == "xã Quỳ Hợp"
    assert _counts(data) == {
        "Công an xã": (5, 3),  # 7 bullets of V.1 (3 "Phối hợp…") + "Giao Công an xã chủ trì…" in VII
        "Trạm y tế xã": (2, 0),
        "Phòng Văn hóa- Xã hội": (4, 2),
        "Phòng Kinh tế": (1, 1),
        # Supports its own V.5 task, and Công an xã's "Chủ trì, phối hợp với Văn phòng HĐND&UBND …".
        "Văn phòng HĐND&UBND xã": (0, 2),
        "Ủy ban mặt trận Tổ quốc Việt Nam xã Quý Hợp và các tổ chức thành viên": (4, 0),
        "Trung tâm Cung ứng dịch vụ công xã": (2, 1),
        "Ban Chỉ huy Quân sự xã": (1, 1),
        "Ban cán sự 54 xóm, bản": (2, 0),
        # Named in Công an xã's "Phối hợp Viện Kiểm sát nhân dân, Tòa án nhân dân khu vực …" (partners).
        "Viện Kiểm sát nhân dân": (0, 0),
        "Tòa án nhân dân khu vực": (0, 0),
    }
    kinds = {u["name"]: u["kind"] for u in data["units"]}
    assert kinds["Ban cán sự 54 xóm, bản"] == "hamlet"
    assert kinds["Công an xã"] is None
    assert data["deadlines"] == [] and data["unplaced"] == []
    projects = {p["code"]: p for p in data["projects"]}
    assert projects["5"]["name"] == "Nâng cao hiệu quả cai nghiện ma túy và quản lý sau cai"
    assert projects["7.4"]["lead"].startswith("Ủy ban mặt trận Tổ quốc")
    assert any(t["value"] == "Trên 80%" and "trạm y tế" in t["indicator"] for t in data["targets"])
    # "đến năm 2030 xã Quỳ Hợp …" is a year, not a target value of "2030 xã".
    assert not [t["value"] for t in data["targets"] if t["value"].startswith("20")]


def test_001_scraped_page_tables_and_lost_heading(capsys: pytest.CaptureFixture[str]) -> None:
    data = _preview("001_6a0687a21b1995cc.txt", capsys)
    assert (data["number"], data["issued_on"], data["area"]) == ("107/KH-UBND", "2026-02-12", "tỉnh Nghệ An")
    counts = _counts(data)
    # 4 items of IV.1, 12 rows of Phụ lục II, 4 "Giao Công an tỉnh …"/"Công an tỉnh chịu trách nhiệm …",
    # and the 6 project lines of 3.2 it leads ("Dự án 1: … (giao Công an tỉnh chủ trì, phối hợp …)").
    assert counts["Công an tỉnh"] == (26, 0)
    # "2. Sở Y tế" is missing from the page: recovered as lead of Dự án 6 (and the Dự án 6 line); it
    # supports Dự án 4 and 5.
    assert counts["Sở Y tế"] == (3, 2)
    assert counts["Ban Chỉ huy Bộ đội Biên phòng tỉnh"] == (4, 2)
    assert counts["Sở Tư pháp"] == (3, 0)
    assert counts["UBND các xã, phường"] == (3, 4)
    assert counts["Bộ Chỉ huy Quân sự tỉnh"] == (0, 1)  # support in row 11 of Phụ lục II
    # The two coordinating units named only inside tasks.
    assert counts["Ban Quản lý Khu kinh tế tỉnh"] == (0, 1)  # "Chủ trì, phối hợp với Ban Quản lý …"
    assert counts["Sở Tài chính"] == (1, 1)  # Dự án 1: "phối hợp Ban chỉ huy …, Sở Tài chính, …"
    assert "Sở Nội vụ" in counts  # "Giao Công an tỉnh phối hợp với Sở Nội vụ hướng dẫn tiêu chí thi đua"
    kinds = {u["name"]: u["kind"] for u in data["units"]}
    assert kinds["UBND các xã, phường"] == "commune"
    values = {t["indicator"]: t["value"] for t in data["targets"]}
    assert values["Tỷ lệ người nghiện ma túy được tư vấn cai nghiện"] == "45%"
    assert values["Số điểm tư vấn tiếp nhận cai nghiện tại các địa bàn cấp xã"] == "20 điểm"
    assert sum(1 for t in data["targets"] if t["section"].startswith("CHỈ TIÊU")) == 43
    assert [(d["kind"], d["due"]) for d in data["deadlines"]] == [
        ("plan", "25/02/2026"),
        ("quarter", "15 tháng cuối quý"),
        ("half", "15/6"),
        ("year", "15/12"),
    ]
    projects = {p["code"]: p["lead"] for p in data["projects"]}
    assert projects["6"] == "Sở Y tế" and projects["7.4"] == "Liên đoàn Lao động tỉnh"
    # The duplicated opening block is read once: each project is defined once.
    assert len([p for p in data["projects"] if p["code"] == "1"]) == 1


def test_002_by_theme_then_agency(capsys: pytest.CaptureFixture[str]) -> None:
    data = _preview("002_1f02651bb9e2d91e.txt", capsys)
    assert (data["number"], data["issued_on"], data["area"]) == ("171/KH-UBND", "2025-05-15", "tỉnh Đồng Nai")
    counts = _counts(data)
    # Under themes 2–9 and III.2; supports also where others "chủ trì, phối hợp với Công an tỉnh".
    assert counts["Công an tỉnh"] == (29, 5)
    assert counts["Sở Công Thương"] == (3, 0)
    assert counts["Viện kiểm sát nhân dân tỉnh"] == (0, 3)  # "Đề nghị …", twice; Sở Tư pháp's partner
    assert counts["Đài Phát thanh - Truyền hình Đồng Nai"] == (1, 1)
    # "UBND cấp huyện, cấp xã" is one name for both levels, never "UBND cấp huyện" and "cấp xã".
    assert "cấp xã" not in counts and counts["UBND cấp huyện, cấp xã"][0] == 38
    kinds = {(u["name"], u["kind"]) for u in data["units"]}
    assert ("UBND cấp huyện, cấp xã", "commune") in kinds
    # The GDNN-GDTX centre is a unit of its own, not merged with the schools after it.
    assert counts["Trung tâm Giáo dục nghề nghiệp - giáo dục thường xuyên"] == (0, 1)
    assert counts["các cơ sở giáo dục trên địa bàn tỉnh"] == (0, 1)
    assert counts["Các sở, ban, ngành"] == (14, 0)
    # VIII.a and the paragraph after it name nobody; nor does the closing paragraph of III.
    assert len(data["unplaced"]) == 3
    ca = [u for u in data["units"] if u["name"] == "Công an tỉnh"]
    assert ca and ca[0]["kind"] is None


def test_003_requested_agencies_and_prose_targets(capsys: pytest.CaptureFixture[str]) -> None:
    data = _preview("003_d549ea4074743c8f.txt", capsys)
    assert (data["number"], data["issued_on"], data["area"]) == ("95/KH-UBND", "2022-12-30", "tỉnh Trà Vinh")
    counts = _counts(data)
    assert len(counts) == 17
    assert counts["Công an tỉnh"] == (7, 5)  # + "Chủ trì, phối hợp với Công an tỉnh / lực lượng Công an"
    assert counts["Bộ Chỉ huy Bộ đội Biên phòng tỉnh"] == (1, 0)
    assert counts["Ủy ban nhân dân các huyện, thị xã, thành phố"] == (4, 0)
    assert [(d["kind"], d["due"]) for d in data["deadlines"]] == [("year", "15/11"), ("final", "15/12/2025")]
    assert {t["value"] for t in data["targets"]} >= {"tăng 05%", "Trên 90%", "100%"}
    # The plan is about one project, "Dự án" for short: Công an tỉnh "triển khai Dự án và chủ trì".
    assert {p["code"]: p["lead"] for p in data["projects"]} == {"2": "Công an tỉnh"}


def test_004_drug_free_communes(capsys: pytest.CaptureFixture[str]) -> None:
    data = _preview("004_e2ab482368096c8f.txt", capsys)
    assert data["number"] is None and data["area"] == "tỉnh Đắk Lắk"
    counts = _counts(data)
    # 16 headings, three of which name two bodies; and Bộ đội Biên phòng, named by Hải quan's
    # "Phối hợp chặt chẽ với … của Công an tỉnh, Bộ đội Biên phòng".
    assert len(counts) == 20
    assert counts["Công an tỉnh"] == (5, 0)
    assert counts["UBND các xã, phường"] == (8, 0)
    assert counts["Bộ Tư lệnh Vùng Cảnh sát biển 3"] == (0, 1)
    assert [(d["kind"], d["due"]) for d in data["deadlines"]] == [
        ("plan", "27/02/2026"),
        ("half", "15/6"),
        ("year", "15/12"),
    ]


def test_import_saves_into_the_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    db = tmp_path / "baocao.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    seed = shared_dir() / "seeds" / "003_d549ea4074743c8f.txt"
    assert main(["import-plan", str(seed), "--area", "tỉnh Trà Vinh"]) == 0
    assert "Tỉnh đoàn: 1" in capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        plans = conn.execute("SELECT number, issuer FROM plans").fetchall()
        agencies = conn.execute("SELECT count(*) FROM units WHERE kind = 'agency'").fetchone()
        area = conn.execute("SELECT kind FROM units WHERE name = 'tỉnh Trà Vinh'").fetchone()
    assert plans == [("95/KH-UBND", "UBND tỉnh Trà Vinh")]
    assert agencies == (16,) and area == ("province",)

"""Understanding questions: normalisation, intents and entities, with and without diacritics, with
abbreviations and typos, and on phrasings that are not in the development set."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.questions.entities import AskerPlace, deadline_kind, match_units, project_codes
from handlers.questions.intents import detect_intent
from handlers.questions.knowledge import Knowledge, UnitInfo, unit_tokens
from handlers.questions.matching import normalize
from storage.plans import parse_plan, read_text
from storage.plans.units import split_units
from storage.plans.vocabulary import vocabulary
from tests.conftest import shared_dir


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TYT xã?", "tram y te xa"),
        ("CA xã phụ trách gì", "cong an xa phu trach gi"),
        ("UB MTTQ", "uy ban mat tran to quoc"),
        ("Phòng VH-XH", "phong van hoa xa hoi"),
        ("BCHQS xã", "ban chi huy quan su xa"),
        ("LĐLĐ tỉnh", "lien doan lao dong tinh"),
        ("DA5 là gì", "da 5 la gi"),
        ("Đã báo cáo", "da bao cao"),  # "đã" is not "dự án"
    ],
)
def test_normalize_folds_and_expands(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("xom toi phai lam gi", "assigned_tasks"),
        ("Xóm tôi phải làm gì?", "assigned_tasks"),
        ("nhiem vuu cua cong an xa", "assigned_tasks"),  # typo
        ("Trạm y tế có trách nhiệm gì", "assigned_tasks"),
        ("Sở Tư pháp được phân công những việc gì?", "assigned_tasks"),
        ("chi tieu methadone nam nay bao nhieu", "targets"),
        ("Tỷ lệ người sau cai được hỗ trợ phải đạt bao nhiêu?", "targets"),
        ("khi nào nộp báo cáo quý?", "deadline"),
        ("han chot gui bao cao 6 thang", "deadline"),
        ("Dự án 7 gồm những gì", "project_info"),
        ("ai chu tri DA 6", "project_info"),
        ("tiểu dự án 3 là gì", "project_info"),
        ("xóm nào chưa báo cáo?", "report_status"),
        ("nhung thon nao chua nop", "report_status"),
        ("báo cáo", "start_report"),
        ("nop bao cao thang", "start_report"),
        ("giúp", "help"),
        ("/help", "help"),
        ("bạn làm được gì?", "help"),
        ("hôm nay trời đẹp quá", "unknown"),
        ("", "unknown"),
        ("ăn cơm chưa", "unknown"),
    ],
)
def test_intents(text: str, intent: str) -> None:
    assert detect_intent(text) == intent


def test_project_codes_and_deadline_kinds() -> None:
    assert project_codes(normalize("ai chủ trì tiểu dự án 4 của dự án 7")) == ["7.4"]
    assert project_codes(normalize("Dự án 7 - Tiểu dự án 2")) == ["7.2"]
    assert project_codes(normalize("tieu du an 3")) == ["*.3"]
    assert project_codes(normalize("DA5 la gi")) == ["5"]
    assert deadline_kind(normalize("khi nào nộp báo cáo quý")) == "quarter"
    assert deadline_kind(normalize("hạn báo cáo sáu tháng")) == "half"
    assert deadline_kind(normalize("báo cáo năm nộp khi nào")) == "year"


def test_unit_lists_and_kinds_from_the_vocabulary() -> None:
    units = split_units("Sở Văn hóa, Thể thao và Du lịch, Đài Phát thanh - Truyền hình Đồng Nai, Báo Đồng Nai")
    assert [u.name for u in units] == [
        "Sở Văn hóa, Thể thao và Du lịch",
        "Đài Phát thanh - Truyền hình Đồng Nai",
        "Báo Đồng Nai",
    ]
    assert [u.kind for u in split_units("Ban cán sự 54 xóm, bản.")] == ["hamlet"]
    assert [u.kind for u in split_units("UBND các xã, phường")] == ["commune"]
    # "UBND cấp huyện, cấp xã" is one name standing for both levels, not "UBND cấp huyện" and "cấp xã".
    both = split_units("Các sở, ban, ngành, UBND cấp huyện, cấp xã")
    assert [(u.name, u.kind) for u in both] == [
        ("Các sở, ban, ngành", "agency"),
        ("UBND cấp huyện, cấp xã", "commune"),
        ("UBND cấp huyện, cấp xã", "district"),
    ]
    # The GDNN-GDTX centre is not merged with the schools listed after it.
    assert [u.name for u in split_units(
        "Đề nghị Trường Chính trị tỉnh, Trung tâm Giáo dục nghề nghiệp - giáo dục thường xuyên, "
        "các cơ sở giáo dục trên địa bàn tỉnh"
    )] == [
        "Trường Chính trị tỉnh",
        "Trung tâm Giáo dục nghề nghiệp - giáo dục thường xuyên",
        "các cơ sở giáo dục trên địa bàn tỉnh",
    ]
    requested = split_units("Đề nghị Viện kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh")
    assert [u.requested for u in requested] == [True, True]
    assert split_units("Các Sở, ngành và đơn vị có liên quan") == []
    assert vocabulary().is_hamlet_name("Tổ dân phố 3") and not vocabulary().is_hamlet_name("Trạm y tế xã")


def _knowledge(seed: str) -> Knowledge:
    """Units of a seed as the question matcher sees them (no database needed for matching)."""
    parsed = parse_plan(read_text(Path(shared_dir()) / "seeds" / seed), seed)
    k = Knowledge()
    for i, unit in enumerate(u for u in parsed.units() if u.kind is None):
        k.units[i] = UnitInfo(i, unit.name, "agency", None, unit_tokens(unit.name))
        k.unit_plans[i] = {1}
    return k


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("TYT xã làm gì", "Trạm y tế xã"),
        ("tram y te xa phai lam gi", "Trạm y tế xã"),
        ("CA xã phụ trách gì", "Công an xã"),
        ("cong an xa", "Công an xã"),
        ("cog an xa lam gi", "Công an xã"),  # typo
        ("UB MTTQ làm gì", "Ủy ban mặt trận Tổ quốc Việt Nam xã Quý Hợp và các tổ chức thành viên"),
        ("BCHQS xã có nhiệm vụ gì", "Ban Chỉ huy Quân sự xã"),
        ("phong VH-XH", "Phòng Văn hóa- Xã hội"),
        ("trung tâm dịch vụ công", "Trung tâm Cung ứng dịch vụ công xã"),
    ],
)
def test_units_matched_in_questions(question: str, unit: str) -> None:
    k = _knowledge("000_3afe9e87286c643e.txt")
    found = match_units(normalize(question), k, [1])
    assert [u.name for u in found] == [unit]


def test_no_unit_named_is_no_match() -> None:
    k = _knowledge("000_3afe9e87286c643e.txt")
    assert match_units(normalize("chúng tôi phải làm gì"), k, [1]) == []
    assert AskerPlace(None, ()).area_ids == ()


def test_ambiguous_unit_gives_several() -> None:
    k = _knowledge("002_1f02651bb9e2d91e.txt")
    names = {u.name for u in match_units(normalize("nhân dân tỉnh làm gì"), k, [1])}
    assert names == {"Viện kiểm sát nhân dân tỉnh", "Tòa án nhân dân tỉnh"}

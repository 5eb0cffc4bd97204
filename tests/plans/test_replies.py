"""Phone-sized replies and the source line, in both languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from handlers.questions.knowledge import PlanInfo
from handlers.questions.replies import LIMIT, cite, pack, project_label
from locales.i18n import set_language
from storage.periods import period_label, period_spec


@pytest.fixture(autouse=True)
def _vietnamese() -> Iterator[None]:
    set_language("vi")
    yield
    set_language("vi")


def _plan(**kw: object) -> PlanInfo:
    base: dict[str, object] = {
        "id": 1,
        "area_id": 1,
        "number": None,
        "issued_on": None,
        "issued_text": None,
        "issuer": "UBND xã Quỳ Hợp",
        "title": "Triển khai thực hiện Chương trình",
    }
    base.update(kw)
    return PlanInfo(**base)  # type: ignore[arg-type]


def test_source_line_in_every_form() -> None:
    assert cite(_plan(number="107/KH-UBND", issued_on=dt.date(2026, 2, 12))) == (
        "Theo Kế hoạch số 107/KH-UBND ngày 12/02/2026"
    )
    assert cite(_plan(number="95/KH-UBND")) == "Theo Kế hoạch số 95/KH-UBND của UBND xã Quỳ Hợp"
    assert cite(_plan(issued_text="01/2026")) == "Theo Kế hoạch của UBND xã Quỳ Hợp, tháng 01/2026"
    assert cite(_plan()) == "Theo Kế hoạch của UBND xã Quỳ Hợp: Triển khai thực hiện Chương trình"
    set_language("en")
    assert cite(_plan(number="107/KH-UBND", issued_on=dt.date(2026, 2, 12))) == (
        "According to Plan No. 107/KH-UBND dated 12/02/2026"
    )


def test_labels() -> None:
    assert project_label("7.4") == "Dự án 7 – Tiểu dự án 4"
    assert project_label("5") == "Dự án 5"
    assert period_label(period_spec("month", 2026, 11)) == "tháng 11/2026"
    assert period_label(period_spec("half", 2026, 1)) == "6 tháng đầu năm 2026"


def test_pack_splits_under_the_limit_and_ends_with_the_source() -> None:
    blocks = [f"{i}. " + "nhiệm vụ dài " * 60 for i in range(1, 12)]
    replies = pack(blocks, "Theo Kế hoạch số 1/KH-UBND")
    assert len(replies) > 1
    assert all(len(r.text) <= LIMIT + 60 < 4096 for r in replies)
    assert replies[-1].text.endswith("Theo Kế hoạch số 1/KH-UBND")
    assert "xem thêm" in replies[0].text
    joined = "\n".join(r.text for r in replies)
    assert all(f"{i}. " in joined for i in range(1, 12))
    (single,) = pack(["ngắn"], "nguồn")
    assert single.text == "ngắn\n\nnguồn"

"""One renderer for every transport: a ``Reply`` becomes the messages its profile can show."""

from __future__ import annotations

from dataclasses import replace

import pytest

from locales.i18n import set_language
from locales.messages import Attachment, Button, Reply
from locales.profiles import PROFILES, declare_groups, profile_of, reset_declarations
from locales.rendering import OutMessage, by_link, render_reply, split_text, utf16_len

TELEGRAM, ZALO, CONSOLE = PROFILES["telegram"], PROFILES["zalo"], PROFILES["console"]
BUTTONS = [[Button("Xác nhận", "confirm"), Button("Sửa", "edit")], [Button("Hủy", "cancel")]]
PNG = b"\x89PNG\r\n\x1a\n"
LINES = "\n".join(f"Ấp {i}: đã nộp báo cáo, số liệu đầy đủ các chỉ tiêu." for i in range(200))


def test_telegram_keeps_its_buttons_under_the_last_piece_of_a_long_text() -> None:
    messages = render_reply(Reply(LINES, BUTTONS), TELEGRAM)
    assert len(messages) >= 3
    assert all(utf16_len(m.text) <= TELEGRAM.text_limit for m in messages)
    assert "\n".join(m.text for m in messages) == LINES  # cut between lines, nothing lost
    assert [m.buttons for m in messages] == [[]] * (len(messages) - 1) + [BUTTONS]


def test_zalo_numbers_the_buttons_and_splits_at_its_own_limit() -> None:
    [message] = render_reply(Reply("Gửi báo cáo?", BUTTONS), ZALO)
    assert message == OutMessage("Gửi báo cáo?\n\n1. Xác nhận\n2. Sửa\n3. Hủy")
    messages = render_reply(Reply(LINES, BUTTONS), ZALO)
    assert len(messages) > len(render_reply(Reply(LINES, BUTTONS), TELEGRAM))
    assert all(utf16_len(m.text) <= ZALO.text_limit and not m.buttons for m in messages)
    assert messages[-1].text.endswith("1. Xác nhận\n2. Sửa\n3. Hủy")


def test_a_pushed_message_says_what_to_type_where_there_are_no_buttons() -> None:
    set_language("vi")
    reminder = Reply("Nhắc: hạn báo cáo là ngày 20.", [[Button("Báo cáo ngay", "report:start")]])
    typed = OutMessage("Nhắc: hạn báo cáo là ngày 20.\n\nGõ “Báo cáo ngay”")
    assert render_reply(reminder, ZALO, pushed=True) == [typed]
    assert render_reply(reminder, TELEGRAM, pushed=True)[0].buttons == reminder.buttons


def test_an_upload_takes_the_text_as_caption_only_when_it_fits() -> None:
    chart = Attachment("chart.png", PNG, "photo")
    [photo] = render_reply(Reply("Tổng hợp tháng 6", BUTTONS, chart), TELEGRAM)
    assert photo == OutMessage("Tổng hợp tháng 6", BUTTONS, upload=chart)
    long_text = "Số liệu tháng 6. " * 100  # over Telegram's 1,024-character caption
    first, *rest = render_reply(Reply(long_text, BUTTONS, chart), TELEGRAM)
    assert first == OutMessage("", upload=chart)
    assert rest and rest[-1].buttons == BUTTONS


def test_where_uploads_are_missing_a_picture_goes_by_url_and_a_file_as_a_link() -> None:
    chart, sheet = Attachment("chart.png", PNG, "photo"), Attachment("bang.xlsx", b"PK", "document")
    assert by_link(chart, ZALO) and by_link(sheet, ZALO) and not by_link(chart, TELEGRAM)
    url = "https://bot.example.vn/files/abc"
    assert render_reply(Reply("Biểu đồ", attachment=chart), ZALO, link=url) == [OutMessage("Biểu đồ", photo_url=url)]
    assert render_reply(Reply("Bảng", attachment=sheet), ZALO, link=url) == [OutMessage(f"Bảng\n{url}")]
    # Not published (no endpoint): the attachment is left out, the text still goes.
    assert render_reply(Reply("Biểu đồ", attachment=chart), ZALO) == [OutMessage("Biểu đồ")]


def test_a_link_that_does_not_fit_the_last_piece_is_a_message_of_its_own() -> None:
    url = "https://bot.example.vn/files/" + "x" * 40
    text = "y" * (ZALO.text_limit - 10)
    messages = render_reply(Reply(text, attachment=Attachment("b.xlsx", b"PK")), ZALO, link=url)
    assert [m.text for m in messages] == [text, url]


def test_the_console_renders_like_telegram() -> None:
    assert render_reply(Reply("Chào", BUTTONS), CONSOLE) == [OutMessage("Chào", BUTTONS)]


@pytest.mark.parametrize("limit", [50, 2000, 4096])
def test_split_text_never_exceeds_the_limit_and_loses_no_word(limit: int) -> None:
    text = ("Số người sử dụng trái phép chất ma túy được quản lý là 12 người 😀. " * 150).strip()
    pieces = split_text(text, limit)
    assert all(utf16_len(p) <= limit for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_a_platform_that_says_it_can_join_groups_gets_groups() -> None:
    try:
        assert not profile_of("zalo").groups
        declare_groups("zalo", True)
        assert profile_of("zalo") == replace(ZALO, groups=True)
    finally:
        reset_declarations()
    assert profile_of("zalo") == ZALO
    assert profile_of("web") == replace(ZALO, name="web")  # an unknown transport: the poorest

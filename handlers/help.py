"""What the bot can do, in a few lines that fit a phone screen."""

from __future__ import annotations

from locales.i18n import _
from locales.messages import Reply
from storage.people import Member


def help_reply(member: Member | None) -> Reply:
    """List the commands and example questions for this member."""
    lines = [
        _("I can help with:"),
        _("• /baocao or “báo cáo”: file this month's report"),
        _("• “báo cáo tháng 11”: file or correct another month"),
        _("• /xem or “xem báo cáo”: see your latest report"),
        _("• Questions about the plan, e.g. “đơn vị tôi được giao nhiệm vụ gì?”, "
          "“chỉ tiêu năm nay là bao nhiêu?”, “khi nào nộp báo cáo quý?”"),
        _("• /huy or “hủy”: stop what you are doing"),
        _("• /lienket: use the bot from both Telegram and Zalo"),
    ]
    if member is not None and member.role in ("leader", "admin"):
        lines.append(_("• “xóm nào chưa báo cáo?”: hamlets that have not reported yet"))
    return Reply("\n".join(lines))


def not_understood() -> Reply:
    """A polite answer for what the bot did not understand, with examples."""
    return Reply(
        _("Sorry, I did not understand. You can type “báo cáo” to file a report, or ask for example "
          "“đơn vị tôi được giao nhiệm vụ gì?”. Type “giúp” for help.")
    )


def greeting_reply(member: Member | None) -> Reply:
    """A short friendly answer to "chào", with what to type next."""
    return Reply(_("Hello, comrade! Type “báo cáo” to file this month's report, or “giúp” to see what I can do."))


def thanks_reply() -> Reply:
    """A short answer to "cảm ơn"."""
    return Reply(_("You are welcome! Type “báo cáo” or “giúp” whenever you need."))

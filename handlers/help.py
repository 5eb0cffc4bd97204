"""What the bot can do, in a few lines that fit a phone screen: the help lines of the commands the member
may use (handlers/command_table.py, in its order), then what a leader can ask in plain words."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.commands import GROUP_PLACES, PRIVATE, Command, audiences_of
from locales.i18n import _
from locales.messages import Reply
from storage.people import Member


def help_reply(member: Member | None, commands: Iterable[Command]) -> Reply:
    """List the commands this member may use (every command when nobody is named)."""
    audiences = audiences_of(member) if member is not None else None
    lines = [_("I can help with:")]
    for command in commands:
        # The help is read in a private chat: a command that runs there is listed for whom it serves
        # there (not for a reporter who may type /tonghop in the hamlets' group); a group's own command
        # (/ketnoi) for whom it serves in a group.
        places = (PRIVATE,) if command.runs_in(PRIVATE) else GROUP_PLACES
        if audiences is None or any(command.allows(a, place) for a in audiences for place in places):
            lines.extend(line() for line in command.help)
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

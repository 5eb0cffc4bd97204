"""Every command, declared once: its words, who may use it where, its help lines and its handler.

The router (handlers/router.py) finds commands here, checks who may use them where and calls them;
``/help`` lists the lines of the commands the member may use; the access-matrix test reads the same
entries. Adding a command is one entry here, its handler, and its strings in the catalogs.
Words are folded (see handlers/commands.py): "/báocáo" and "/BAOCAO" are the word ``baocao``.
"""

from __future__ import annotations

from conversations.engine import Outcome
from handlers import contact_phone, indicator_sets, manage, units_template
from handlers import group_commands as group
from handlers import private_commands as private
from handlers import province_commands as province
from handlers.commands import COMMUNE_READERS, EVERYONE, PRIVATE, Call, Command, CommandTable
from handlers.help import help_reply
from handlers.reminders import START_REPORT_BUTTON  # a reminder's "Start the report" button means /baocao
from locales.i18n import _
from locales.messages import Reply
from storage.people import Member

REPORTERS = frozenset({"reporter", "officer", "police"})
LEADS = frozenset({"leader", "admin"})
ADMINS = frozenset({"admin"})


async def _help(call: Call) -> list[Reply] | Outcome | None:
    """``/help``: what this member can do."""
    return [help_reply(call.member, COMMANDS)]


def _report_refused(place: str, member: Member | None) -> str:
    return _("Only the reporter of a hamlet or an agency can file a report.")


COMMANDS = CommandTable([
    Command("report", words=("baocao", "report"), access={PRIVATE: REPORTERS}, handler=private.report,
            buttons=(START_REPORT_BUTTON,), refusal=_report_refused,
            help=(lambda: _("• /baocao or “báo cáo”: file this month's report"),
                  lambda: _("• “báo cáo tháng 11”: file or correct another month"))),
    Command("view", words=("xem", "view"), access={PRIVATE: EVERYONE}, handler=private.view, figures=True,
            # Beside /xem, the other way to learn something: asking in plain words.
            help=(lambda: _("• /xem or “xem báo cáo”: see your latest report"),
                  lambda: _("• Questions about the plan, e.g. “đơn vị tôi được giao nhiệm vụ gì?”, "
                            "“chỉ tiêu năm nay là bao nhiêu?”, “khi nào nộp báo cáo quý?”"))),
    Command("cancel", words=("huy", "cancel"), access={PRIVATE: EVERYONE}, handler=private.cancel,
            help=(lambda: _("• /huy or “hủy”: stop what you are doing"),)),
    Command("link", words=("lienket", "link"), access={PRIVATE: EVERYONE}, handler=private.link,
            help=(lambda: _("• /lienket: use the bot from both Telegram and Zalo"),)),
    # One's own work phone (handlers/contact_phone.py): only the province summary shows it, to the province.
    Command("phone", words=("sdt", "phone"), access={PRIVATE: EVERYONE}, handler=contact_phone.phone_command,
            help=(lambda: _("• /sdt 0912 345 678: your work phone, for the province to call; /sdt xoa removes "
                            "it"),)),
    Command("summary", words=("tonghop", "summary"),
            access={PRIVATE: COMMUNE_READERS, "leaders": EVERYONE, "hamlets": EVERYONE, "province": LEADS},
            handler=group.summary_command, refusal=group.summary_refused, figures=True,
            help=(lambda: _("• /tonghop or “/tonghop 11/2026”: the commune's summary of a period"),)),
    Command("excel", words=("xuatexcel", "excel"),
            access={PRIVATE: COMMUNE_READERS, "leaders": COMMUNE_READERS, "province": LEADS},
            handler=group.excel_command, refusal=group.summary_refused, figures=True,
            help=(lambda: _("• /xuatexcel: an Excel file of every hamlet's figures"),)),
    Command("make_code", words=("maketnoi", "bindcode"), access={PRIVATE: frozenset({"admin"})},
            handler=group.make_code_command, refusal=group.make_code_refused,
            help=(lambda: _("• /maketnoi: codes to connect the leaders' and the hamlets' group chats"),)),
    # Runs in a group bound to nothing, and rebinds a bound one: the group's commune is not asked.
    Command("bind", words=("ketnoi", "connect"),
            access={"unbound": LEADS, "leaders": LEADS, "hamlets": LEADS, "province": LEADS},
            handler=group.bind_command, refusal=group.bind_refused, needs_groups=True,
            help=(lambda: _("• /ketnoi CODE, typed in a group chat: connect the group to the commune"),)),
    # Only in a bound group, only for its own commune's leaders and admins (the router checks the commune).
    Command("unbind", words=("huyketnoi", "unbind"), access={"leaders": LEADS, "hamlets": LEADS, "province": LEADS},
            handler=group.unbind_command, refusal=group.unbind_refused, needs_groups=True,
            help=(lambda: _("• /huyketnoi, typed in a connected group: disconnect it from the commune"),)),
    # A province leader's code for the province leaders' group (handlers/province_commands.py); the handler
    # refuses a commune's leader.
    Command("province_code", words=("maketnoitinh", "provincecode"), access={PRIVATE: LEADS},
            handler=province.province_code_command, refusal=province.code_refused,
            help=(lambda: _("• /maketnoitinh (province leaders): a code to connect the province leaders' group"),)),
    Command("template", words=("maumau", "template"), access={PRIVATE: frozenset({"admin"})},
            handler=units_template.template_command,
            help=(lambda: _("• /maumau: the sample hamlet list (Excel); send it back filled in to import the "
                            "hamlets"),)),
    # The indicator set an admin shapes (handlers/indicator_sets.py): sent as .xlsx, edited, sent back.
    Command("indicators", words=("chitieu", "indicators"), access={PRIVATE: ADMINS},
            handler=indicator_sets.export_command, refusal=manage.refused,
            help=(lambda: _("• /chitieu: the indicator set as an Excel file; edit it and send it back to make "
                            "a new version"),)),
    # Management of the commune by its admin (handlers/manage.py); every change is in the audit log. Three
    # help lines for eight commands: the admin's help stays short enough for a phone.
    Command("hamlets", words=("thon", "dsthon", "danhsachthon", "hamlets"), access={PRIVATE: ADMINS},
            handler=manage.hamlets_command, refusal=manage.refused,
            help=(lambda: _("• /thon or “danh sách thôn”: the hamlets and who reported; /themthon Xóm 12, "
                            "/doiten Xóm 1 | Xóm Đông, /nghi Xóm 5: add, rename, retire a hamlet"),)),
    Command("members", words=("thanhvien", "members"), access={PRIVATE: ADMINS}, handler=manage.members_command,
            refusal=manage.refused,
            help=(lambda: _("• /thanhvien: the members; /xoa 3 removes no. 3 (their reports stay); /mamoi Xóm 5 "
                            "or /mamoi lanh dao: a new code, the old one stops working"),)),
    Command("audit", words=("nhatky", "auditlog"), access={PRIVATE: ADMINS}, handler=manage.audit_command,
            refusal=manage.refused, help=(lambda: _("• /nhatky: the last 10 changes and who made them"),)),
    Command("new_code", words=("mamoi", "newcode"), access={PRIVATE: ADMINS}, handler=manage.new_code_command,
            refusal=manage.refused),
    Command("remove", words=("xoa", "remove"), access={PRIVATE: ADMINS}, handler=manage.remove_command,
            refusal=manage.refused),
    Command("add_hamlet", words=("themthon", "addhamlet"), access={PRIVATE: ADMINS},
            handler=manage.add_hamlet_command, refusal=manage.refused),
    Command("rename", words=("doiten", "rename"), access={PRIVATE: ADMINS}, handler=manage.rename_command,
            refusal=manage.refused),
    Command("retire", words=("nghi", "retire"), access={PRIVATE: ADMINS}, handler=manage.retire_command,
            refusal=manage.refused),
    Command("start", words=("start",), access={PRIVATE: EVERYONE}, handler=private.start),
    Command("help", words=("help", "giup"), access={PRIVATE: EVERYONE}, handler=_help),
])

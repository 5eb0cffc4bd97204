"""A commune admin manages the commune in chat: hamlets, codes, members, and reads the audit log.

``/thon`` lists the hamlets with this period's status and who reports for each (never a figure);
``/mamoi`` replaces the open code of a hamlet or a commune role; ``/thanhvien`` lists the members and
``/xoa`` removes one after “có”; ``/themthon``, ``/doiten`` and ``/nghi`` add, rename and retire a
hamlet (``/nghi`` after “có”); ``/nhatky`` shows the last entries of the audit log. Only inside the
admin's own commune: a hamlet of another commune is not found. The writes are in ``storage.manage``,
each with its audit entry, in the unit of work's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Outcome
from conversations.manage_confirm import REMOVE, RETIRE, ask
from handlers.commands import PRIVATE, Call
from handlers.group_commands import default_period
from handlers.invite_cards import RENEW_CUTOFF, card_holders
from handlers.registration import role_name
from locales.i18n import _, fmt_date, fmt_datetime
from locales.messages import Incoming, Reply
from locales.vietnamese import fold, nfc
from storage.audit import recent
from storage.calendar import calendar_for, local
from storage.manage import (
    MemberEntry,
    NameProblem,
    add_hamlet,
    commune_hamlets,
    commune_members,
    find_hamlet,
    rename_hamlet,
    renew_invite,
    reporters_of,
)
from storage.models import AuditEntry, Unit
from storage.people import Member
from storage.periods import period_label
from storage.reporting_scope import filed_reports, hamlet_set

_WORDS = Path(__file__).with_name("manage_words.json")


@cache
def _words() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_WORDS.read_text(encoding="utf-8"))
    return data


def refused(place: str, member: Member | None) -> str:
    """Why a management command is not for this asker."""
    return _("Only the commune's administrator can manage hamlets, members and codes.")


async def _commune(call: Call) -> Unit | None:
    if call.member.role != "admin" or call.member.commune_id is None:
        return None
    return await call.session.get(Unit, call.member.commune_id)


def _name_problem(problem: NameProblem, name: str) -> str:
    if problem is NameProblem.TAKEN:
        return _("The commune already has a hamlet “{name}”.").format(name=name)
    if problem is NameProblem.TOO_LONG:
        return _("The name is too long: at most 100 characters.")
    return _("Say what it is: write “Thôn {name}”, “Xóm {name}”, “Bản {name}”, “Ấp {name}”, “Tổ dân phố {name}” "
             "or “Khu phố {name}”.").format(name=name or "…")


async def _one_hamlet(call: Call, commune: Unit, name: str, cutoff: int) -> Unit | str:
    """The commune's hamlet ``name`` names, or what to tell the admin."""
    if not name.strip():
        return _("Type the hamlet's name after the command, e.g. /nghi Xóm 5.")
    found = await find_hamlet(call.session, commune.id, name, cutoff)
    if len(found) == 1:
        return found[0]
    if found:
        return _("“{name}” matches several hamlets: {names}. Type the full name.").format(
            name=name, names=", ".join(h.name for h in found))
    return _("{commune} has no hamlet “{name}”. /thon lists them.").format(commune=commune.name, name=name)


async def hamlets_command(call: Call) -> list[Reply]:
    """``/thon``: each hamlet in use, reported or not this period, and who reports for it."""
    commune = await _commune(call)
    if commune is None:
        return [Reply(refused(PRIVATE, call.member))]
    session = call.session
    hamlets = await commune_hamlets(session, commune.id)
    if not hamlets:
        return [Reply(_("{commune} has no hamlets yet. Add one: /themthon Xóm 1.").format(commune=commune.name))]
    set_row = await hamlet_set(session, commune)
    done: set[int] = set()
    lines = []
    if set_row is not None:
        period = default_period(await calendar_for(session, commune), set_row.period_kind, call.now)
        done = {f.unit_id for f in await filed_reports(session, commune.id, set_row.code, [period])}
        lines.append(_("{commune}, {period}: {done}/{count} hamlets reported.").format(
            commune=commune.name, period=period_label(period), done=len([h for h in hamlets if h.id in done]),
            count=len(hamlets)))
    reporters = await reporters_of(session, [h.id for h in hamlets])
    for hamlet in hamlets:
        mark = "✅" if hamlet.id in done else "⏳"
        names = [n for n in reporters.get(hamlet.id, []) if n]
        if names:
            who = ", ".join(names)
        elif hamlet.id in reporters:
            who = _("a reporter without a name")
        else:
            who = _("no reporter: /mamoi {name}").format(name=hamlet.name)
        lines.append(f"{mark} {hamlet.name} — {who}")
    return [Reply("\n".join(lines))]


def _role_named(text: str) -> str | None:
    folded = fold(text).replace(" ", "")
    for role, said in _words()["roles"].items():
        if folded in {fold(w).replace(" ", "") for w in said}:
            return str(role)
    return None


async def new_code_command(call: Call) -> list[Reply]:
    """``/mamoi <hamlet>`` or ``/mamoi lanh dao``: the old open code stops working, a new one is given."""
    commune = await _commune(call)
    if commune is None:
        return [Reply(refused(PRIVATE, call.member))]
    name = call.argument.strip()
    if not name:
        return [Reply(_("Type whose code to replace: /mamoi Xóm 5, /mamoi lanh dao, /mamoi can bo or "
                        "/mamoi quan tri."))]
    role = _role_named(name)
    if role is not None:
        holder = next(((u, r) for u, r in await card_holders(call.session, commune) if r == role), None)
        if holder is None:
            return [Reply(_("{commune} has no unit for that role yet.").format(commune=commune.name))]
        unit = holder[0]
    else:
        found = await _one_hamlet(call, commune, name, RENEW_CUTOFF)
        if isinstance(found, str):
            return [Reply(found)]
        unit, role = found, "reporter"
    invite = await renew_invite(call.session, commune.id, unit, role, call.member.person_id, call.now)
    return [Reply(_("New code for the {role} of {unit}: {code} (until {date}). The old code no longer works. "
                    "On Telegram send /start {code} to the bot; on Zalo send the code.").format(
        role=role_name(role), unit=unit.name, code=invite.code, date=fmt_date(local(invite.expires_at).date())))]


def _member_line(number: int, entry: MemberEntry) -> str:
    held = "; ".join(f"{role_name(role)} {unit}" for unit, role in entry.roles)
    return f"{number}. {entry.name or _('(no name)')} — {held}"


async def members_command(call: Call) -> list[Reply]:
    """``/thanhvien``: the commune's members, numbered, with their units and roles."""
    commune = await _commune(call)
    if commune is None:
        return [Reply(refused(PRIVATE, call.member))]
    entries = await commune_members(call.session, commune.id)
    lines = [_("Members of {commune} ({count}). To remove one: /xoa and the number.").format(
        commune=commune.name, count=len(entries))]
    lines += [_member_line(i, e) for i, e in enumerate(entries, start=1)]
    return [Reply("\n".join(lines))]


async def remove_command(call: Call) -> list[Reply] | Outcome:
    """``/xoa <number or name>``: asks “có”/“không”, then removes the member's roles in the commune."""
    commune = await _commune(call)
    if commune is None:
        return [Reply(refused(PRIVATE, call.member))]
    wanted = call.argument.strip()
    entries = await commune_members(call.session, commune.id)
    if wanted.isdigit() and 1 <= int(wanted) <= len(entries):
        found = [entries[int(wanted) - 1]]
    else:
        found = [e for e in entries if wanted and fold(e.name) == fold(wanted)] or \
                [e for e in entries if wanted and fold(wanted) in fold(e.name)]
    if len(found) != 1:
        if found:
            return [Reply(_("Several members match “{name}”: type /xoa and their number from /thanhvien.").format(
                name=wanted))]
        return [Reply(_("No member “{name}”. /thanhvien lists them with numbers.").format(name=wanted))]
    entry = found[0]
    if entry.person_id == call.member.person_id:
        return [Reply(_("You cannot remove yourself. Another administrator can."))]
    label = entry.name or _("(no name)")
    question = _("Remove {name} ({roles}) from {commune}? Their past reports stay. Answer “có” or “không”.").format(
        name=label, roles="; ".join(f"{role_name(r)} {u}" for u, r in entry.roles), commune=commune.name)
    return ask(REMOVE, commune.id, entry.person_id, label, question)


async def add_hamlet_command(call: Call) -> list[Reply]:
    """``/themthon Xóm 12``: a new hamlet, reporting with the commune's hamlet set from now on."""
    commune = await _commune(call)
    if commune is None:
        return [Reply(refused(PRIVATE, call.member))]
    added = await add_hamlet(call.session, commune, call.argument, call.member.person_id, call.now)
    if isinstance(added, NameProblem):
        return [Reply(_name_problem(added, " ".join(call.argument.split())))]
    return [Reply(_("{name} is a hamlet of {commune}. Its reporter's code: /mamoi {name}.").format(
        name=added.name, commune=commune.name))]


def _split_rename(text: str) -> tuple[str, str] | None:
    """(old, new) from “Xóm 1 | Xóm Đông” or “xóm 1 thành xóm Đông”."""
    text = " ".join(nfc(text).split())
    if "|" in text:
        old, _sep, new = text.partition("|")
    else:
        separators = "|".join(re.escape(s) for s in _words()["rename_separators"])
        parts = re.split(rf"\s(?:{separators})\s", text, maxsplit=1)
        if len(parts) != 2:
            return None
        old, new = parts
    return (old.strip(), new.strip()) if old.strip() and new.strip() else None


async def rename_command(call: Call) -> list[Reply]:
    """``/doiten Xóm 1 | Xóm Đông``: the hamlet's new name; its reports follow (they point to its id)."""
    commune = await _commune(call)
    if commune is None:
        return [Reply(refused(PRIVATE, call.member))]
    names = _split_rename(call.argument)
    if names is None:
        return [Reply(_("Write /doiten old name | new name, e.g. /doiten Xóm 1 | Xóm Đông Hòa."))]
    hamlet = await _one_hamlet(call, commune, names[0], RENEW_CUTOFF)
    if isinstance(hamlet, str):
        return [Reply(hamlet)]
    old = hamlet.name
    renamed = await rename_hamlet(call.session, commune.id, hamlet, names[1], call.member.person_id, call.now)
    if isinstance(renamed, NameProblem):
        return [Reply(_name_problem(renamed, names[1]))]
    return [Reply(_("{old} is now {new}. Its reports and reporters stay with it.").format(old=old, new=renamed))]


async def retire_command(call: Call) -> list[Reply] | Outcome:
    """``/nghi Xóm 5``: asks “có”/“không”, then the hamlet stops being expected to report."""
    commune = await _commune(call)
    if commune is None:
        return [Reply(refused(PRIVATE, call.member))]
    hamlet = await _one_hamlet(call, commune, call.argument, 80)
    if isinstance(hamlet, str):
        return [Reply(hamlet)]
    question = _("Retire {name}? Nobody will be asked to report for it and its open code stops working; its "
                 "reports stay. Answer “có” or “không”.").format(name=hamlet.name)
    return ask(RETIRE, commune.id, hamlet.id, hamlet.name, question)


def _action(entry: AuditEntry) -> str:
    before, after = entry.before or {}, entry.after or {}
    if entry.action == "hamlet.rename":
        return _("renamed {old} → {new}").format(old=before.get("name", "?"), new=after.get("name", entry.subject))
    labels = {
        "hamlet.add": _("added the hamlet {subject}"),
        "hamlet.retire": _("retired {subject}"),
        "hamlet.restore": _("brought {subject} back into use"),
        "member.remove": _("removed {subject} from the commune"),
        "invite.renew": _("issued a new code for {subject}"),
    }
    label = labels.get(entry.action)
    if label is None:
        return f"{entry.action}: {entry.subject}"
    text = label.format(subject=entry.subject)
    if entry.action == "invite.renew" and before.get("role"):
        text += f" ({role_name(str(before['role']))})"
    return text


async def audit_command(call: Call) -> list[Reply]:
    """``/nhatky``: the last 10 changes made to the commune, newest first."""
    commune = await _commune(call)
    if commune is None:
        return [Reply(refused(PRIVATE, call.member))]
    entries = await recent(call.session, commune.id)
    if not entries:
        return [Reply(_("No changes recorded for {commune} yet.").format(commune=commune.name))]
    lines = [_("Last changes in {commune}:").format(commune=commune.name)]
    for entry, actor in entries:
        lines.append(f"{fmt_datetime(local(entry.at))} {actor or _('(no name)')}: {_action(entry)}")
    return [Reply("\n".join(lines))]


async def manage_text_handler(session: AsyncSession, incoming: Incoming, member: Member | None,
                              now: dt.datetime) -> list[Reply] | None:
    """“danh sách thôn” and “đổi tên X thành Y” typed without a slash, by an admin; ``None`` otherwise."""
    if member is None or member.role != "admin" or incoming.chat_type == "group":
        return None
    text = " ".join(nfc(incoming.text or "").split())
    folded = fold(text).strip(" .?!")
    call = Call(session=session, incoming=incoming, member=member, argument="", now=now, place=PRIVATE)
    if folded in {fold(p) for p in _words()["list_phrases"]}:
        return await hamlets_command(call)
    for prefix in _words()["rename_prefix"]:
        if folded.startswith(fold(prefix) + " "):
            call.argument = text[len(prefix):].strip()
            return await rename_command(call)
    return None

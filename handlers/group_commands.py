"""Commands in group chats (``/ketnoi``, ``/tonghop``, ``/xuatexcel``) and in private chats
(the admin's ``/maketnoi``; a leader's ``/tonghop`` and ``/xuatexcel``).

A group is bound to one commune by a one-time code that only a commune admin can create; from then on
everything the group can ask is about that commune only, and only the commune's registered members are
answered there (someone not registered gets no answer; a member of another commune a short refusal).
What a group may see follows its purpose (domain: Privacy): the hamlets' group gets who has reported,
never figures; the leaders' group gets the totals, the chart and the per-hamlet workbook (the workbook
only at the asking of a leader, an admin or the commune police). No group message holds a hamlet's
note. In a private chat, the leaders, admins and commune police get the same summary (with the notes)
and the workbook. Who may use which command where is declared in ``handlers.command_table``; the router
(``handlers.router``) checks it and the group's binding before it calls these handlers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import reads_commune
from handlers.commands import PRIVATE, Call
from handlers.province_commands import (
    PROVINCE,
    belongs,
    make_province_code,
    other_province,
    province_of,
    province_report,
)
from handlers.province_commands import bound_text as province_bound_text
from handlers.registration import too_many_wrong_codes
from handlers.summaries import Summary, SummaryError, build_summary
from handlers.summary_brief import reporting_status_text
from handlers.summary_chart import chart_or_none
from handlers.summary_excel import summary_xlsx
from handlers.summary_render import summary_text
from locales.i18n import _, fmt_date, fmt_datetime
from locales.messages import Attachment, Incoming, Reply
from locales.vietnamese import fold
from storage.calendar import CalendarRules, calendar_for, local
from storage.code_attempts import record_wrong, throttled
from storage.models import AuditEntry, GroupBindCode, GroupBinding, Unit
from storage.people import Member
from storage.periods import PeriodSpec, period_label, period_of, previous, read_period
from storage.reporting_scope import hamlet_set

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CODE_DAYS = 7
# Summaries reach back to this year and forward to next year; beyond, a period is a typing slip
# ("/tonghop 0001") and the calendar's date arithmetic would overflow.
FIRST_YEAR = 2000
log = logging.getLogger(__name__)


# What an admin may type after /maketnoi (folded, spaces removed) to get one group's code only.
PURPOSE_WORDS = {
    "leaders": frozenset({"lanhdao", "leaders", "ld", "nhomlanhdao"}),
    "hamlets": frozenset({"thon", "xom", "ban", "hamlets", "nhomthon"}),
}


def default_period(rules: CalendarRules, kind: str, now: dt.datetime) -> PeriodSpec:
    """The period a leader most likely means: the one whose deadline is nearest today."""
    today = local(now).date()
    current = period_of(kind, today)
    candidates = [previous(current), current]
    return min(candidates, key=lambda p: (abs((rules.hamlet_deadline(p) - today).days), p.starts_on))


def _bound_text(purpose: str, commune: str) -> str:
    if purpose == "leaders":
        return _("This group is now the leaders' group of {commune}. I will post here a summary the day after "
                 "each reporting deadline and every Monday morning: who reported, who is late, the totals "
                 "against the targets, with a chart. Type /tonghop for a summary and /xuatexcel for an Excel "
                 "file at any time.").format(commune=commune)
    return _("This group is now the hamlets' group of {commune}. Before each reporting deadline and for a "
             "few days after it, I will post here which hamlets have not reported yet, never between 21:00 "
             "and 07:00. Reporters also get a private reminder.").format(commune=commune)


async def _bind(session: AsyncSession, incoming: Incoming, member: Member | None, argument: str,
                now: dt.datetime) -> list[Reply]:
    if await throttled(session, incoming.transport, incoming.user_id, now):
        return [too_many_wrong_codes()]
    code = "".join(ch for ch in argument.upper() if ch.isalnum())
    row = await session.scalar(select(GroupBindCode).where(GroupBindCode.code == code).with_for_update())
    if not code or row is None:
        await record_wrong(session, incoming.transport, incoming.user_id, "group", now)
        return [Reply(_("This code is not valid. Ask the commune admin for a new one (/maketnoi)."))]
    if row.used_at is not None or row.expires_at <= now:
        return [Reply(_("This code was already used or has expired. Ask the commune admin for a new one."))]
    if row.purpose == PROVINCE:
        # A province leaders' group: bound by a leader or admin of that province only.
        if member is None or province_of(member) != row.unit_id:
            return [Reply(_("Only an admin or a leader of the commune can connect a group."))]
    elif member is None or member.role not in ("admin", "leader") or member.commune_id != row.unit_id:
        return [Reply(_("Only an admin or a leader of the commune can connect a group."))]
    commune = await session.get(Unit, row.unit_id)
    assert commune is not None
    binding = await session.scalar(select(GroupBinding).where(
        GroupBinding.transport == incoming.transport, GroupBinding.chat_id == incoming.chat_id))
    if binding is not None and binding.unit_id != commune.id:
        # A group moves to another commune only when its own commune lets it go (/huyketnoi there).
        owner = await session.get(Unit, binding.unit_id)
        log.info("group %s:%s bound to unit %s: binding to unit %s refused", incoming.transport,
                 incoming.chat_id, binding.unit_id, commune.id)
        return [Reply(_("This group is connected to {owner}. A leader or an admin of {owner} must first type "
                        "/huyketnoi here; then it can be connected to {commune}.").format(
            owner=owner.name if owner is not None else "?", commune=commune.name))]
    if binding is None:
        binding = GroupBinding(transport=incoming.transport, chat_id=incoming.chat_id, unit_id=commune.id,
                               purpose=row.purpose, language=member.language)
        session.add(binding)
    binding.unit_id = commune.id
    binding.purpose = row.purpose
    binding.bound_by = member.person_id
    binding.bound_at = now
    row.used_at, row.used_chat_id = now, incoming.chat_id
    await session.flush()
    if row.purpose == PROVINCE:
        return [Reply(province_bound_text(commune.name))]
    return [Reply(_bound_text(row.purpose, commune.name))]


async def unbind_command(call: Call) -> list[Reply] | None:
    """``/huyketnoi`` in a bound group: its commune's leader or admin lets the group go (recorded in the audit log)."""
    binding = call.binding
    if binding is None or not belongs(binding, call.member):
        return [not_bound() if binding is None else other_commune()]
    commune = await call.session.get(Unit, binding.unit_id)
    name = commune.name if commune is not None else "?"
    call.session.add(AuditEntry(
        commune_id=binding.unit_id, actor_id=call.member.person_id, action="group.unbind",
        subject=f"{binding.transport}:{binding.chat_id}"[:300],
        before={"purpose": binding.purpose, "unit_id": binding.unit_id}, after=None, at=call.now))
    await call.session.delete(binding)
    await call.session.flush()
    log.info("group %s:%s unbound from unit %s by person %s", binding.transport, binding.chat_id,
             binding.unit_id, call.member.person_id)
    return [Reply(_("This group is no longer connected to {commune}: I will post nothing more here. A new "
                    "code (/maketnoi) connects it again.").format(commune=name))]


def unbind_refused(place: str, member: Member | None) -> str:
    """Why ``/huyketnoi`` is not for this asker."""
    return _("Only a leader or an admin of the group's commune can disconnect it.")


def period_out_of_range(period: PeriodSpec, now: dt.datetime) -> Reply | None:
    """Say so when ``period`` is before ``FIRST_YEAR`` or after next year (``None`` when it is fine)."""
    last = local(now).year + 1
    if FIRST_YEAR <= period.year <= last:
        return None
    return Reply(_("I can only summarise periods from {first} to {last}. Write for example 11/2026, "
                   "quý 4/2026 or 2026.").format(first=FIRST_YEAR, last=last))


async def _summary_for(session: AsyncSession, commune: Unit, argument: str, now: dt.datetime,
                       excel: bool, notes: bool) -> Summary | list[Reply]:
    """The summary of the period in ``argument`` (by default the nearest), or the replies saying why not."""
    set_row = await hamlet_set(session, commune)
    if set_row is None:
        return [Reply(_("{commune} has no hamlet report set up yet.").format(commune=commune.name))]
    if argument:
        period = read_period(argument, local(now).date())
        if period is None:
            return [Reply(_("I do not understand the period “{text}”. Write for example 11/2026, 2026-11, "
                            "quý 4/2026 or 2026.").format(text=argument))]
        refused = period_out_of_range(period, now)
        if refused is not None:
            return [refused]
    else:
        period = default_period(await calendar_for(session, commune), set_row.period_kind, now)
    try:
        return await build_summary(session, commune, period, now, per_hamlet_values=excel, with_notes=notes)
    except SummaryError:
        return [Reply(_("This period is shorter than the hamlets' reporting period; ask for a longer one."))]


async def _report(session: AsyncSession, commune: Unit, argument: str, now: dt.datetime, excel: bool,
                  notes: bool = False) -> list[Reply]:
    """The summary (text, then its chart) or the workbook, for the leaders (their group or privately)."""
    summary = await _summary_for(session, commune, argument, now, excel, notes)
    if isinstance(summary, list):
        return summary
    period = summary.period
    if excel:
        content = await asyncio.to_thread(summary_xlsx, summary)
        caption = _("Summary of {period} — {area}, made at {time}.").format(
            period=period_label(period), area=commune.name, time=fmt_datetime(local(now)))
        name = f"tonghop-{fold(commune.name).replace(' ', '-')}-{period.code}.xlsx"
        return [Reply(caption, attachment=Attachment(name, content, "document"))]
    replies = [Reply(summary_text(summary))]
    # A chart that fails to draw never costs the text.
    png = await asyncio.to_thread(chart_or_none, summary)
    if png is not None:
        replies.append(Reply(_("Chart: {period}").format(period=period_label(period)),
                             attachment=Attachment(f"tonghop-{period.code}.png", png, "photo")))
    return replies


async def _reporting_status(session: AsyncSession, commune: Unit, argument: str, now: dt.datetime) -> list[Reply]:
    """``/tonghop`` in the hamlets' group: who has reported and who has not, no figure."""
    summary = await _summary_for(session, commune, argument, now, excel=False, notes=False)
    if isinstance(summary, list):
        return summary
    return [Reply(reporting_status_text(summary))]


def not_bound() -> Reply:
    """What a group bound to no commune is told when asked for the commune's data."""
    return Reply(_("This group is not connected to a commune yet. A commune admin creates a code with "
                   "/maketnoi in a private chat with the bot, then types /ketnoi followed by the code here."))


def other_commune() -> Reply:
    """What a member of another commune is told in a bound group."""
    return Reply(_("This group belongs to another commune: I answer here only its members."))


def outsider(binding: GroupBinding, member: Member) -> Reply | None:
    """What someone not of the group's area is told (``None`` for a member: a commune's, or a province's leader)."""
    if belongs(binding, member):
        return None
    return other_province() if binding.purpose == PROVINCE else other_commune()


def no_groups(transport: str) -> Reply:
    """Why a group cannot be connected on a messenger whose bots cannot join groups (Zalo today)."""
    return Reply(_("{messenger} bots cannot join groups yet, so no group can be connected here. Summaries and "
                   "reminders will come to each leader privately, in a chat with the bot.").format(
        messenger=transport.capitalize()))


async def bind_command(call: Call) -> list[Reply] | None:
    """``/ketnoi CODE`` in a group: bind the group to the code's commune, for the code's purpose."""
    return await _bind(call.session, call.incoming, call.member, call.argument, call.now)


async def summary_command(call: Call) -> list[Reply] | None:
    """``/tonghop [period]``: the leaders' group and readers of the commune get the summary (privately with
    the notes), the hamlets' group who has reported."""
    if call.binding is None:
        return await _private_summary(call.session, call.member, "summary", call.argument, call.now)
    if call.binding.purpose == PROVINCE:
        return await province_report(call.session, call.binding.unit_id, call.argument, call.now, excel=False)
    commune = await call.session.get(Unit, call.binding.unit_id)
    assert commune is not None
    if call.binding.purpose != "leaders":
        return await _reporting_status(call.session, commune, call.argument, call.now)
    return await _report(call.session, commune, call.argument, call.now, excel=False)


async def excel_command(call: Call) -> list[Reply] | None:
    """``/xuatexcel [period]``: the workbook of every hamlet's figures (leaders' group, or privately)."""
    if call.binding is None:
        return await _private_summary(call.session, call.member, "excel", call.argument, call.now)
    if call.binding.purpose == PROVINCE:
        return await province_report(call.session, call.binding.unit_id, call.argument, call.now, excel=True)
    commune = await call.session.get(Unit, call.binding.unit_id)
    assert commune is not None
    return await _report(call.session, commune, call.argument, call.now, excel=True)


def summary_refused(place: str, member: Member | None) -> str:
    """Why ``/tonghop`` or ``/xuatexcel`` is not for this asker here."""
    if place == "hamlets":
        return _("The hamlets' group gets no figures. The Excel file goes to the leaders' group, or to a leader "
                 "who types /xuatexcel in a private chat with the bot.")
    if place == PRIVATE:
        return _("Only the commune's leaders and the commune police get the commune's summary. Type /xem to see "
                 "the report of {unit}.").format(unit=member.unit_name if member else "")
    return _("Only the commune's leaders and the commune police can ask for the Excel file of every hamlet's "
             "figures.")


def make_code_refused(place: str, member: Member | None) -> str:
    """Why ``/maketnoi`` is not for this asker."""
    return _("Only a commune admin can create codes to connect groups.")


def bind_refused(place: str, member: Member | None) -> str:
    """Why ``/ketnoi`` is not for this asker."""
    return _("Only an admin or a leader of the commune can connect a group.")


async def make_code_command(call: Call) -> list[Reply] | None:
    """``/maketnoi [lanhdao|thon]`` in a private chat: an admin gets one-time codes to connect groups."""
    session, member, argument, now = call.session, call.member, call.argument, call.now
    if member.commune_id is None and province_of(member) is not None:
        return await make_province_code(session, member, now)  # a province admin: the province group's code
    if member.role != "admin" or member.commune_id is None:
        return [Reply(make_code_refused(PRIVATE, member))]
    wanted = fold(argument).replace(" ", "")
    purposes = [p for p in ("leaders", "hamlets") if not wanted or wanted in PURPOSE_WORDS[p]]
    if not purposes:
        return [Reply(_("Write /maketnoi lanhdao for the leaders' group or /maketnoi thon for the hamlets' "
                        "group."))]
    commune = await session.get(Unit, member.commune_id)
    assert commune is not None
    expires = now + dt.timedelta(days=CODE_DAYS)
    lines = [_("Codes to connect the groups of {commune} (each works once, until {date}). Add the bot to the "
               "group, then type there:").format(commune=commune.name, date=fmt_date(local(expires).date()))]
    for purpose in purposes:
        code = "".join(secrets.choice(CODE_ALPHABET) for _position in range(CODE_LENGTH))
        session.add(GroupBindCode(code=code, unit_id=commune.id, purpose=purpose, created_by=member.person_id,
                                  created_at=now, expires_at=expires))
        label = _("leaders' group") if purpose == "leaders" else _("hamlets' group")
        lines.append(f"• {label}: /ketnoi {code}")
    await session.flush()
    return [Reply("\n".join(lines))]


async def _private_summary(session: AsyncSession, member: Member, meaning: str, argument: str,
                           now: dt.datetime) -> list[Reply]:
    """``/tonghop`` or ``/xuatexcel`` in a private chat: the commune's, for those who read every hamlet."""
    province_id = province_of(member) if member.commune_id is None else None
    if province_id is not None:
        # A province leader privately: the province summary of its communes.
        return await province_report(session, province_id, argument, now, excel=meaning == "excel")
    if not reads_commune(member):
        # The table lets leaders and admins in; one of a province (no commune) has no commune to sum up.
        return [Reply(summary_refused(PRIVATE, member))]
    assert member.commune_id is not None
    commune = await session.get(Unit, member.commune_id)
    assert commune is not None
    # Privately, and asked for: the summary shows the hamlets' notes (never tied to a hamlet).
    return await _report(session, commune, argument, now, excel=meaning == "excel", notes=meaning == "summary")

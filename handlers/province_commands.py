"""The province leaders' commands: a code to bind their group, and the province summary of its communes.

A province leader (a person with the role leader or admin at the province unit) makes a one-time code
with ``/maketnoitinh``; ``/ketnoi CODE`` in a group binds it as the province leaders' group, which from
then on sees that province only. There, and privately for the province leader, ``/tonghop [period]
[chi tiết]`` gives the summary of the communes' reports and ``/xuatexcel`` the workbook.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.commands import Call
from handlers.province_excel import province_xlsx
from handlers.province_render import province_details, province_png_or_none, province_text
from handlers.province_summary import ProvinceSummary, ProvinceSummaryError, build_province_summary, police_set
from locales.i18n import _, fmt_date, fmt_datetime
from locales.messages import Attachment, Reply
from locales.vietnamese import fold
from storage.calendar import CalendarRules, calendar_for, local
from storage.models import GroupBindCode, GroupBinding, Unit
from storage.people import Member
from storage.periods import PeriodSpec, period_label, period_of, previous, read_period

PROVINCE = "province"
LEAD_ROLES = ("leader", "admin")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CODE_DAYS = 7
FIRST_YEAR = 2000
# Words after /tonghop that ask for the long answer (folded, as typed with or without diacritics).
DETAIL_WORDS = ("chi tiet", "chitiet", "day du", "details", "detail")


def province_of(member: Member) -> int | None:
    """The province whose leader or admin ``member`` is (in any of their seats), or ``None``."""
    for seat in (member, *(member.as_seat(s) for s in member.seats)):
        if seat.unit_kind == PROVINCE and seat.role in LEAD_ROLES:
            return seat.unit_id
    return None


def belongs(binding: GroupBinding, member: Member) -> bool:
    """Tell whether ``member`` is of the area the group is bound to (a province group: its leaders only)."""
    if binding.purpose == PROVINCE:
        return province_of(member) == binding.unit_id
    return member.commune_id == binding.unit_id


def other_province() -> Reply:
    """What someone not of the province is told in a province leaders' group."""
    return Reply(_("This group is the leaders' group of a province: I answer here only that province's leaders."))


def bound_text(province: str) -> str:
    """What the group reads once it is bound as the province leaders' group."""
    return _("This group is now the province leaders' group of {province}. After each deadline of the communes' "
             "reports I will post here which communes have reported, which are late and whom to call, the totals "
             "against the province plan's targets, with a chart. Type /tonghop for a summary (/tonghop quý 4, "
             "/tonghop chi tiết) and /xuatexcel for an Excel file at any time.").format(province=province)


def code_refused(place: str, member: Member | None) -> str:
    """Why ``/maketnoitinh`` is not for this asker."""
    return _("Only a leader or an admin of the province can create a code for the province leaders' group.")


async def make_province_code(session: AsyncSession, member: Member, now: dt.datetime) -> list[Reply]:
    """A one-time code that binds a group as the province leaders' group."""
    province_id = province_of(member)
    if province_id is None:
        return [Reply(code_refused("private", member))]
    province = await session.get(Unit, province_id)
    assert province is not None
    expires = now + dt.timedelta(days=CODE_DAYS)
    code = "".join(secrets.choice(CODE_ALPHABET) for _position in range(CODE_LENGTH))
    session.add(GroupBindCode(code=code, unit_id=province.id, purpose=PROVINCE, created_by=member.person_id,
                              created_at=now, expires_at=expires))
    await session.flush()
    return [Reply(_("Code to connect the province leaders' group of {province} (works once, until {date}). Add "
                    "the bot to the group, then type there:\n/ketnoi {code}").format(
        province=province.name, date=fmt_date(local(expires).date()), code=code))]


def default_period(rules: CalendarRules, kind: str, now: dt.datetime) -> PeriodSpec:
    """The period a province leader most likely means: the one whose commune deadline is nearest today."""
    today = local(now).date()
    current = period_of(kind, today)
    return min([previous(current), current],
               key=lambda p: (abs((rules.commune_deadline(p) - today).days), p.starts_on))


def split_detail(argument: str) -> tuple[str, bool]:
    """The period part of ``argument`` and whether the details were asked for ("quý 4 chi tiết")."""
    folded = fold(argument)
    for word in DETAIL_WORDS:
        at = folded.find(word)
        if at >= 0:
            # Folding keeps the length of Vietnamese text, so the cut applies to what was typed.
            return (argument[:at] + argument[at + len(word):]).strip(), True
    return argument.strip(), False


async def province_summary_for(
    session: AsyncSession, province: Unit, argument: str, now: dt.datetime
) -> ProvinceSummary | list[Reply]:
    """The province summary of the period in ``argument`` (by default the nearest), or why not."""
    set_row = await police_set(session, province.id)
    if set_row is None:
        return [Reply(_("No commune of {province} has the commune police's report set up yet.").format(
            province=province.name))]
    if argument:
        period = read_period(argument, local(now).date())
        if period is None:
            return [Reply(_("I do not understand the period “{text}”. Write for example 11/2026, 2026-11, "
                            "quý 4/2026 or 2026.").format(text=argument))]
        last = local(now).year + 1
        if not FIRST_YEAR <= period.year <= last:
            return [Reply(_("I can only summarise periods from {first} to {last}. Write for example 11/2026, "
                            "quý 4/2026 or 2026.").format(first=FIRST_YEAR, last=last))]
    else:
        period = default_period(await calendar_for(session, province), set_row.period_kind, now)
    try:
        return await build_province_summary(session, province, period, now)
    except (ProvinceSummaryError, ValueError):
        return [Reply(_("This period is shorter than the communes' reporting period; ask for a longer one."))]


async def province_report(
    session: AsyncSession, province_id: int, argument: str, now: dt.datetime, excel: bool
) -> list[Reply]:
    """``/tonghop`` (text, then the chart) or ``/xuatexcel`` (the workbook) of the province's communes."""
    province = await session.get(Unit, province_id)
    assert province is not None
    period_text, detailed = split_detail(argument)
    summary = await province_summary_for(session, province, period_text, now)
    if isinstance(summary, list):
        return summary
    period = summary.period
    if excel:
        content = await asyncio.to_thread(province_xlsx, summary)
        caption = _("Communes' reports of {period} — {area}, made at {time}.").format(
            period=period_label(period), area=province.name, time=fmt_datetime(local(now)))
        name = f"tonghop-xa-{fold(province.name).replace(' ', '-')}-{period.code}.xlsx"
        return [Reply(caption, attachment=Attachment(name, content, "document"))]
    replies = [Reply(province_details(summary) if detailed else province_text(summary))]
    png = await asyncio.to_thread(province_png_or_none, summary)
    if png is not None:
        replies.append(Reply(_("Chart: {period}").format(period=period_label(period)),
                             attachment=Attachment(f"tonghop-tinh-{period.code}.png", png, "photo")))
    return replies


async def province_code_command(call: Call) -> list[Reply] | None:
    """``/maketnoitinh`` in a private chat: a province leader gets the code of the province leaders' group."""
    return await make_province_code(call.session, call.member, call.now)

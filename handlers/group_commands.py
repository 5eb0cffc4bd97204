"""Commands in group chats (``/ketnoi``, ``/tonghop``, ``/xuatexcel``) and the admin's ``/maketnoi``.

A group is bound to one commune by a one-time code that only a commune admin can create; from then on
everything the group can ask is about that commune only. The dispatcher calls ``group_command`` for
every group message (``Core.group_handler``) and ``make_code_command`` among its private handlers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import secrets
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import _, fmt_date, fmt_datetime
from handlers.messages import Attachment, Incoming, Reply
from handlers.reminders import language
from handlers.reporting_scope import hamlet_set, period_label
from handlers.summaries import SummaryError, build_summary
from handlers.summary_chart import summary_png
from handlers.summary_excel import summary_xlsx
from handlers.summary_render import summary_text
from handlers.vietnamese import fold
from storage.calendar import CalendarRules, PeriodSpec, calendar_for, local, parse_period, period_of, previous
from storage.models import GroupBindCode, GroupBinding, Unit
from storage.people import Member

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CODE_DAYS = 7
_MONTH = re.compile(r"^(?:t|thang)?\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")
_QUARTER = re.compile(r"^([a-z]+)\s*([1-4])\s*[/.-]?\s*(\d{4})$")


@cache
def words() -> dict[str, frozenset[str]]:
    """The command and purpose words (data shipped with the code)."""
    data = json.loads(Path(__file__).with_name("group_words.json").read_text(encoding="utf-8"))
    return {key: frozenset(value) for key, value in data.items() if not key.startswith("_")}


def command_of(text: str) -> tuple[str | None, str]:
    """Split ``/cmd@bot arg`` into (the command's meaning, its argument); (None, text) otherwise."""
    if not text.startswith("/"):
        return None, text
    head, _sep, rest = text[1:].partition(" ")
    name = fold(head.split("@", 1)[0])
    for meaning in ("bind", "summary", "excel", "make_code"):
        if name in words()[meaning]:
            return meaning, rest.strip()
    return None, text


def read_period(text: str) -> PeriodSpec | None:
    """Read a period as people write it: ``2026-11``, ``11/2026``, ``quý 4/2026``, ``2026``."""
    folded = fold(text).strip()
    try:
        return parse_period(folded)
    except ValueError:
        pass
    month = _MONTH.match(folded)
    if month and 1 <= int(month.group(1)) <= 12:
        return parse_period(f"{month.group(2)}-{int(month.group(1)):02d}")
    quarter = _QUARTER.match(folded)
    if quarter and quarter.group(1) in words()["quarter"]:
        return parse_period(f"{quarter.group(3)}-Q{quarter.group(2)}")
    return None


def default_period(rules: CalendarRules, kind: str, now: dt.datetime) -> PeriodSpec:
    """The period a leader most likely means: the one whose deadline is nearest today."""
    today = local(now).date()
    current = period_of(kind, today)
    candidates = [previous(current), current]
    return min(candidates, key=lambda p: (abs((rules.hamlet_deadline(p) - today).days), p.starts_on))


def _not_bound() -> Reply:
    return Reply(_("This group is not connected to a commune yet. A commune admin creates a code with "
                   "/maketnoi in a private chat with the bot, then types /ketnoi followed by the code here."))


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
    code = "".join(ch for ch in argument.upper() if ch.isalnum())
    row = await session.scalar(select(GroupBindCode).where(GroupBindCode.code == code).with_for_update())
    if not code or row is None:
        return [Reply(_("This code is not valid. Ask the commune admin for a new one (/maketnoi)."))]
    if row.used_at is not None or row.expires_at <= now:
        return [Reply(_("This code was already used or has expired. Ask the commune admin for a new one."))]
    if member is None or member.role not in ("admin", "leader") or member.commune_id != row.unit_id:
        return [Reply(_("Only an admin or a leader of the commune can connect a group."))]
    commune = await session.get(Unit, row.unit_id)
    assert commune is not None
    binding = await session.scalar(select(GroupBinding).where(
        GroupBinding.transport == incoming.transport, GroupBinding.chat_id == incoming.chat_id))
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
    return [Reply(_bound_text(row.purpose, commune.name))]


async def _report(session: AsyncSession, binding: GroupBinding, argument: str, now: dt.datetime,
                  excel: bool) -> list[Reply]:
    commune = await session.get(Unit, binding.unit_id)
    assert commune is not None
    set_row = await hamlet_set(session, commune)
    if set_row is None:
        return [Reply(_("{commune} has no hamlet report set up yet.").format(commune=commune.name))]
    if argument:
        period = read_period(argument)
        if period is None:
            return [Reply(_("I do not understand the period “{text}”. Write for example 11/2026, 2026-11, "
                            "quý 4/2026 or 2026.").format(text=argument))]
    else:
        period = default_period(await calendar_for(session, commune), set_row.period_kind, now)
    try:
        summary = await build_summary(session, commune, period, now, per_hamlet_values=excel)
    except SummaryError:
        return [Reply(_("This period is shorter than the hamlets' reporting period; ask for a longer one."))]
    if excel:
        content = await asyncio.to_thread(summary_xlsx, summary)
        caption = _("Summary of {period} — {area}, made at {time}.").format(
            period=period_label(period), area=commune.name, time=fmt_datetime(local(now)))
        name = f"tonghop-{fold(commune.name).replace(' ', '-')}-{period.code}.xlsx"
        return [Reply(caption, attachment=Attachment(name, content, "document"))]
    png = await asyncio.to_thread(summary_png, summary)
    return [Reply(summary_text(summary)),
            Reply(_("Chart: {period}").format(period=period_label(period)),
                  attachment=Attachment(f"tonghop-{period.code}.png", png, "photo"))]


async def group_command(session: AsyncSession, incoming: Incoming, member: Member | None,
                        now: dt.datetime) -> list[Reply] | None:
    """Answer a command typed in a group chat; ``None`` for anything else (groups are not chatted with)."""
    meaning, argument = command_of((incoming.text or "").strip())
    if meaning is None or meaning == "make_code":
        return None
    if meaning == "bind":
        return await _bind(session, incoming, member, argument, now)
    binding = await session.scalar(select(GroupBinding).where(
        GroupBinding.transport == incoming.transport, GroupBinding.chat_id == incoming.chat_id))
    if binding is None:
        return [_not_bound()]
    with language(binding.language):
        return await _report(session, binding, argument, now, excel=meaning == "excel")


async def make_code_command(session: AsyncSession, incoming: Incoming, member: Member | None,
                            now: dt.datetime) -> list[Reply] | None:
    """``/maketnoi [lanhdao|thon]`` in a private chat: an admin gets one-time codes to connect groups."""
    meaning, argument = command_of((incoming.text or "").strip())
    if meaning != "make_code" or incoming.chat_type != "private":
        return None
    if member is None or member.role != "admin" or member.commune_id is None:
        return [Reply(_("Only a commune admin can create codes to connect groups."))]
    wanted = fold(argument).replace(" ", "")
    purposes = [p for p in ("leaders", "hamlets") if not wanted or wanted in words()[p]]
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

"""``/xem``: the latest report of the sender's unit (or, for leaders, of a unit of their commune)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.report_text import period_name, summary_lines
from handlers.access import may_read
from handlers.i18n import _, fmt_datetime
from handlers.messages import Reply
from storage.models import Unit
from storage.people import Member, commune_of
from storage.reports import indicator_set_for, latest_report
from storage.units import find_units


async def view_report(session: AsyncSession, member: Member, argument: str, timezone: ZoneInfo) -> list[Reply]:
    """Show the latest report of the unit named in ``argument`` (the sender's own by default)."""
    unit: Unit | None
    if argument.strip():
        matches = await find_units(session, argument, kinds=("hamlet", "agency"))
        if not matches:
            return [Reply(_("I found no unit called “{name}”.").format(name=argument.strip()))]
        unit = matches[0]
    else:
        unit = await session.get(Unit, member.unit_id)
    assert unit is not None
    if not may_read(member, unit.id, await commune_of(session, unit)):
        own = member.unit_name
        return [Reply(_("You can only see the reports of {unit}.").format(unit=own))]
    report = await latest_report(session, unit.id)
    found = await indicator_set_for(session, unit)
    if report is None or found is None:
        return [Reply(_("{unit} has not filed a report yet.").format(unit=unit.name))]
    _set, indicators = found
    values: dict[str, object] = {**report.values}
    for indicator in indicators:
        if indicator.kind == "text":
            values[indicator.code] = report.note
    head = _("Latest report of {unit}: {period}, saved at {time} (version {revision}).").format(
        unit=unit.name, period=period_name(report.period_code),
        time=fmt_datetime(report.updated_at.astimezone(timezone)), revision=report.revision,
    )
    return [Reply("\n".join([head, *summary_lines(indicators, values, None)]))]

"""``/chitieu``: an admin gets the indicator set in use as an .xlsx to edit and send back; a file sent on
Zalo (which does not pass files to bots) is answered with the other ways to import it."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Outcome
from conversations.indicator_import import area_of
from handlers.commands import Call
from locales.i18n import _
from locales.messages import Attachment, Reply
from locales.profiles import profile_of
from locales.vietnamese import fold
from storage.indicator_sets import rows_of, set_of_area
from storage.indicator_sheet import write_sheet
from storage.models import IndicatorSet, Unit
from storage.people import Member


def file_name(area: Unit, indicator_set: IndicatorSet) -> str:
    """The exported file's name: the word the bot recognises it by, the area and the version."""
    return f"chi-tieu-{fold(area.name).replace(' ', '-')}-{indicator_set.code}-v{indicator_set.version}.xlsx"


async def export_set(session: AsyncSession, area: Unit, code: str | None = None) -> tuple[IndicatorSet, bytes] | None:
    """The set ``area`` edits (its own or the one it inherits) as .xlsx bytes; ``None`` when it has none."""
    found = await set_of_area(session, area, code)
    if found is None:
        return None
    rows = await rows_of(session, found.id)
    info = {"code": found.code, "name": found.name, "version": str(found.version), "unit_kind": found.unit_kind,
            "period_kind": found.period_kind}
    content = await asyncio.to_thread(write_sheet, rows, info)  # openpyxl is CPU work: off the event loop
    return found, content


async def export_command(call: Call) -> list[Reply] | Outcome | None:
    """Send the area's indicator set with a line on how to edit it and send it back."""
    area_id = area_of(call.member)
    area = await call.session.get(Unit, area_id) if area_id is not None else None
    if area is None:
        return [Reply(_("Only an administrator can change the indicator set."))]
    exported = await export_set(call.session, area, call.argument.strip() or None)
    if exported is None:
        return [Reply(_("{area} has no indicator set yet.").format(area=area.name))]
    found, content = exported
    caption = _("Indicator set “{name}”, version {version}. Edit it in Excel (add a row, change a question, "
                "delete a row to retire it), then send the file back here: I show what changes before "
                "anything is saved.").format(name=found.name, version=found.version)
    if not profile_of(call.incoming.transport).documents:
        caption += "\n" + zalo_hint()
    return [Reply(caption, attachment=Attachment(file_name(area, found), content, "document"))]


def zalo_hint() -> str:
    """How to import a sheet where the messenger passes no files to the bot."""
    return _("Zalo does not pass files to the bot: send the sheet to the bot on Telegram, or have it imported "
             "with “baocao indicators import --area <name> FILE.xlsx”.")


def file_on_zalo(member: Member) -> list[Reply] | None:
    """What an admin who sent a file on a messenger without documents reads (nothing for others)."""
    if member.role != "admin":
        return None
    # Zalo says only "unsupported" (a file, a voice note): the hint is for the one case an admin needs it.
    return [Reply(_("If you sent a file: {hint}").format(hint=zalo_hint()))]

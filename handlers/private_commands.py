"""The commands of a private chat that every member has: start, link, cancel, report, view.

Each takes a ``Call`` (handlers/commands.py) and is declared, with its words and who may use it, in
``handlers.command_table``. ``/help`` lives beside the table (it lists the table).
"""

from __future__ import annotations

from dataclasses import replace

from conversations.commune_periods import names_a_period
from conversations.engine import Context, Outcome
from handlers.access import may_report
from handlers.commands import Call
from handlers.linking import link_account, offer_link_code
from handlers.registration import register, too_many_wrong_codes
from handlers.report_view import view_report
from locales.i18n import _
from locales.messages import Reply
from storage.code_attempts import record_wrong, throttled
from storage.people import REPORTING_ROLES
from storage.units import find_units


def context_of(call: Call) -> Context:
    """What a dialog step may read, for this call."""
    return Context(session=call.session, member=call.member, now=call.now, timezone=call.timezone,
                   cache=call.cache)


async def start(call: Call) -> list[Reply] | Outcome | None:
    """``/start CODE`` from someone registered: a new invite (another unit, another role); bare: the help."""
    if not call.argument:
        return None
    call.cache.forget_member(call.incoming.transport, call.incoming.user_id)
    return await register(call.session, call.incoming, call.argument, call.now)


async def link(call: Call) -> list[Reply] | Outcome | None:
    """``/lienket``: a code for the other messenger; ``/lienket CODE``: this account joins the code's person."""
    if not call.argument:
        return await offer_link_code(call.session, call.member, call.now)
    incoming = call.incoming
    if await throttled(call.session, incoming.transport, incoming.user_id, call.now):
        return [too_many_wrong_codes()]
    linked = await link_account(call.session, incoming, call.argument, call.now)
    if linked is None:
        await record_wrong(call.session, incoming.transport, incoming.user_id, "link", call.now)
    return linked or [Reply(_("The code {code} is not correct. Please check it and send it again.").format(
        code=call.argument))]


async def cancel(call: Call) -> list[Reply] | Outcome | None:
    """``/huy``: end whatever dialog is under way, saving nothing."""
    return Outcome([Reply(_("Cancelled. Nothing was saved.") if call.state else _("Nothing to cancel."))], None)


async def report(call: Call) -> list[Reply] | Outcome | None:
    """``/baocao [month or unit]``: start the report dialog."""
    return await start_report(call)


async def start_report(call: Call) -> Outcome:
    """Start the report dialog for ``call.argument`` (a month, a unit's name, or nothing), as the reporter
    seat of the sender (a leader who also reports for a hamlet files that hamlet's report)."""
    reporter = call.member.as_reporter()
    if reporter is not None:
        call = replace(call, member=reporter)
    if call.argument and not names_a_period(call.argument):  # "quý 4", "năm 2026": a period, not a unit
        matches = await find_units(call.session, call.argument, kinds=("hamlet", "agency"))
        if matches and all(not may_report(call.member, unit.id) for unit in matches):
            return Outcome([Reply(_("You can only file the report of {unit}.").format(unit=call.member.unit_name))],
                           None)
        # One who reports for several units files the one named ("/baocao Xóm 2").
        named = {unit.id for unit in matches}
        seat = next((s for s in call.member.seats if s.unit_id in named and s.role in REPORTING_ROLES), None)
        if call.member.unit_id not in named and seat is not None:
            call = replace(call, member=call.member.as_seat(seat))
    return await call.dialogs["report"].start(context_of(call), call.argument)


async def view(call: Call) -> list[Reply] | Outcome | None:
    """``/xem [unit]``: the latest report of one's unit (a leader's: the commune's, or a named unit's)."""
    return await view_report(call.session, call.member, call.argument, call.timezone, call.now)

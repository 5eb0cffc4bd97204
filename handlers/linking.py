"""One person on Telegram and Zalo: ``/lienket`` gives a code on one, the code links the other.

The command itself (its words, who may use it) is an entry of ``handlers.command_table``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import _
from locales.messages import Incoming, Reply
from storage.people import CodeProblem, Member, create_link_code, find_member, redeem_link_code

LINK_CODE_MINUTES = 30


async def offer_link_code(session: AsyncSession, member: Member, now: dt.datetime) -> list[Reply]:
    """Give a registered member a code to send from their account on the other messenger."""
    code = await create_link_code(session, member.person_id, now, dt.timedelta(minutes=LINK_CODE_MINUTES))
    return [Reply(_("Your link code is {code} (valid for {minutes} minutes). On the other messenger (Zalo or "
                    "Telegram), send “/lienket {code}” to this bot: both accounts will be you.").format(
        code=code, minutes=LINK_CODE_MINUTES))]


async def link_account(session: AsyncSession, incoming: Incoming, code: str, now: dt.datetime) -> list[Reply] | None:
    """Link the sender's account with a link code; ``None`` when ``code`` is no link code at all."""
    outcome = await redeem_link_code(session, code, incoming.transport, incoming.user_id, now)
    if outcome is CodeProblem.UNKNOWN:
        return None
    if outcome is CodeProblem.USED:
        return [Reply(_("The code {code} has already been used. Please ask the commune police for a new one.")
                      .format(code=code))]
    if outcome is CodeProblem.EXPIRED:
        return [Reply(_("The link code {code} has expired. Send /lienket again on your other account.")
                      .format(code=code))]
    if outcome is CodeProblem.ALREADY_REGISTERED:
        return [Reply(_("This account is already registered."))]
    member = await find_member(session, incoming.transport, incoming.user_id)
    unit = member.unit_name if member else ""
    return [Reply(_("Linked: this account and your other one are the same person ({unit}).").format(unit=unit))]

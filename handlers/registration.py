"""Registration: ``/start <code>`` or the bare code binds the sender to a unit and a role."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.linking import link_account
from locales.i18n import _
from locales.messages import Incoming, Reply
from locales.vietnamese import nfc
from storage.code_attempts import WINDOW, record_wrong, throttled
from storage.commune_report import names_commune_police
from storage.people import CodeProblem, redeem_invite


def role_name(role: str) -> str:
    """Name a role in the user's language."""
    names = {
        "reporter": _("reporter"),
        "officer": _("officer"),
        "leader": _("leader"),
        "admin": _("administrator"),
    }
    return names.get(role, role)


def too_many_wrong_codes() -> Reply:
    """What a sender who typed too many wrong codes is told (no code of theirs is tried meanwhile)."""
    return Reply(_("You have typed a wrong code too many times. Please try again in {minutes} minutes.").format(
        minutes=int(WINDOW.total_seconds() // 60)))


def how_to_register() -> Reply:
    """What an unregistered sender is told (and nothing else)."""
    return Reply(
        _("Hello! You are not registered yet. Please send the invite code you received from the "
          "commune police (for example: /start ABCD2345, or just the code).")
    )


async def register(
    session: AsyncSession, incoming: Incoming, code: str, now: dt.datetime
) -> list[Reply]:
    """Redeem ``code`` for the sender; each kind of failure gets its own answer."""
    # The name the messenger reports is stored: without bidi overrides or invisible characters.
    name = nfc(incoming.user_name or "").strip() or None
    if await throttled(session, incoming.transport, incoming.user_id, now):
        return [too_many_wrong_codes()]
    outcome = await redeem_invite(session, code, incoming.transport, incoming.user_id, name, now)
    if outcome is CodeProblem.UNKNOWN:
        linked = await link_account(session, incoming, code, now)
        if linked is not None:
            return linked
        await record_wrong(session, incoming.transport, incoming.user_id, "invite", now)
        return [Reply(_("The code {code} is not correct. Please check it and send it again.").format(code=code))]
    if outcome is CodeProblem.USED:
        return [Reply(_("The code {code} has already been used. Please ask the commune police for a new one.")
                      .format(code=code))]
    if isinstance(outcome, CodeProblem):  # expired (an invite is never "already registered")
        return [Reply(_("The code {code} has expired. Please ask the commune police for a new one.")
                      .format(code=code))]
    invite, unit = outcome
    text = _("Registered: you are the {role} of {unit}.").format(role=role_name(invite.role), unit=unit.name)
    hint = _("Type “báo cáo” (or /baocao) to file this month's report, /xem to see the latest one, "
             "/help for everything else.") if invite.role in ("reporter", "officer") else _(
        "Type /help to see what I can do.")
    if invite.role in ("officer", "admin") and unit.kind == "agency" and names_commune_police(unit.name):
        # The province summary names the commune police's officer or admin to call: offer their phone.
        hint += "\n" + _("So the province can call you about the commune's report: /sdt 0912 345 678.")
    return [Reply(f"{text}\n{hint}")]

"""Open invite codes of a unit: reuse the one still usable, issue a new one, revoke them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite
from storage.people import create_invite

# How long a printed or sent invite code can be used; a card says the date, `--renew` replaces it.
INVITE_DAYS = 30


async def open_invites(
    session: AsyncSession, unit_id: int, now: dt.datetime, roles: Sequence[str] | None = None,
) -> list[Invite]:
    """Return the unit's codes nobody has used and that have not expired, the newest first."""
    statement = select(Invite).where(Invite.unit_id == unit_id, Invite.used_at.is_(None), Invite.expires_at > now)
    if roles is not None:
        statement = statement.where(Invite.role.in_(list(roles)))
    return list((await session.execute(statement.order_by(Invite.created_at.desc(), Invite.id.desc()))).scalars())


async def open_or_new_invite(
    session: AsyncSession, unit_id: int, role: str, now: dt.datetime, days: int = INVITE_DAYS,
) -> Invite:
    """Return an open code for ``role`` in the unit, creating one valid for ``days`` when there is none."""
    found = await open_invites(session, unit_id, now, roles=(role,))
    if found:
        return found[0]
    return await create_invite(session, unit_id, role, now, dt.timedelta(days=days))


async def revoke_open_invites(
    session: AsyncSession, unit_id: int, now: dt.datetime, roles: Sequence[str] | None = None,
) -> list[str]:
    """Make the unit's open codes expire now (``/start`` then refuses them); return the codes revoked."""
    revoked = await open_invites(session, unit_id, now, roles)
    for invite in revoked:
        # An expiry of "now" rather than a new column: the registration already refuses expired codes.
        invite.expires_at = now
    await session.flush()
    return [invite.code for invite in revoked]

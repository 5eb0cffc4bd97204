"""Who is writing: identities, memberships, and registration with an invite code."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Invite, Membership, Person, Unit

# No 0/O, 1/I/L: codes are read aloud and typed on small keyboards.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# Roles in order of what they may see: a leader outranks a reporter when a person has both.
ROLE_ORDER = ("admin", "leader", "officer", "reporter")


@dataclass(frozen=True)
class Member:
    """A registered person with the unit and role the bot acts for."""

    person_id: int
    language: str
    unit_id: int
    unit_name: str
    unit_kind: str
    role: str
    commune_id: int | None


class InviteProblem(Enum):
    """Why an invite code did not register anyone."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def normalise_code(text: str) -> str:
    """Upper-case a typed code and drop the spaces and dashes people add."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def looks_like_code(text: str) -> bool:
    """Tell whether ``text`` has the shape of an invite code (so it is tried as one)."""
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and any(ch.isdigit() for ch in code) and " " not in text.strip()


def new_code() -> str:
    """Return a fresh random invite code (always with a digit, so no word is ever taken for a code)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if any(ch.isdigit() for ch in code):
            return code


async def commune_of(session: AsyncSession, unit: Unit) -> int | None:
    """Return the id of the commune that ``unit`` is in (itself when it is one)."""
    current: Unit | None = unit
    while current is not None:
        if current.kind == "commune":
            return current.id
        if current.parent_id is None:
            return None
        current = await session.get(Unit, current.parent_id)
    return None


async def find_member(session: AsyncSession, transport: str, external_id: str) -> Member | None:
    """Return the registered person behind a transport's user id, or ``None``."""
    rows = (
        await session.execute(
            select(Person, Membership, Unit)
            .join(Identity, Identity.person_id == Person.id)
            .join(Membership, Membership.person_id == Person.id)
            .join(Unit, Unit.id == Membership.unit_id)
            .where(Identity.transport == transport, Identity.external_id == external_id)
            .order_by(Membership.created_at.desc(), Membership.id.desc())
        )
    ).all()
    if not rows:
        return None
    person, membership, unit = min(rows, key=lambda r: ROLE_ORDER.index(r[1].role))
    return Member(
        person_id=person.id,
        language=person.language,
        unit_id=unit.id,
        unit_name=unit.name,
        unit_kind=unit.kind,
        role=membership.role,
        commune_id=await commune_of(session, unit),
    )


async def create_invite(
    session: AsyncSession, unit_id: int, role: str, now: dt.datetime, valid_for: dt.timedelta,
    code: str | None = None,
) -> Invite:
    """Create a one-time invite binding its user to ``unit_id`` with ``role``."""
    invite = Invite(code=code or new_code(), unit_id=unit_id, role=role, expires_at=now + valid_for,
                    created_at=now)
    session.add(invite)
    await session.flush()
    return invite


async def redeem_invite(
    session: AsyncSession, code: str, transport: str, external_id: str, display_name: str | None,
    now: dt.datetime,
) -> tuple[Invite, Unit] | InviteProblem:
    """Bind the sender to the invite's unit and role; the invite is used up in the same transaction."""
    invite = (
        await session.execute(
            select(Invite).where(Invite.code == normalise_code(code)).with_for_update()
        )
    ).scalar_one_or_none()
    if invite is None:
        return InviteProblem.UNKNOWN
    if invite.used_at is not None:
        return InviteProblem.USED
    if invite.expires_at <= now:
        return InviteProblem.EXPIRED
    identity = (
        await session.execute(
            select(Identity).where(Identity.transport == transport, Identity.external_id == external_id)
        )
    ).scalar_one_or_none()
    if identity is None:
        person = Person(display_name=display_name, created_at=now)
        session.add(person)
        await session.flush()
        identity = Identity(person_id=person.id, transport=transport, external_id=external_id)
        session.add(identity)
    existing = (
        await session.execute(
            select(Membership).where(
                Membership.person_id == identity.person_id,
                Membership.unit_id == invite.unit_id,
                Membership.role == invite.role,
            )
        )
    ).scalar_one_or_none()
    if existing is None:
        session.add(Membership(person_id=identity.person_id, unit_id=invite.unit_id, role=invite.role,
                               created_at=now))
    invite.used_at = now
    invite.used_by = identity.person_id
    unit = await session.get(Unit, invite.unit_id)
    assert unit is not None
    await session.flush()
    return invite, unit


async def ensure_member(
    session: AsyncSession, transport: str, external_id: str, unit_id: int, role: str, now: dt.datetime,
) -> None:
    """Make ``external_id`` on ``transport`` a member of ``unit_id`` with ``role`` (console and tests)."""
    identity = (
        await session.execute(
            select(Identity).where(Identity.transport == transport, Identity.external_id == external_id)
        )
    ).scalar_one_or_none()
    if identity is None:
        person = Person(display_name=None, created_at=now)
        session.add(person)
        await session.flush()
        identity = Identity(person_id=person.id, transport=transport, external_id=external_id)
        session.add(identity)
        await session.flush()
    exists = (
        await session.execute(
            select(Membership.id).where(Membership.person_id == identity.person_id,
                                        Membership.unit_id == unit_id, Membership.role == role)
        )
    ).scalar_one_or_none()
    if exists is None:
        session.add(Membership(person_id=identity.person_id, unit_id=unit_id, role=role, created_at=now))
        await session.flush()

"""Who is writing: identities, memberships, and registration with an invite code."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, replace
from enum import Enum
from typing import Protocol

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Invite, LinkCode, Membership, Person, Unit

# No 0/O, 1/I/L: codes are read aloud and typed on small keyboards.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# Roles in order of what they may see: a leader outranks a reporter when a person has both.
ROLE_ORDER = ("admin", "leader", "officer", "reporter")
# The roles that file a unit's report.
REPORTING_ROLES = ("reporter", "officer")


@dataclass(frozen=True)
class Seat:
    """Another membership of the same person (a leader who is also a hamlet's reporter)."""

    unit_id: int
    unit_name: str
    unit_kind: str
    role: str
    commune_id: int | None


@dataclass(frozen=True)
class Member:
    """A registered person with the unit and role the bot acts for (their highest), and their other seats."""

    person_id: int
    language: str
    unit_id: int
    unit_name: str
    unit_kind: str
    role: str
    commune_id: int | None
    # The person's other memberships, highest role first: one person may hold several roles.
    seats: tuple[Seat, ...] = ()

    def as_seat(self, seat: Seat) -> Member:
        """The same person acting in ``seat`` (its unit and role), with their other seats kept."""
        return replace(self, unit_id=seat.unit_id, unit_name=seat.unit_name, unit_kind=seat.unit_kind,
                       role=seat.role, commune_id=seat.commune_id)

    def as_reporter(self) -> Member | None:
        """The same person acting as the reporter or officer of their unit (``None`` when they hold no such seat)."""
        if self.role in REPORTING_ROLES:
            return self
        seat = next((s for s in self.seats if s.role in REPORTING_ROLES), None)
        return self.as_seat(seat) if seat is not None else None


class CodeProblem(Enum):
    """Why an invite or link code did nothing."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    ALREADY_REGISTERED = "already_registered"


def _unusable(code: Invite | LinkCode | None, now: dt.datetime) -> CodeProblem | None:
    """Say why a one-time code cannot be used now (``None`` when it can)."""
    if code is None:
        return CodeProblem.UNKNOWN
    if code.used_at is not None:
        return CodeProblem.USED
    if code.expires_at <= now:
        return CodeProblem.EXPIRED
    return None


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


class CommuneLookup(Protocol):
    """Something that knows which commune a unit is in (``ConfigCache`` caches it)."""

    async def commune_of(self, session: AsyncSession, unit_id: int) -> int | None:
        """Return the id of the commune the unit ``unit_id`` is in."""
        ...


# Looked up on every update: plain SQL, compiled once. Roles ordered as in ROLE_ORDER.
_MEMBER = text(
    "SELECT p.id AS person_id, p.language, u.id AS unit_id, u.name, u.kind, m.role "
    "FROM identities i JOIN people p ON p.id = i.person_id "
    "JOIN memberships m ON m.person_id = p.id JOIN units u ON u.id = m.unit_id "
    "WHERE i.transport = :transport AND i.external_id = :external_id "
    "ORDER BY CASE m.role WHEN 'admin' THEN 0 WHEN 'leader' THEN 1 WHEN 'officer' THEN 2 ELSE 3 END, "
    "m.created_at DESC, m.id DESC"
)


async def find_member(
    session: AsyncSession, transport: str, external_id: str, communes: CommuneLookup | None = None
) -> Member | None:
    """Return the registered person behind a transport's user id, or ``None``."""
    rows = (await session.execute(_MEMBER, {"transport": transport, "external_id": external_id})).all()
    if not rows:
        return None
    seats: list[Seat] = []
    for row in rows:
        if communes is not None:
            commune_id = await communes.commune_of(session, row.unit_id)
        else:
            unit = await session.get(Unit, row.unit_id)
            commune_id = await commune_of(session, unit) if unit is not None else None
        seats.append(Seat(row.unit_id, row.name, row.kind, row.role, commune_id))
    first = rows[0]
    return Member(person_id=first.person_id, language=first.language, unit_id=seats[0].unit_id,
                  unit_name=seats[0].unit_name, unit_kind=seats[0].unit_kind, role=seats[0].role,
                  commune_id=seats[0].commune_id, seats=tuple(seats[1:]))


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
) -> tuple[Invite, Unit] | CodeProblem:
    """Bind the sender to the invite's unit and role; the invite is used up in the same transaction."""
    invite = (
        await session.execute(
            select(Invite).where(Invite.code == normalise_code(code)).with_for_update()
        )
    ).scalar_one_or_none()
    problem = _unusable(invite, now)
    if problem is not None or invite is None:
        return problem or CodeProblem.UNKNOWN
    identity = await _identity(session, transport, external_id)
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
    identity = await _identity(session, transport, external_id)
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


async def _identity(session: AsyncSession, transport: str, external_id: str) -> Identity | None:
    return (
        await session.execute(
            select(Identity).where(Identity.transport == transport, Identity.external_id == external_id)
        )
    ).scalar_one_or_none()


async def create_link_code(session: AsyncSession, person_id: int, now: dt.datetime, valid_for: dt.timedelta) -> str:
    """Create a one-time code that adds another transport's account to ``person_id``."""
    code = new_code()
    session.add(LinkCode(code=code, person_id=person_id, created_at=now, expires_at=now + valid_for))
    await session.flush()
    return code


async def usable_link_code(session: AsyncSession, code: str, now: dt.datetime) -> LinkCode | CodeProblem:
    """The link code ``code`` locked for this transaction, or why it cannot be used now."""
    link = (
        await session.execute(select(LinkCode).where(LinkCode.code == normalise_code(code)).with_for_update())
    ).scalar_one_or_none()
    problem = _unusable(link, now)
    if problem is not None or link is None:
        return problem or CodeProblem.UNKNOWN
    return link


async def identities_of(session: AsyncSession, person_id: int) -> list[Identity]:
    """Every account (transport and id) of one person."""
    return list((await session.execute(
        select(Identity).where(Identity.person_id == person_id).order_by(Identity.id))).scalars())


async def link_identity(
    session: AsyncSession, link_id: int, transport: str, external_id: str, now: dt.datetime
) -> int | CodeProblem:
    """Attach this transport's account to the person of the link code ``link_id`` (after its owner said yes)."""
    link = (await session.execute(select(LinkCode).where(LinkCode.id == link_id).with_for_update())
            ).scalar_one_or_none()
    problem = _unusable(link, now)
    if problem is not None or link is None:
        return problem or CodeProblem.UNKNOWN
    if await _identity(session, transport, external_id) is not None:
        return CodeProblem.ALREADY_REGISTERED
    session.add(Identity(person_id=link.person_id, transport=transport, external_id=external_id))
    link.used_at = now
    await session.flush()
    return link.person_id


async def void_link_code(session: AsyncSession, link_id: int, now: dt.datetime) -> None:
    """Use up a link code without linking (its owner said no)."""
    link = await session.get(LinkCode, link_id)
    if link is not None and link.used_at is None:
        link.used_at = now
        await session.flush()

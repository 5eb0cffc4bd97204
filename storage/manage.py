"""A commune's admin changes it in chat: hamlets (add, rename, retire), members (remove), new codes.

Every change writes its audit entry (``storage.audit``) in the same transaction. Nothing here
commits (the unit of work does) and nothing reaches outside the commune it is given: a hamlet or a
member of another commune is simply not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.vietnamese import fold, nfc
from storage.audit import record
from storage.invites import open_or_new_invite, revoke_open_invites
from storage.models import Identity, Invite, Membership, Person, Unit
from storage.reporting_scope import subtree
from storage.units import best_matches
from storage.units_sheet import NAME_MAX, parse_kind

# Roles in the order the member list shows them.
_ROLE_ORDER = {"admin": 0, "leader": 1, "officer": 2, "reporter": 3}


class NameProblem(Enum):
    """Why a hamlet name typed in chat is not taken."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NO_KIND = "no_kind"
    TAKEN = "taken"


@dataclass(frozen=True)
class MemberEntry:
    """One person of the commune with each (unit name, role) they hold there."""

    person_id: int
    name: str
    roles: tuple[tuple[str, str], ...]


def hamlet_name(text: str) -> tuple[str, str] | NameProblem:
    """The hamlet's full name and kind from what was typed ("xom dong tam" → "Xóm dong tam", "xóm")."""
    # ``nfc`` drops control and invisible characters, as everything the core reads.
    name = " ".join(nfc(text).split())
    if not name:
        return NameProblem.EMPTY
    if len(name) > NAME_MAX:
        return NameProblem.TOO_LONG
    words = name.split(" ")
    for count in (3, 2, 1):
        if len(words) > count and (kind := parse_kind(" ".join(words[:count]))) is not None:
            rest = " ".join(words[count:])
            return f"{kind[:1].upper()}{kind[1:]} {rest}", kind
    return NameProblem.NO_KIND


async def commune_hamlets(session: AsyncSession, commune_id: int, retired: bool = False) -> list[Unit]:
    """Return the commune's hamlets in use (or the retired ones), in the order they were set up."""
    tree = subtree(commune_id, "manage_tree")
    query = select(Unit).where(Unit.id.in_(select(tree.c.id)), Unit.kind == "hamlet")
    query = query.where(Unit.retired_at.is_not(None) if retired else Unit.retired_at.is_(None))
    return list((await session.scalars(query.order_by(Unit.id))).all())


async def find_hamlet(session: AsyncSession, commune_id: int, name: str, cutoff: int = 80) -> list[Unit]:
    """Return the commune's hamlets in use whose name best matches ``name`` (several when they tie)."""
    return best_matches(name, await commune_hamlets(session, commune_id), cutoff=cutoff)


async def reporters_of(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, list[str]]:
    """Return the display names of each unit's reporters (people without a name are left out)."""
    if not unit_ids:
        return {}
    query = (select(Membership.unit_id, Person.display_name)
             .join(Person, Person.id == Membership.person_id)
             .where(Membership.unit_id.in_(list(unit_ids)), Membership.role == "reporter")
             .order_by(Membership.created_at, Membership.id))
    found: dict[int, list[str]] = {}
    for unit_id, name in (await session.execute(query)).all():
        found.setdefault(unit_id, []).append(name or "")
    return found


async def commune_members(session: AsyncSession, commune_id: int) -> list[MemberEntry]:
    """Return everyone holding a role in the commune (itself, its agencies, its hamlets), by name then id.

    The order is what ``/xoa <number>`` counts on: it changes only when members do."""
    tree = subtree(commune_id, "members_tree")
    query = (select(Person.id, Person.display_name, Unit.name, Membership.role)
             .join(Membership, Membership.person_id == Person.id)
             .join(Unit, Unit.id == Membership.unit_id)
             .where(Unit.id.in_(select(tree.c.id)))
             .order_by(Unit.id, Membership.id))
    names: dict[int, str] = {}
    roles: dict[int, list[tuple[str, str]]] = {}
    for person_id, display, unit_name, role in (await session.execute(query)).all():
        names[person_id] = display or ""
        roles.setdefault(person_id, []).append((unit_name, role))
    entries = [MemberEntry(pid, names[pid], tuple(sorted(held, key=lambda r: _ROLE_ORDER.get(r[1], 9))))
               for pid, held in roles.items()]
    return sorted(entries, key=lambda e: (fold(e.name), e.person_id))


async def remove_member(
    session: AsyncSession, commune_id: int, person_id: int, actor_id: int | None, now: dt.datetime,
) -> list[tuple[str, str]] | None:
    """Remove the person's memberships in the commune; return their accounts (transport, id) to forget.

    Their reports stay (a report keeps ``person_id``); ``None`` when they hold nothing here."""
    entry = next((e for e in await commune_members(session, commune_id) if e.person_id == person_id), None)
    if entry is None:
        return None
    tree = subtree(commune_id, "remove_tree")
    await session.execute(delete(Membership).where(
        Membership.person_id == person_id, Membership.unit_id.in_(select(tree.c.id))))
    await record(session, commune_id, actor_id, "member.remove", entry.name or f"#{person_id}", now,
                 before={"person_id": person_id, "roles": [list(r) for r in entry.roles]}, after=None)
    accounts = await session.execute(select(Identity.transport, Identity.external_id)
                                     .where(Identity.person_id == person_id))
    return [(transport, external) for transport, external in accounts.all()]


async def add_hamlet(
    session: AsyncSession, commune: Unit, name: str, actor_id: int | None, now: dt.datetime,
) -> Unit | NameProblem:
    """Add a hamlet under the commune (it reports with the commune's hamlet set, like every other)."""
    checked = hamlet_name(name)
    if isinstance(checked, NameProblem):
        return checked
    full, kind = checked
    if any(h.folded_name == fold(full) for h in await commune_hamlets(session, commune.id)):
        return NameProblem.TAKEN
    retired = next((h for h in await commune_hamlets(session, commune.id, retired=True)
                    if h.folded_name == fold(full)), None)
    if retired is not None:
        # The same hamlet back in use: its old reports and members are still attached to it.
        retired.retired_at = None
        await record(session, commune.id, actor_id, "hamlet.restore", retired.name, now,
                     before={"retired": True}, after={"retired": False})
        return retired
    hamlet = Unit(kind="hamlet", name=full, folded_name=fold(full), parent_id=commune.id, settings={})
    session.add(hamlet)
    await session.flush()
    await record(session, commune.id, actor_id, "hamlet.add", full, now, after={"name": full, "kind": kind})
    return hamlet


async def rename_hamlet(
    session: AsyncSession, commune_id: int, hamlet: Unit, new_name: str, actor_id: int | None, now: dt.datetime,
) -> str | NameProblem:
    """Rename the hamlet (its reports point to its id, so they follow); return the new full name."""
    checked = hamlet_name(new_name)
    if isinstance(checked, NameProblem):
        return checked
    full, _kind = checked
    others = [h for h in await commune_hamlets(session, commune_id) if h.id != hamlet.id]
    if any(h.folded_name == fold(full) for h in others):
        return NameProblem.TAKEN
    old = hamlet.name
    hamlet.name, hamlet.folded_name = full, fold(full)
    await session.flush()
    await record(session, commune_id, actor_id, "hamlet.rename", full, now, before={"name": old},
                 after={"name": full})
    return full


async def retire_hamlet(
    session: AsyncSession, commune_id: int, hamlet_id: int, actor_id: int | None, now: dt.datetime,
) -> Unit | None:
    """Retire a hamlet of the commune (reports and members stay; nobody is expected to report for it)."""
    hamlet = next((h for h in await commune_hamlets(session, commune_id) if h.id == hamlet_id), None)
    if hamlet is None:
        return None
    hamlet.retired_at = now
    revoked = await revoke_open_invites(session, hamlet.id, now)
    await session.flush()
    await record(session, commune_id, actor_id, "hamlet.retire", hamlet.name, now,
                 before={"retired": False}, after={"retired": True, "codes_revoked": len(revoked)})
    return hamlet


async def renew_invite(
    session: AsyncSession, commune_id: int, unit: Unit, role: str, actor_id: int | None, now: dt.datetime,
) -> Invite:
    """Revoke the open codes of (unit, role) and issue a new one; the log counts codes, never holds one."""
    revoked = await revoke_open_invites(session, unit.id, now, roles=(role,))
    invite = await open_or_new_invite(session, unit.id, role, now)
    await record(session, commune_id, actor_id, "invite.renew", unit.name, now,
                 before={"role": role, "open_codes": len(revoked)}, after={"role": role, "open_codes": 1})
    return invite

"""Who may read or change which unit's reports (privacy: a hamlet sees only its own).

A commune's leaders and admins read every unit of their commune. The commune police (Công an xã, the
programme's standing agency, who compile the hamlets' reports) read every hamlet of their commune.
Everyone else reads their own unit only.
"""

from __future__ import annotations

from storage.commune_report import names_commune_police
from storage.people import REPORTING_ROLES, Member

COMMUNE_WIDE_ROLES = frozenset({"leader", "admin"})


def is_commune_police(member: Member) -> bool:
    """Tell whether ``member`` is an officer of the commune police agency ("Công an xã", "CA phường"…)."""
    if member.role != "officer" or member.unit_kind != "agency" or member.commune_id is None:
        return False
    return names_commune_police(member.unit_name)


def reads_commune(member: Member) -> bool:
    """Tell whether ``member`` sees every hamlet report of their commune (leaders, admins, commune police)."""
    if member.commune_id is None:
        return False
    return member.role in COMMUNE_WIDE_ROLES or is_commune_police(member)


def may_read(member: Member, unit_id: int, unit_commune_id: int | None, unit_kind: str = "") -> bool:
    """A reporter or officer reads their own unit; a leader or admin reads any unit of their commune;
    the commune police read every hamlet of their commune."""
    if unit_id == member.unit_id:
        return True
    if unit_commune_id is None or unit_commune_id != member.commune_id:
        return False
    return member.role in COMMUNE_WIDE_ROLES or (unit_kind == "hamlet" and is_commune_police(member))


def may_report(member: Member, unit_id: int) -> bool:
    """Only the unit's own reporter or officer files or corrects its report (in any seat the person holds)."""
    if unit_id == member.unit_id and member.role in REPORTING_ROLES:
        return True
    return any(seat.unit_id == unit_id and seat.role in REPORTING_ROLES for seat in member.seats)

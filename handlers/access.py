"""Who may read or change which unit's reports (privacy: a hamlet sees only its own)."""

from __future__ import annotations

from storage.people import Member

COMMUNE_WIDE_ROLES = frozenset({"leader", "admin"})


def may_read(member: Member, unit_id: int, unit_commune_id: int | None) -> bool:
    """A reporter or officer reads their own unit; a leader or admin reads any unit of their commune."""
    if unit_id == member.unit_id:
        return True
    return member.role in COMMUNE_WIDE_ROLES and unit_commune_id is not None and (
        unit_commune_id == member.commune_id
    )


def may_report(member: Member, unit_id: int) -> bool:
    """Only the unit's own reporter or officer files or corrects its report."""
    return unit_id == member.unit_id and member.role in ("reporter", "officer")

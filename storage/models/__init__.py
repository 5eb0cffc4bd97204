"""Every table, importable from one place so Alembic and the tests see the whole schema."""

from storage.models.audit import AuditEntry, CodeAttempt
from storage.models.base import Base, utcnow
from storage.models.dialogs import AppliedUpdate, DialogState
from storage.models.groups import GroupBindCode, GroupBinding
from storage.models.indicators import Indicator, IndicatorSet
from storage.models.outbox import OutboxMessage
from storage.models.people import Identity, Invite, LinkCode, Membership, Person
from storage.models.plans import Plan, PlanAssignment, PlanDeadline, PlanProject, PlanTarget, PlanTask, PlanUnplaced
from storage.models.reports import Period, Report, ReportRevision, ReportValue
from storage.models.rollups import AreaTotal
from storage.models.units import AGENCY, AREA_KINDS, Unit

__all__ = [
    "AGENCY",
    "AREA_KINDS",
    "AppliedUpdate",
    "AreaTotal",
    "AuditEntry",
    "Base",
    "CodeAttempt",
    "DialogState",
    "GroupBindCode",
    "GroupBinding",
    "Identity",
    "Indicator",
    "IndicatorSet",
    "Invite",
    "LinkCode",
    "Membership",
    "OutboxMessage",
    "Period",
    "Person",
    "Plan",
    "PlanAssignment",
    "PlanDeadline",
    "PlanProject",
    "PlanTarget",
    "PlanTask",
    "PlanUnplaced",
    "Report",
    "ReportRevision",
    "ReportValue",
    "Unit",
    "utcnow",
]

"""Imported plans (kế hoạch): their tasks and who is assigned them, targets, deadlines, projects.

Every extracted row keeps where it came from (``section`` heading and ``paragraph`` number in the
source text) so an answer can cite it and an admin can check it; what the importer could not place is
kept in ``plan_unplaced`` rather than guessed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

ROLES = ("lead", "support")
# Kinds of deadline the importer recognises; "other" keeps the prose.
DEADLINE_KINDS = ("month", "quarter", "half", "year", "final", "plan", "other")


class Plan(Base):
    """One imported plan document, attached to the area (province, commune…) that issued it."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    number: Mapped[str | None] = mapped_column(String(60))  # "107/KH-UBND"
    issued_on: Mapped[dt.date | None]
    # The date as the document writes it when it is incomplete ("tháng 01 năm 2026").
    issued_text: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(Text, default="")
    issuer: Mapped[str] = mapped_column(String(300), default="")  # "UBND tỉnh Nghệ An"
    source_name: Mapped[str] = mapped_column(String(300), default="")  # the file it came from
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlanProject(Base):
    """A project (Dự án N) or sub-project (Tiểu dự án M of Dự án N) the plan refers to."""

    __tablename__ = "plan_projects"
    __table_args__ = (Index("ix_plan_projects_plan_code", "plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))  # "5" for Dự án 5, "7.4" for Tiểu dự án 4 of Dự án 7
    name: Mapped[str] = mapped_column(Text, default="")
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    lead_name: Mapped[str | None] = mapped_column(String(300))
    section: Mapped[str] = mapped_column(Text, default="")
    paragraph: Mapped[int] = mapped_column(Integer, default=0)


class PlanTask(Base):
    """One task (nhiệm vụ) of a plan, with its time frame and the project it belongs to."""

    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    time_frame: Mapped[str | None] = mapped_column(String(300))
    # Every project the task belongs to, comma-separated codes ("1,2,7.2").
    project_code: Mapped[str | None] = mapped_column(String(200))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("plan_projects.id", ondelete="SET NULL"))
    section: Mapped[str] = mapped_column(Text, default="")
    paragraph: Mapped[int] = mapped_column(Integer, default=0)


class PlanAssignment(Base):
    """Who a task is given to: one unit, or every unit of a kind under the plan's area (``unit_kind``)."""

    __tablename__ = "plan_assignments"
    __table_args__ = (Index("ix_plan_assignments_unit_kind", "unit_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    # "hamlet", "commune"… when the plan says "every hamlet" / "UBND các xã, phường".
    unit_kind: Mapped[str | None] = mapped_column(String(20))
    # The area whose units of ``unit_kind`` are meant (the plan's area unless stated otherwise).
    scope_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    # The unit as the plan names it ("Ban cán sự 54 xóm, bản", "UBND các xã, phường").
    unit_name: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10), default="lead")
    # "Đề nghị …": the plan requests it of a body it cannot order (Front, unions, courts).
    requested: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanTarget(Base):
    """A target (chỉ tiêu) the plan sets, from a table or from prose."""

    __tablename__ = "plan_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    indicator: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(String(300))  # "800 người", "≥ 45%", "100%"
    time_frame: Mapped[str | None] = mapped_column(String(100))  # the year ("2026") or as written
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    section: Mapped[str] = mapped_column(Text, default="")
    paragraph: Mapped[int] = mapped_column(Integer, default=0)


class PlanDeadline(Base):
    """A reporting (or other) deadline stated in the plan's prose."""

    __tablename__ = "plan_deadlines"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # one of DEADLINE_KINDS
    due: Mapped[str] = mapped_column(String(40))  # "15/6", "15 của tháng cuối quý", "25/02/2026"
    due_on: Mapped[dt.date | None]  # when the plan gives a full date
    text: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(Text, default="")
    paragraph: Mapped[int] = mapped_column(Integer, default=0)


class PlanUnplaced(Base):
    """A paragraph of an assignment section the importer could not attach to any unit."""

    __tablename__ = "plan_unplaced"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(Text, default="")
    paragraph: Mapped[int] = mapped_column(Integer, default=0)

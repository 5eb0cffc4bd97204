"""Units: the area tree (province → commune → hamlet, any depth) and the agencies of each area."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

# Kinds of unit. Areas form the tree; an agency hangs under the area it belongs to.
AREA_KINDS = ("country", "province", "district", "commune", "hamlet")
AGENCY = "agency"


class Unit(Base):
    """An administrative area or an agency; ``parent_id`` builds the tree."""

    __tablename__ = "units"
    __table_args__ = (Index("ix_units_parent_kind", "parent_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    # Folded form of the name (no diacritics, lower case) for matching what users type.
    folded_name: Mapped[str] = mapped_column(String(300), index=True)
    # Settings of a commune (calendar, deadlines…) as versioned JSON; empty means domain defaults.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    @property
    def is_area(self) -> bool:
        """Tell whether this unit is an area (not an agency)."""
        return self.kind != AGENCY

"""Units: the area tree (province → commune → hamlet, any depth) and the agencies of each area."""

from __future__ import annotations

import datetime as dt
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
    # The code of a province or commune in the official list (vietnam-provinces, 2025): what ties the
    # unit to the state's list whatever spelling people use. None for hamlets, agencies and old data.
    official_code: Mapped[str | None] = mapped_column(String(10), index=True, default=None)
    # Resident population (from the hamlet sheet): the rates of Quyết định 28/2025 are shares of it.
    population: Mapped[int | None] = mapped_column(default=None)
    # When the unit stopped being used (merged, dissolved); its reports stay. None while in use.
    retired_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    @property
    def is_area(self) -> bool:
        """Tell whether this unit is an area (not an agency)."""
        return self.kind != AGENCY

"""Builds a commune for the group tests through the models: hamlets, a monthly set, reporters, groups."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.vietnamese import fold
from storage.demo import add_indicator_set, demo_data
from storage.models import (
    GroupBinding,
    Identity,
    Indicator,
    IndicatorSet,
    Membership,
    Person,
    Report,
    ReportValue,
    Unit,
)
from storage.periods import get_or_create_period

LEADERS_CHAT = "-1001"
HAMLETS_CHAT = "-1002"


@dataclass
class BuiltCommune:
    """Ids of what was built."""

    province: Unit
    commune: Unit
    hamlets: list[Unit]
    set_row: IndicatorSet
    indicator_ids: dict[str, int]
    reporter_chat: dict[int, str] = field(default_factory=dict)  # hamlet id -> private chat id


async def build_commune(
    session: AsyncSession, hamlets: int = 6, name: str = "Xã Hòa Bình Thử", province: Unit | None = None,
    groups: bool = True, reporters: bool = True,
) -> BuiltCommune:
    """Create a commune with ``hamlets`` hamlets, the default monthly set, one reporter per hamlet."""
    if province is None:
        province = Unit(kind="province", name="Tỉnh Thử Nghiệm", folded_name=fold("Tỉnh Thử Nghiệm"), settings={})
        session.add(province)
        await session.flush()
    commune = Unit(kind="commune", name=name, folded_name=fold(name), parent_id=province.id, settings={})
    session.add(commune)
    await session.flush()
    units = [
        Unit(kind="hamlet", name=f"Xóm {i}", folded_name=fold(f"Xóm {i}"), parent_id=commune.id, settings={})
        for i in range(1, hamlets + 1)
    ]
    session.add_all(units)
    await session.flush()
    set_row = await add_indicator_set(session, commune, demo_data()["indicator_set"])
    query = select(Indicator.code, Indicator.id).where(Indicator.set_id == set_row.id)
    ids: dict[str, int] = {code: ind_id for code, ind_id in (await session.execute(query)).all()}
    built = BuiltCommune(province, commune, units, set_row, ids)
    if reporters:
        for unit in units:
            person = Person(display_name=f"Trưởng {unit.name}", language="vi")
            session.add(person)
            await session.flush()
            chat = f"{commune.id}{unit.id:05d}"
            session.add(Identity(person_id=person.id, transport="telegram", external_id=chat))
            session.add(Membership(person_id=person.id, unit_id=unit.id, role="reporter"))
            built.reporter_chat[unit.id] = chat
    if groups:
        session.add(GroupBinding(transport="telegram", chat_id=LEADERS_CHAT, unit_id=commune.id, purpose="leaders"))
        session.add(GroupBinding(transport="telegram", chat_id=HAMLETS_CHAT, unit_id=commune.id, purpose="hamlets"))
    await session.flush()
    return built


def random_values(rng: random.Random) -> dict[str, int]:
    """Plausible monthly figures of one hamlet."""
    nghien, su_dung = rng.randint(0, 12), rng.randint(0, 8)
    tuyen_truyen = rng.randint(0, 4)
    return {
        "nghien": nghien, "su_dung": su_dung, "sau_cai": rng.randint(0, 5), "nghien_moi": rng.randint(0, 2),
        "tu_van": rng.randint(0, nghien + su_dung), "cai_nghien": rng.randint(0, 3),
        "loan_than": rng.randint(0, min(2, nghien + su_dung)), "tuyen_truyen": tuyen_truyen,
        "luot_nghe": tuyen_truyen * rng.randint(20, 60), "to_giac": rng.randint(0, 3),
        "diem_nghi_van": rng.randint(0, 1), "trong_cay": rng.randint(0, 20),
    }


async def file_report(
    session: AsyncSession, built: BuiltCommune, hamlet: Unit, period_code: str, values: dict[str, int],
    at: dt.datetime, note: str | None = None,
) -> Report:
    """Store a hamlet's report of ``period_code`` as if filed at ``at``."""
    period = await get_or_create_period(session, period_code)
    report = Report(unit_id=hamlet.id, set_id=built.set_row.id, period_id=period.id, submitted_at=at,
                    updated_at=at, note=note)
    session.add(report)
    await session.flush()
    session.add_all(
        ReportValue(report_id=report.id, indicator_id=built.indicator_ids[code], value=value)
        for code, value in values.items()
    )
    await session.flush()
    return report

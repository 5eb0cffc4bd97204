"""Builds a province for the province tests: communes with their police agency, its officer, the commune
police's set, commune reports and populations; a province leader on Telegram and on Zalo."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.vietnamese import fold
from storage.calendar import TZ
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
from tests.groups.commune import BuiltCommune, build_commune

PROVINCE_CHAT = "-3001"
LEADER_TG = "province-leader"
LEADER_ZALO = "zalo-province-leader"
OFFICER_NAME = "Lò Văn Công"
OFFICER_TG = "77001"
# Commune A files November on time (20/11), B late (1/12, after the communes' 30/11 deadline), C and D not at all;
# C's police has a registered officer, D's none. A and B know their population.
A_VALUES = {"nghien": 10, "su_dung": 10, "tu_van": 10, "doi_tuong": 2}
B_VALUES = {"nghien": 20, "su_dung": 0, "tu_van": 2, "doi_tuong": 0}
POPULATION = {"A": 4000, "B": 2000}


@dataclass
class BuiltProvince:
    """What was built: the province, its communes by letter, each commune's police agency and set."""

    province: Unit
    communes: dict[str, BuiltCommune]
    police: dict[str, Unit]
    police_set: dict[str, IndicatorSet]
    indicator_ids: dict[str, dict[str, int]] = field(default_factory=dict)


async def _person(session: AsyncSession, name: str, unit: Unit, role: str, ids: dict[str, str]) -> Person:
    person = Person(display_name=name, language="vi")
    session.add(person)
    await session.flush()
    for transport, external_id in ids.items():
        session.add(Identity(person_id=person.id, transport=transport, external_id=external_id))
    session.add(Membership(person_id=person.id, unit_id=unit.id, role=role))
    await session.flush()
    return person


async def file_commune_report(
    session: AsyncSession, built: BuiltProvince, letter: str, period_code: str, values: dict[str, int],
    at: dt.datetime,
) -> Report:
    """Store commune ``letter``'s police report of ``period_code`` as if filed at ``at``."""
    period = await get_or_create_period(session, period_code)
    report = Report(unit_id=built.police[letter].id, set_id=built.police_set[letter].id, period_id=period.id,
                    submitted_at=at, updated_at=at)
    session.add(report)
    await session.flush()
    ids = built.indicator_ids[letter]
    session.add_all(ReportValue(report_id=report.id, indicator_id=ids[code], value=value)
                    for code, value in values.items())
    await session.flush()
    return report


async def build_province(session: AsyncSession, leader: bool = True, group: bool = True) -> BuiltProvince:
    """Four communes A–D in "Tỉnh Thử Nghiệm" (two hamlets each) and November's reports as described above."""
    first = await build_commune(session, hamlets=2, name="Xã A", groups=False, reporters=False)
    province = first.province
    communes = {"A": first}
    for letter in "BCD":
        communes[letter] = await build_commune(session, hamlets=2, name=f"Xã {letter}", province=province,
                                               groups=False, reporters=False)
    built = BuiltProvince(province, communes, {}, {})
    for letter, commune in communes.items():
        commune.commune.population = POPULATION.get(letter)
        police = Unit(kind="agency", name="Công an xã", folded_name=fold("Công an xã"),
                      parent_id=commune.commune.id, settings={})
        session.add(police)
        await session.flush()
        built.police[letter] = police
        set_row = await add_indicator_set(session, commune.commune, demo_data()["commune_set"])
        built.police_set[letter] = set_row
        rows = await session.execute(select(Indicator.code, Indicator.id).where(Indicator.set_id == set_row.id))
        built.indicator_ids[letter] = {code: ind for code, ind in rows.all()}
    await _person(session, OFFICER_NAME, built.police["C"], "officer", {"telegram": OFFICER_TG})
    # A hamlet's report never counts in the province summary of communes.
    await file_commune_report(session, built, "A", "2026-11", A_VALUES, dt.datetime(2026, 11, 20, 9, tzinfo=TZ))
    await file_commune_report(session, built, "B", "2026-11", B_VALUES, dt.datetime(2026, 12, 1, 9, tzinfo=TZ))
    if leader:
        await _person(session, "Chủ tịch tỉnh", province, "leader",
                      {"telegram": LEADER_TG, "zalo": LEADER_ZALO})
    if group:
        session.add(GroupBinding(transport="telegram", chat_id=PROVINCE_CHAT, unit_id=province.id,
                                 purpose="province"))
    await session.flush()
    return built

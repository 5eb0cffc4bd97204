"""The demo commune: units, the default hamlet indicator set, invites and a few months of reports."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.vietnamese import fold
from storage.commune_report import hamlet_sums, is_commune_police
from storage.invites import open_or_new_invite
from storage.migrate import DEMO_LOCK, hold_lock
from storage.models import Indicator, IndicatorSet, Unit
from storage.periods import PeriodSpec, period_of, previous
from storage.plans import parse_plan, save_plan
from storage.reports import save_report

DATA = Path(__file__).with_name("demo_commune.json")
# The demo commune's own plan (written for the demo, built like the seeds): questions have answers.
PLAN = Path(__file__).with_name("demo_plan.md")
PAST_MONTHS = 6


@dataclass(frozen=True)
class DemoHamlet:
    """A hamlet of the demo with its reporter's invite code."""

    name: str
    invite_code: str


@dataclass(frozen=True)
class DemoSummary:
    """What ``baocao demo`` prints."""

    commune: str
    commune_id: int
    hamlets: list[DemoHamlet]
    leader_code: str
    admin_code: str
    created: bool


def demo_data() -> dict[str, Any]:
    """Return the demo commune's description."""
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def _unit(kind: str, name: str, parent: Unit | None) -> Unit:
    return Unit(kind=kind, name=name, folded_name=fold(name), parent_id=parent.id if parent else None, settings={})


async def add_indicator_set(session: AsyncSession, owner: Unit, spec: dict[str, Any]) -> IndicatorSet:
    """Create an indicator set and its indicators from a JSON description."""
    indicator_set = IndicatorSet(owner_id=owner.id, code=spec["code"], name=spec["name"],
                                 unit_kind=spec["unit_kind"], period_kind=spec["period_kind"])
    session.add(indicator_set)
    await session.flush()
    for position, item in enumerate(spec["indicators"], start=1):
        session.add(Indicator(
            set_id=indicator_set.id, position=position, code=item["code"], label=item["label"],
            label_en=item.get("label_en"), question=item["question"], question_en=item.get("question_en"),
            measure=item.get("measure", ""), kind=item.get("kind", "count"),
            required=item.get("required", True), rules=item.get("rules", {}),
        ))
    await session.flush()
    return indicator_set


def _plausible_values(rng: random.Random, base: dict[str, int], codes: list[str]) -> dict[str, int | None]:
    """Believable figures for one hamlet-month; an indicator added to the set later gets small counts,
    so adding one needs no change here."""
    nghien = max(0, base["nghien"] + rng.randint(-1, 1))
    su_dung = max(0, base["su_dung"] + rng.randint(-1, 1))
    sessions = rng.randint(0, 4)
    values = {
        "nghien": nghien, "su_dung": su_dung, "sau_cai": base["sau_cai"], "nghien_moi": rng.randint(0, 1),
        "tu_van": rng.randint(0, nghien + su_dung), "cai_nghien": rng.randint(0, nghien),
        "loan_than": min(rng.randint(0, 1), nghien + su_dung), "tuyen_truyen": sessions,
        "luot_nghe": sessions * rng.randint(20, 60), "to_giac": rng.randint(0, 2),
        "diem_nghi_van": rng.randint(0, 1), "trong_cay": rng.choice((0, 0, 0, 15)),
    }
    known: dict[str, int | None] = dict(values)
    for code in codes:
        if code not in known:
            known[code] = rng.randint(0, 2)
    return {code: known[code] for code in codes}


async def _fresh_code(session: AsyncSession, unit: Unit, role: str, now: dt.datetime) -> str:
    return (await open_or_new_invite(session, unit.id, role, now)).code


async def load_demo(session: AsyncSession, now: dt.datetime, today: dt.date) -> DemoSummary:
    """Create the demo commune unless it exists; either way return its hamlets and fresh invite codes."""
    await hold_lock(session, DEMO_LOCK)  # several processes starting at once load it once
    data = demo_data()
    commune = (await session.execute(
        select(Unit).where(Unit.kind == "commune", Unit.folded_name == fold(data["commune"]))
    )).scalar_one_or_none()
    created = commune is None
    if commune is None:
        province = _unit("province", data["province"], None)
        session.add(province)
        await session.flush()
        commune = _unit("commune", data["commune"], province)
        # Rates per 1,000 residents need it (QĐ 28/2025 criteria are shares of the resident population).
        commune.population = data.get("commune_population")
        session.add(commune)
        await session.flush()
        session.add_all(_unit("hamlet", name, commune) for name in data["hamlets"])
        session.add_all(_unit("agency", name, commune) for name in data["agencies"])
        await session.flush()
        indicator_set = await add_indicator_set(session, commune, data["indicator_set"])
        commune_set = await add_indicator_set(session, commune, data["commune_set"])  # the police's own report
        await save_plan(session, parse_plan(PLAN.read_text(encoding="utf-8"), PLAN.name, commune.name), commune)
        await _past_reports(session, commune, indicator_set, data, now, today)
        await _past_commune_reports(session, commune, commune_set, data, now, today)
    hamlets = list((await session.execute(
        select(Unit).where(Unit.parent_id == commune.id, Unit.kind == "hamlet").order_by(Unit.id)
    )).scalars())
    police = (await session.execute(
        select(Unit).where(Unit.parent_id == commune.id, Unit.kind == "agency").order_by(Unit.id)
    )).scalars().first()
    assert police is not None
    listed = [DemoHamlet(h.name, await _fresh_code(session, h, "reporter", now)) for h in hamlets]
    return DemoSummary(
        commune=commune.name, commune_id=commune.id, hamlets=listed,
        leader_code=await _fresh_code(session, commune, "leader", now),
        admin_code=await _fresh_code(session, police, "admin", now), created=created,
    )


async def _past_reports(
    session: AsyncSession, commune: Unit, indicator_set: IndicatorSet, data: dict[str, Any],
    now: dt.datetime, today: dt.date,
) -> None:
    # A fixed seed: every demo database tells the same story.
    rng = random.Random(20260101)
    hamlets = list((await session.execute(
        select(Unit).where(Unit.parent_id == commune.id, Unit.kind == "hamlet").order_by(Unit.id)
    )).scalars())
    current = period_of("month", today)
    months: list[PeriodSpec] = []
    period = current
    for _ in range(PAST_MONTHS):
        period = previous(period)
        months.append(period)
    # Figures only: the free-text item (the note) is filled below from the demo's notes.
    codes = [item["code"] for item in data["indicator_set"]["indicators"] if item.get("kind", "count") != "text"]
    for index, hamlet in enumerate(hamlets):
        base = {"nghien": rng.randint(0, 6), "su_dung": rng.randint(0, 4), "sau_cai": rng.randint(0, 5)}
        for age, month in enumerate(reversed(months)):
            # Two hamlets are often late: the last month is missing for them.
            if index in (3, 7) and age == len(months) - 1:
                continue
            saved = dt.datetime.combine(month.ends_on, dt.time(9, 0), tzinfo=dt.UTC) - dt.timedelta(days=6)
            await save_report(session, unit_id=hamlet.id, set_id=indicator_set.id, period=month,
                              values=_plausible_values(rng, base, codes), note=rng.choice(data["notes"]),
                              person_id=None, now=min(saved, now))


async def _past_commune_reports(
    session: AsyncSession, commune: Unit, commune_set: IndicatorSet, data: dict[str, Any],
    now: dt.datetime, today: dt.date,
) -> None:
    """The commune police's monthly reports of the past months but the last (still to file in the demo):
    the hamlets' sums as prefilled, the commune-only figures made up; a province leader then sees a history."""
    rng = random.Random(20260202)
    agencies = (await session.scalars(select(Unit).where(Unit.parent_id == commune.id, Unit.kind == "agency"))).all()
    police = next((unit for unit in agencies if is_commune_police(unit)), None)
    if police is None:
        return
    items = [item for item in data["commune_set"]["indicators"] if item.get("kind", "count") != "text"]
    sources = {item["code"]: str(item["rules"]["sum_of"]) for item in items if (item.get("rules") or {}).get("sum_of")}
    month = previous(period_of("month", today))
    for _ in range(PAST_MONTHS - 1):
        month = previous(month)
        sums = await hamlet_sums(session, commune.id, month.code, sorted(set(sources.values())))
        values: dict[str, int | None] = {}
        for item in items:
            code = item["code"]
            if code in sources:
                values[code] = sums.sums.get(sources[code], 0)
            elif item.get("kind") == "area":
                values[code] = rng.choice([0, 0, 0, 150])
            else:
                values[code] = rng.randint(0, 3)
        filed = dt.datetime.combine(month.ends_on, dt.time(9, 0), tzinfo=dt.UTC) - dt.timedelta(days=1)
        await save_report(session, unit_id=police.id, set_id=commune_set.id, period=month, values=values,
                          note=None, person_id=None, now=min(filed, now))

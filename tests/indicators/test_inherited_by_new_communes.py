"""A province that shaped its hamlets' set: a commune imported afterwards gets no copy of the default set and
reports the province's (its latest version); a commune imported before keeps its own. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.indicator_sets import rows_of, save_version
from storage.models import IndicatorSet, Unit
from storage.reporting_scope import hamlet_set
from storage.reports import indicator_set_for
from storage.units_import import import_units
from storage.units_sheet import read_sheet
from tests.units.sheets import HEADER, QUY_HOP, write_csv

NOW = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)
CON_CUONG = ["Nghệ An", "Xã Con Cuông", "Bản Nưa", "bản", "410"]


async def test_a_commune_imported_after_the_province_shaped_its_set_inherits_it(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await import_units(session, read_sheet(write_csv(tmp_path / "a.csv", [HEADER, *QUY_HOP])), NOW)
        quy_hop = (await session.execute(select(Unit).where(Unit.kind == "commune"))).scalar_one()
        province = await session.get(Unit, quy_hop.parent_id)
        assert province is not None
        own = await hamlet_set(session, quy_hop)
        assert own is not None
        rows = await rows_of(session, own.id)
        adopted = await save_version(session, province, own, rows)
        await save_version(session, province, adopted, [r for r in rows if r.code != "to_giac"])
    async with sessions() as session, session.begin():
        result = await import_units(session, read_sheet(write_csv(tmp_path / "b.csv", [HEADER, *QUY_HOP, CON_CUONG])),
                                    NOW)
        assert result.new_communes == ["Xã Con Cuông"]
    async with sessions() as session:
        con_cuong = (await session.execute(select(Unit).where(Unit.name == "Xã Con Cuông"))).scalar_one()
        codes = list(await session.scalars(select(IndicatorSet.code).where(IndicatorSet.owner_id == con_cuong.id)))
        assert codes == ["xa_thang"]  # the police's set is still the default: the province shaped only the hamlets'
        ban_nua = (await session.execute(select(Unit).where(Unit.name == "Bản Nưa"))).scalar_one()
        found = await indicator_set_for(session, ban_nua)
        assert found is not None and (found[0].owner_id, found[0].version) == (province.id, 2)
        assert "to_giac" not in [i.code for i in found[1]]
        kept = await hamlet_set(session, quy_hop)
        assert kept is not None and kept.owner_id == quy_hop.id

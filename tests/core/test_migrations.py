"""Alembic owns the schema: upgrade to head and down to base both work, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import downgrade, upgrade
from storage.models import Base


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_migrations_build_the_models_schema_and_go_back_down(engine: AsyncEngine) -> None:
    assert set(Base.metadata.tables) <= await _tables(engine)
    await downgrade(engine, "base")
    assert await _tables(engine) <= {"alembic_version"}
    await upgrade(engine)
    assert set(Base.metadata.tables) <= await _tables(engine)


async def test_the_migrations_at_head_match_the_models_column_for_column(engine: AsyncEngine) -> None:
    """Every schema change has its migration: Alembic's autogenerate finds nothing left to write."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def _diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []

"""Three ``baocao demo`` starting at once on a fresh database: all succeed, the schema is migrated once
and the demo commune is loaded once (PostgreSQL: advisory locks; SQLite: the write lock)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import create_engine
from tests.conftest import _create_pg_database, _drop_pg_database, _pg_reachable

STARTS = 3


def _baocao() -> list[str]:
    script = Path(sys.executable).parent / "baocao"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


async def _demo(url: str, cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *_baocao(), "demo", cwd=cwd, env={**os.environ, "DATABASE_URL": url, "BAOCAO_LANGUAGE": "vi"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return int(proc.returncode or 0), err.decode(errors="replace")


async def _fresh(kind: str, tmp_path: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", None
    if not _pg_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable under CI")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = await _create_pg_database()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", name


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_three_demos_at_once_on_a_fresh_database_migrate_and_load_once(kind: str, tmp_path: Path) -> None:
    url, pg_name = await _fresh(kind, tmp_path)
    try:
        results = await asyncio.gather(*(_demo(url, tmp_path) for _ in range(STARTS)))
        for code, err in results:
            assert code == 0, err  # before the lock: UniqueViolation "pg_type_typname_nsp_index"
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                communes = (await conn.execute(text("SELECT count(*) FROM units WHERE kind = 'commune'"))).scalar()
                plans = (await conn.execute(text("SELECT count(*) FROM plans"))).scalar()
                versions = (await conn.execute(text("SELECT count(*) FROM alembic_version"))).scalar()
        finally:
            await engine.dispose()
        assert (communes, plans, versions) == (1, 1, 1)  # before: three communes, three plans
    finally:
        if pg_name:
            await _drop_pg_database(pg_name)

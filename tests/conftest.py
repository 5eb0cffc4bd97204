"""Shared fixtures: a real database per backend (SQLite file, PostgreSQL on 127.0.0.1), migrated by Alembic.

Every test that takes ``engine`` runs once on SQLite and once on PostgreSQL. Each test session gets
its own PostgreSQL database (so parallel runs never meet) and every test starts on empty tables.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from locales.i18n import set_language
from storage import clock
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import Base

PG_HOST = os.environ.get("BAOCAO_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BAOCAO_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("BAOCAO_TEST_PG_USER", "postgres")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def shared_dir() -> Path:
    """Return ``../shared``; skip (visibly) where it is absent, fail under CI."""
    if not SHARED.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is missing under CI")
        pytest.skip(f"{SHARED} is absent: the seeds and eval questions live there")
    return SHARED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pinned-moments", default=None, metavar="FILE",
        help="run every calendar test once at each moment of FILE (tests/pinned_moments.txt): end-to-end "
             "tests only at the moments whose scope is 'all'",
    )


def pinned_moments(path: Path) -> list[tuple[str, str]]:
    """The (moment, scope) lines of a pinned-moments file, comments skipped."""
    out: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            out.append((fields[0], fields[1] if len(fields) > 1 else "all"))
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With ``--pinned-moments``, give each calendar test one run per moment, in ONE pytest session: nine
    sessions (each collecting, starting workers, creating databases) cost CI minutes for nothing."""
    option = metafunc.config.getoption("pinned_moments")
    if not option or metafunc.definition.get_closest_marker("calendar") is None:
        return
    end_to_end = metafunc.definition.get_closest_marker("e2e") is not None
    moments = [m for m, scope in pinned_moments(Path(option)) if scope == "all" or not end_to_end]
    metafunc.parametrize("_program_clock", moments, indirect=True, ids=[f"at {m}" for m in moments])


@pytest.fixture(autouse=True)
def _program_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts the program clock afresh: at ``BAOCAO_CLOCK`` when CI pins it, else real time.

    Re-anchoring per test keeps a long run pinned at 23:59 from drifting into the next day. Under
    ``--pinned-moments`` the moment is this run's parameter, set in the environment too, so that a bot
    or CLI process the test starts runs at the same moment.
    """
    moment: str | None = getattr(request, "param", None)
    saved = os.environ.get(clock.ENV_VAR)
    if moment is not None:
        os.environ[clock.ENV_VAR] = moment
    clock.pin(None)
    clock.pin_from_env()
    try:
        yield
    finally:
        if moment is not None:
            if saved is None:
                os.environ.pop(clock.ENV_VAR, None)
            else:
                os.environ[clock.ENV_VAR] = saved
        clock.pin(None)
        clock.pin_from_env()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in Vietnamese: a test that switches to English must not leak it to the next one
    run by the same worker (it did: later tests read English replies)."""
    set_language(None)
    yield
    set_language(None)


@pytest.fixture
def pin_clock() -> Callable[[dt.datetime], None]:
    """Pin the program clock (rows' timestamps, the core, the sender) at a moment of this test's choosing."""
    return clock.pin


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a unit test that tries to reach anything but the loopback address."""
    if request.node.get_closest_marker("e2e"):
        yield
        return
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise RuntimeError(f"unit test tried to reach {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


async def _create_pg_database() -> str:
    name = f"baocao_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head."""
    if not _pg_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 under CI")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = await _create_pg_database()
    url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    yield url
    await _drop_pg_database(name)


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A SQLite file for this test session, migrated to head."""
    path = tmp_path_factory.mktemp("db") / "baocao.db"
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database, once per backend."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(request.getfixturevalue("sqlite_url"))


async def _empty_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(table.delete())


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on empty, migrated tables, once per backend."""
    eng = create_engine(db_url)
    await _empty_all(eng)
    yield eng
    await eng.dispose()

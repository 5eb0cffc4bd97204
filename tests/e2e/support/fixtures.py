"""Fixtures for the end-to-end suite: the emulator process, a fresh token, a user-side client, the proxy."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.support.bot_process import PG_HOST, PG_PORT, BotRunner
from tests.e2e.support.client import Emulator
from tests.e2e.support.emulator import EmulatorProcess, fresh_token, node_path, start_emulator
from tests.e2e.support.proxy import FaultProxy


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[EmulatorProcess]:
    """One emulator for the session; tests stay apart by using a fresh token each."""
    if node_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is not installed: the e2e suite needs it under CI")
        pytest.skip("node is not installed: the Telegram emulator cannot run")
    proc = start_emulator()
    yield proc
    proc.stop()


@pytest.fixture
def bot_token() -> str:
    """A token no other test has used: the emulator keeps state per token."""
    return fresh_token()


@pytest.fixture
async def tg(emulator_process: EmulatorProcess, bot_token: str) -> AsyncIterator[Emulator]:
    """The emulator as users (and the test) see it, for this test's token."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield Emulator(emulator_process.url, bot_token, session)


@pytest.fixture
async def fault_proxy(emulator_process: EmulatorProcess) -> AsyncIterator[FaultProxy]:
    """A fault-injecting proxy in front of the emulator; give the bot ``fault_proxy.url``."""
    proxy = await FaultProxy(emulator_process.url).start()
    yield proxy
    await proxy.close()


@pytest.fixture(params=["aiogram", "ptb"])
def framework(request: pytest.FixtureRequest) -> str:
    """Each bot test runs once per Telegram framework."""
    return str(request.param)


def require_postgres() -> None:
    """Skip (fail under CI) when PostgreSQL is not listening on 127.0.0.1."""
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable under CI")
        pytest.skip("PostgreSQL is not reachable")


@pytest.fixture
async def bots(tmp_path: Path, tg: Emulator) -> AsyncIterator[BotRunner]:
    """Starts ``baocao run`` processes for this test; none outlives it."""
    runner = BotRunner(tmp_path, tg)
    yield runner
    await runner.close()
